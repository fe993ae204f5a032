package dev.incubator.common;

/**
 * Stable, machine-readable error codes. The code string is part of the public API: clients match on
 * it, so a code is never renamed. The HTTP layer maps each {@link Kind} to a status in one place.
 */
public enum ErrorCode {
    VALIDATION_FAILED(Kind.USER_ERROR, "Request validation failed"),
    MALFORMED_REQUEST(Kind.USER_ERROR, "Malformed request"),
    UNSUPPORTED_MEDIA_TYPE(Kind.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
    PAYLOAD_TOO_LARGE(Kind.PAYLOAD_TOO_LARGE, "Request body too large"),
    UNAUTHENTICATED(Kind.UNAUTHENTICATED, "Authentication required"),
    TOKEN_INVALID(Kind.UNAUTHENTICATED, "Invalid API token"),
    TOKEN_EXPIRED(Kind.UNAUTHENTICATED, "API token expired"),
    TOKEN_REVOKED(Kind.UNAUTHENTICATED, "API token revoked"),
    ACCOUNT_DISABLED(Kind.UNAUTHENTICATED, "Account disabled"),
    FORBIDDEN(Kind.FORBIDDEN, "Forbidden"),
    INSUFFICIENT_SCOPE(Kind.FORBIDDEN, "Token scope insufficient"),
    NOT_FOUND(Kind.NOT_FOUND, "Resource not found"),
    ROUTE_NOT_FOUND(Kind.NOT_FOUND, "No such route"),
    METHOD_NOT_ALLOWED(Kind.METHOD_NOT_ALLOWED, "Method not allowed"),
    ALREADY_EXISTS(Kind.CONFLICT, "Resource already exists"),
    CONFLICT(Kind.CONFLICT, "Conflict with the current state"),
    VERSION_MISMATCH(Kind.PRECONDITION_FAILED, "Resource was modified concurrently"),
    IDEMPOTENCY_KEY_REUSED(Kind.UNPROCESSABLE, "Idempotency key reused with a different request"),
    IDEMPOTENCY_KEY_IN_USE(Kind.CONFLICT, "A request with this idempotency key is in progress"),
    RANGE_NOT_SATISFIABLE(Kind.RANGE_NOT_SATISFIABLE, "Requested range not satisfiable"),
    DATA_CORRUPT(Kind.INTERNAL, "Stored data failed verification"),
    RATE_LIMITED(Kind.TOO_MANY_REQUESTS, "Too many requests"),
    STORAGE_QUOTA_EXCEEDED(Kind.INSUFFICIENT_STORAGE, "Storage quota exceeded"),
    UNAVAILABLE(Kind.UNAVAILABLE, "Service unavailable"),
    INTERNAL(Kind.INTERNAL, "Internal error");

    /** Categories of failure, each mapped to one HTTP status by the server. */
    public enum Kind {
        USER_ERROR, UNSUPPORTED_MEDIA_TYPE, PAYLOAD_TOO_LARGE, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND,
        METHOD_NOT_ALLOWED, CONFLICT, PRECONDITION_FAILED, UNPROCESSABLE, RANGE_NOT_SATISFIABLE, TOO_MANY_REQUESTS,
        INSUFFICIENT_STORAGE, UNAVAILABLE, INTERNAL
    }

    private final Kind kind;
    private final String title;

    ErrorCode(Kind kind, String title) {
        this.kind = kind;
        this.title = title;
    }

    public Kind kind() {
        return kind;
    }

    public String title() {
        return title;
    }

    /** The code as clients see it, e.g. {@code validation_failed}. */
    public String code() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
