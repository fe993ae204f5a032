package dev.incubator.server.api;

import static java.util.Objects.requireNonNull;

import io.javalin.http.HandlerType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One API operation, declared once: the server registers it from here and the OpenAPI document describes it
 * from here.
 */
public record ApiRoute(HandlerType method, String path, String operationId, String tag, String summary,
                       boolean authenticated, Optional<BodySpec> body, Optional<Class<?>> response, boolean paged,
                       int successStatus, boolean idempotent, boolean conditional, List<QueryParam> query,
                       Handler handler) {

    /** Handles a call and returns the response view (or null for 204). */
    @FunctionalInterface
    public interface Handler {
        Object handle(Call call) throws Exception;
    }

    public record QueryParam(String name, String description) {
    }

    public ApiRoute {
        requireNonNull(method, "method is null");
        requireNonNull(path, "path is null");
        requireNonNull(operationId, "operationId is null");
        requireNonNull(handler, "handler is null");
        query = List.copyOf(query);
    }

    public static Builder get(String path, String operationId) {
        return new Builder(HandlerType.GET, path, operationId);
    }

    public static Builder post(String path, String operationId) {
        return new Builder(HandlerType.POST, path, operationId).status(201).idempotent();
    }

    public static Builder patch(String path, String operationId) {
        return new Builder(HandlerType.PATCH, path, operationId).conditional();
    }

    public static Builder put(String path, String operationId) {
        return new Builder(HandlerType.PUT, path, operationId);
    }

    public static Builder head(String path, String operationId) {
        return new Builder(HandlerType.HEAD, path, operationId);
    }

    public static Builder delete(String path, String operationId) {
        return new Builder(HandlerType.DELETE, path, operationId);
    }

    public boolean mutating() {
        return method != HandlerType.GET && method != HandlerType.HEAD && method != HandlerType.OPTIONS;
    }

    public static final class Builder {
        private final HandlerType method;
        private final String path;
        private final String operationId;
        private String tag = "platform";
        private String summary = "";
        private boolean authenticated = true;
        private BodySpec body;
        private Class<?> response;
        private boolean paged;
        private int status = 200;
        private boolean idempotent;
        private boolean conditional;
        private final List<QueryParam> query = new ArrayList<>();

        private Builder(HandlerType method, String path, String operationId) {
            this.method = method;
            this.path = path;
            this.operationId = operationId;
        }

        public Builder tag(String value) {
            this.tag = value;
            return this;
        }

        public Builder summary(String value) {
            this.summary = value;
            return this;
        }

        public Builder publicAccess() {
            this.authenticated = false;
            return this;
        }

        public Builder body(BodySpec value) {
            this.body = value;
            return this;
        }

        public Builder returns(Class<?> value) {
            this.response = value;
            return this;
        }

        /** A cursor-paginated list of {@code itemType}; adds the limit and cursor parameters. */
        public Builder pageOf(Class<?> itemType) {
            this.response = itemType;
            this.paged = true;
            query.add(new QueryParam("limit", "Page size, 1-500 (default 50)"));
            query.add(new QueryParam("cursor", "The next_cursor of the previous page"));
            return this;
        }

        public Builder query(String name, String description) {
            query.add(new QueryParam(name, description));
            return this;
        }

        public Builder status(int value) {
            this.status = value;
            return this;
        }

        public Builder idempotent() {
            this.idempotent = true;
            return this;
        }

        /** Creates whose response holds a secret are not replayable: the secret must never be stored. */
        public Builder notIdempotent() {
            this.idempotent = false;
            return this;
        }

        public Builder conditional() {
            this.conditional = true;
            return this;
        }

        public ApiRoute handle(Handler handler) {
            return new ApiRoute(method, path, operationId, tag, summary, authenticated, Optional.ofNullable(body),
                    Optional.ofNullable(response), paged, status, idempotent, conditional, query, handler);
        }
    }
}
