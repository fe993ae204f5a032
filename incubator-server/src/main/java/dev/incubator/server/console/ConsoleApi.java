package dev.incubator.server.console;

import static java.util.Objects.requireNonNull;

import dev.incubator.server.api.HttpApi;
import java.util.List;
import java.util.Map;

/**
 * The API as the console's pages call it: an operation by its id, run in process by its own route handler for the
 * signed-in user (the same validation, policy decisions, rate limits and audit as over HTTP), its view returned in
 * the plain maps and lists of its JSON form, which the templates render.
 */
final class ConsoleApi {
    private final HttpApi api;

    ConsoleApi(HttpApi api) {
        this.api = requireNonNull(api, "api is null");
    }

    /** A read: the operation's view as a map. */
    Map<String, Object> get(Console.View view, String operation, Map<String, String> path, Map<String, String> query) {
        return map(api.invoke(operation, view.context(), view.caller().principal(), path, query, null));
    }

    /** A change with a JSON body (maps, lists, text and numbers); the operation's view as a map (empty for none). */
    Map<String, Object> send(Console.View view, String operation, Map<String, String> path, Object body) {
        Object result = api.invoke(operation, view.context(), view.caller().principal(), path, Map.of(), body);
        return result == null ? Map.of() : map(result);
    }

    /** An operation's own result (a view, or a streamed or raw answer), for pages that pass it through. */
    Object invoke(Console.View view, String operation, Map<String, String> path, Object body) {
        return api.invoke(operation, view.context(), view.caller().principal(), path, Map.of(), body);
    }

    /** The items of a page view. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> items(Map<String, Object> page) {
        Object items = page.get("items");
        return items instanceof List<?> list ? (List<Map<String, Object>>) list : List.of();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> map(Object view) {
        Object plain = api.plain(view);
        if (!(plain instanceof Map<?, ?>)) {
            throw new IllegalStateException("the view is not an object: " + view);
        }
        return (Map<String, Object>) plain;
    }
}
