package dev.incubator.server.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import io.javalin.http.Context;

/**
 * Errors on the OpenAI-compatible gateway ({@code /v1/...}) in OpenAI's shape, so that every client library shows
 * them: {@code {"error": {"message", "type", "param", "code"}}}, beside the platform's problem-details fields (its
 * {@code code}, {@code type} as a URI reference and {@code request_id}), which OpenAI clients ignore.
 */
public final class OpenAiErrors {
    /** The tag of the gateway's routes; set as a request attribute when one of them handles a request. */
    public static final String TAG = "openai";
    /** A request attribute overriding the OpenAI {@code error.code} (e.g. insufficient_quota for a spent budget). */
    public static final String CODE = "incubator.openai-code";
    /** A request attribute naming the request field at fault ({@code error.param}), e.g. model. */
    public static final String PARAM = "incubator.openai-param";

    private OpenAiErrors() {
    }

    static boolean applies(Context context) {
        // The gateway's paths; /v1/xorbs and the other Xet CAS paths keep their own shape.
        String path = context.path();
        return Boolean.TRUE.equals(context.attribute(TAG)) || path.startsWith("/v1/chat/")
                || path.startsWith("/v1/completions") || path.startsWith("/v1/embeddings")
                || path.startsWith("/v1/models");
    }

    static String render(Context context, ObjectMapper json, Problems.Problem problem, IncubatorException e) {
        ObjectNode body = json.valueToTree(problem);
        ObjectNode error = body.putObject("error");
        error.put("message", problem.detail());
        error.put("type", type(e.code()));
        String param = context.attribute(PARAM);
        if (param == null && !e.fieldErrors().isEmpty()) {
            param = e.fieldErrors().get(0).field();
        }
        if (param == null) {
            error.putNull("param");
        } else {
            error.put("param", param);
        }
        String code = context.attribute(CODE);
        error.put("code", code != null ? code : code(e.code()));
        try {
            return json.writeValueAsString(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException failure) {
            throw new IllegalStateException(failure);
        }
    }

    private static String type(ErrorCode code) {
        return switch (code) {
            case UNAUTHENTICATED, TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_REVOKED, ACCOUNT_DISABLED -> "authentication_error";
            case FORBIDDEN, INSUFFICIENT_SCOPE -> "permission_error";
            case RATE_LIMITED -> "rate_limit_error";
            case UNAVAILABLE, INTERNAL, DATA_CORRUPT -> "server_error";
            default -> "invalid_request_error";
        };
    }

    private static String code(ErrorCode code) {
        return switch (code) {
            case UNAUTHENTICATED, TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_REVOKED, ACCOUNT_DISABLED -> "invalid_api_key";
            case NOT_FOUND -> "model_not_found";
            case ROUTE_NOT_FOUND -> "unknown_url";
            case RATE_LIMITED -> "rate_limit_exceeded";
            case UNAVAILABLE -> "service_unavailable";
            case PAYLOAD_TOO_LARGE -> "request_too_large";
            default -> code.code().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
