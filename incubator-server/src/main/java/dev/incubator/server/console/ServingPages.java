package dev.incubator.server.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.common.IncubatorException;
import dev.incubator.server.api.Raw;
import dev.incubator.server.api.Streamed;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Serving in the console: each organisation's deployments with their replicas, a form to deploy a hub model, a
 * deployment's page with its replicas and usage, and a chat playground that streams the answer from the gateway's
 * own chat-completions operation (so the same access decision, quotas, content labels and request records as for an
 * OpenAI client). Publishing a finished run's model to the hub starts here too, from the run's page.
 */
final class ServingPages {
    static final int MAX_MESSAGES = 50;
    static final int MAX_CHAT_CHARS = 32 * 1024;

    private final ConsoleApi api;
    private final ObjectMapper json = dev.incubator.server.api.Json.mapper();

    ServingPages(ConsoleApi api) {
        this.api = api;
    }

    /** Every organisation's deployments, and the form to deploy a model. */
    void list(Console.View view) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String org : view.organisations()) {
            List<Map<String, Object>> items;
            try {
                items = ConsoleApi.items(api.get(view, "listDeployments", Map.of("org", org), Map.of("limit", "50")));
            } catch (IncubatorException e) {
                continue; // the role does not show deployments
            }
            for (Map<String, Object> deployment : items) {
                Map<String, Object> row = new LinkedHashMap<>(deployment);
                row.put("url", "/console/orgs/" + org + "/deployments/" + deployment.get("name"));
                row.put("short_revision", shortRevision(deployment.get("revision")));
                rows.add(row);
            }
        }
        view.model().put("deployments", rows);
        view.model().put("no_deployments", rows.isEmpty());
        List<String> orgs = List.copyOf(view.organisations());
        String model = Optional.ofNullable(view.context().queryParam("model")).orElse("");
        view.model().put("orgs", orgs.stream().map(name -> Map.of("name", name, "selected", model.startsWith(
                "models/" + name + "/"))).toList());
        view.model().put("model_value", model);
        view.model().put("name_value", model.isEmpty() ? "" : model.substring(model.lastIndexOf('/') + 1));
        view.model().put("has_orgs", !orgs.isEmpty());
    }

    /** Deploys a hub model from the form; the deployment's page. */
    String create(Console.View view) {
        Context ctx = view.context();
        String org = text(ctx, "org");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", text(ctx, "name"));
        body.put("model", text(ctx, "model"));
        if (!text(ctx, "replicas").isEmpty()) {
            body.put("replicas", text(ctx, "replicas"));
        }
        if (!text(ctx, "access").isEmpty()) {
            body.put("access", text(ctx, "access"));
        }
        Map<String, Object> created = api.send(view, "createDeployment", Map.of("org", org), body);
        return "/console/orgs/" + created.get("organisation") + "/deployments/" + created.get("name");
    }

    /** A deployment: its facts, replicas, this month's usage, and the playground. */
    void deployment(Console.View view) {
        Context ctx = view.context();
        Map<String, String> path = Map.of("org", ctx.pathParam("org"), "name", ctx.pathParam("name"));
        Map<String, Object> deployment = api.get(view, "getDeployment", path, Map.of());
        view.model().put("deployment", deployment);
        view.model().put("short_revision", shortRevision(deployment.get("revision")));
        view.model().put("no_replicas", ((List<?>) deployment.getOrDefault("replicas", List.of())).isEmpty());
        Map<String, Object> usage = api.get(view, "getDeploymentUsage", path, Map.of());
        view.model().put("usage", usage);
        view.model().put("chat_url", "/console/orgs/" + path.get("org") + "/deployments/" + path.get("name")
                + "/chat");
    }

    /**
     * One turn of the playground: the conversation so far (JSON, from the page's script) sent to the gateway with
     * {@code stream: true}; the gateway's server-sent events are written through as they come. A refusal answers
     * JSON {@code {"error": {"message": ...}}} with its status.
     */
    void chat(Console.View view) throws IOException {
        Context ctx = view.context();
        Map<String, Object> body = new LinkedHashMap<>();
        try {
            Map<String, Object> deployment = api.get(view, "getDeployment", Map.of("org", ctx.pathParam("org"),
                    "name", ctx.pathParam("name")), Map.of());
            body.put("model", deployment.get("model"));
            body.put("messages", messages(text(ctx, "messages"), view));
            body.put("stream", true);
            String maxTokens = text(ctx, "max_tokens");
            body.put("max_tokens", maxTokens.isEmpty() ? 64 : Integer.parseInt(maxTokens));
            Object answer = api.invoke(view, "createChatCompletion", Map.of(), body);
            if (answer instanceof Streamed streamed) {
                streamed.write(ctx);
            } else if (answer instanceof Raw raw) {
                ctx.status(raw.status()).contentType(raw.contentType()).result(raw.body());
            } else {
                throw new IllegalStateException("the gateway answered " + answer);
            }
        } catch (NumberFormatException e) {
            refuse(ctx, 400, "max_tokens: " + view.messages().get("form.not_whole_number"));
        } catch (IncubatorException e) {
            ctx.attribute(dev.incubator.server.api.HttpApi.PROBLEM_SENT, true);
            refuse(ctx, dev.incubator.server.api.Problems.status(e.code()), e.code() == dev.incubator.common
                    .ErrorCode.NOT_FOUND ? view.messages().get("error.404.detail") : e.getMessage());
        }
    }

    private List<Map<String, String>> messages(String text, Console.View view) {
        if (text.isEmpty() || text.length() > MAX_CHAT_CHARS) {
            throw IncubatorException.validation("messages", view.messages().get("playground.bad_messages"));
        }
        List<Map<String, String>> messages = new ArrayList<>();
        try {
            JsonNode node = json.readTree(text);
            if (!node.isArray() || node.isEmpty() || node.size() > MAX_MESSAGES) {
                throw IncubatorException.validation("messages", view.messages().get("playground.bad_messages"));
            }
            for (JsonNode message : node) {
                String role = message.path("role").asText("");
                if (!List.of("system", "user", "assistant").contains(role) || !message.path("content").isTextual()) {
                    throw IncubatorException.validation("messages", view.messages().get("playground.bad_messages"));
                }
                messages.add(Map.of("role", role, "content", message.path("content").asText()));
            }
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw IncubatorException.validation("messages", view.messages().get("playground.bad_messages"));
        }
        return messages;
    }

    private void refuse(Context ctx, int status, String message) {
        ctx.status(status).contentType("application/json").result(json.createObjectNode().set("error",
                json.createObjectNode().put("message", message)).toString());
    }

    /** Publishes a succeeded run's model to the hub; the repository's page. */
    String publish(Console.View view) {
        Context ctx = view.context();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("to", text(ctx, "to"));
        if (!text(ctx, "visibility").isEmpty()) {
            body.put("visibility", text(ctx, "visibility"));
        }
        if (!text(ctx, "license").isEmpty()) {
            body.put("license", text(ctx, "license"));
        }
        Map<String, Object> published = api.send(view, "publishJobModel", Map.of("job", ctx.pathParam("job")),
                body);
        return "/console/hub/" + published.get("repository");
    }

    private static String shortRevision(Object revision) {
        String text = String.valueOf(revision);
        return text.length() > 12 ? text.substring(0, 12) : text;
    }

    private static String text(Context ctx, String name) {
        return Optional.ofNullable(ctx.formParam(name)).map(String::strip).orElse("");
    }
}
