package dev.incubator.replica;

/**
 * A request the replica refuses, in OpenAI's error shape: {@code {"error": {"message", "type", "param", "code"}}}.
 * {@code type} is invalid_request_error for the caller's mistakes, server_error when the replica can not serve.
 */
public final class OpenAiError extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;

    public OpenAiError(int status, String type, String param, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** A field of the request that is wrong: 400 with the field as {@code param}. */
    public static OpenAiError invalid(String param, String message) {
        return new OpenAiError(400, "invalid_request_error", param, "invalid_value", param + ": " + message);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }
}
