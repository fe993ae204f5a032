package dev.incubator.server.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.access.AccessDenied;
import dev.incubator.common.access.Action;
import dev.incubator.common.access.Resource;
import io.javalin.http.Context;

/**
 * Errors on the Hugging Face routes in the Hub's own shape, so that the official clients show the reason: the
 * {@code X-Error-Code} header they branch on (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo), the
 * {@code X-Error-Message} header and an {@code error} field in a JSON body, beside the problem-details fields.
 */
final class HfErrors {
    /** The tag of the Hugging Face routes; set as a request attribute when one of them handles a request. */
    static final String TAG = "huggingface";
    /** What the Hub answers for a bad token; the Python client tells it apart from a missing repository by it. */
    static final String INVALID_CREDENTIALS = "Invalid credentials in Authorization header";

    private HfErrors() {
    }

    /** A request to a Hugging Face route (or to a path under /api/ outside the native API that matched none). */
    static boolean applies(Context context) {
        if (Boolean.TRUE.equals(context.attribute(TAG))) {
            return true;
        }
        String path = context.path();
        return path.startsWith("/api/") && !path.startsWith(TenancyRoutes.PREFIX + "/") && !path.equals("/api/v1");
    }

    /**
     * Runs {@code work}; a NOT_FOUND it throws carries {@code code} in {@code X-Error-Code} (RepoNotFound,
     * RevisionNotFound, EntryNotFound), unless a more specific step already set one.
     */
    static <T> T notFoundAs(Call call, String code, java.util.function.Supplier<T> work) {
        try {
            return work.get();
        } catch (IncubatorException e) {
            if (e.code() == ErrorCode.NOT_FOUND && call.context().res().getHeader("X-Error-Code") == null) {
                call.context().header("X-Error-Code", code);
            }
            throw e;
        }
    }

    static String render(Context context, ObjectMapper json, Problems.Problem problem, IncubatorException e) {
        String code = context.res().getHeader("X-Error-Code");
        if (code == null) {
            code = errorCode(e);
            if (code != null) {
                context.header("X-Error-Code", code);
            }
        }
        boolean badToken = e.code() == ErrorCode.TOKEN_INVALID || e.code() == ErrorCode.TOKEN_EXPIRED
                || e.code() == ErrorCode.TOKEN_REVOKED;
        context.header("X-Error-Message", badToken ? INVALID_CREDENTIALS : headerSafe(problem.detail()));
        ObjectNode body = json.valueToTree(problem);
        body.put("error", problem.detail());
        try {
            return json.writeValueAsString(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException failure) {
            throw new IllegalStateException(failure);
        }
    }

    private static String errorCode(IncubatorException e) {
        if (e.code() == ErrorCode.NOT_FOUND) {
            return "RepoNotFound";
        }
        if (e instanceof AccessDenied denied && denied.action() == Action.REPO_READ
                && denied.resource() instanceof Resource.Repository repo
                && repo.exposure() == Resource.Exposure.GATED && e.code() == ErrorCode.FORBIDDEN) {
            return "GatedRepo";
        }
        return null;
    }

    /** Header values are one line of ISO-8859-1: anything else is replaced (the body keeps the full text). */
    private static String headerSafe(String text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), 1000));
        for (int i = 0; i < text.length() && out.length() < 1000; i++) {
            char c = text.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : ' ');
        }
        return out.toString().trim();
    }
}
