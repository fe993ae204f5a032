package dev.incubator.server.api;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.FieldError;
import java.util.List;

/** RFC 9457 problem details, and the one mapping from error kinds to HTTP statuses. */
public final class Problems {
    public static final String CONTENT_TYPE = "application/problem+json";

    private Problems() {
    }

    /** The body of a problem response. {@code type} is a stable URI reference built from the error code. */
    public record Problem(String type, String title, int status, String detail, String instance, String code,
                          String requestId, List<FieldError> errors) {
    }

    public static Problem of(ErrorCode code, String detail, String instance, String requestId, List<FieldError> errors) {
        return new Problem("/problems/" + code.code().replace('_', '-'), code.title(), status(code), detail, instance,
                code.code(), requestId, List.copyOf(errors));
    }

    public static int status(ErrorCode code) {
        return switch (code.kind()) {
            case USER_ERROR -> 400;
            case UNAUTHENTICATED -> 401;
            case FORBIDDEN -> 403;
            case NOT_FOUND -> 404;
            case METHOD_NOT_ALLOWED -> 405;
            case CONFLICT -> 409;
            case PRECONDITION_FAILED -> 412;
            case PAYLOAD_TOO_LARGE -> 413;
            case UNSUPPORTED_MEDIA_TYPE -> 415;
            case UNPROCESSABLE -> 422;
            case RANGE_NOT_SATISFIABLE -> 416;
            case TOO_MANY_REQUESTS -> 429;
            case INSUFFICIENT_STORAGE -> 507;
            case UNAVAILABLE -> 503;
            case INTERNAL -> 500;
        };
    }
}
