package dev.incubator.common;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** The one unchecked exception of the platform: a categorised {@link ErrorCode} and a human message. */
public class IncubatorException extends RuntimeException {
    private final ErrorCode code;
    private final List<FieldError> fieldErrors;

    public IncubatorException(ErrorCode code, String message) {
        this(code, message, List.of(), null);
    }

    public IncubatorException(ErrorCode code, String message, Throwable cause) {
        this(code, message, List.of(), cause);
    }

    public IncubatorException(ErrorCode code, String message, List<FieldError> fieldErrors, Throwable cause) {
        super(message, cause);
        this.code = requireNonNull(code, "code is null");
        this.fieldErrors = List.copyOf(fieldErrors);
    }

    public ErrorCode code() {
        return code;
    }

    public List<FieldError> fieldErrors() {
        return fieldErrors;
    }

    public static IncubatorException notFound(String what, String name) {
        return new IncubatorException(ErrorCode.NOT_FOUND, what + " '" + name + "' not found");
    }

    public static IncubatorException validation(String field, String message) {
        return new IncubatorException(ErrorCode.VALIDATION_FAILED, field + ": " + message,
                List.of(new FieldError(field, message)), null);
    }
}
