package dev.incubator.replica;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.incubator.eval.Method;
import dev.incubator.eval.Model;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Any OpenAI-compatible endpoint (the platform's gateway, a vLLM server, an API model) as the harness's model, through
 * the legacy completions route: log-likelihoods from prompt log-probabilities ({@code echo}, {@code max_tokens: 0},
 * {@code logprobs: 0}) with the context and each joint text in one request, the continuation being the joint text's
 * tokens after the context's; generation greedy ({@code temperature: 0}). What the endpoint can do is probed once:
 * without prompt log-probabilities only {@code generate} is offered, so a run never scores chance.
 */
public final class OpenAiModel implements Model {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final URI completions;
    private final String key;
    private final String model;
    private final Set<Method> supports;
    private final int contextLength;

    private OpenAiModel(URI base, String key, String model) throws IOException {
        this.completions = URI.create(base.toString().replaceAll("/+$", "") + "/completions");
        this.key = key;
        this.model = model;
        this.contextLength = contextLength(URI.create(base.toString().replaceAll("/+$", "") + "/models"));
        this.supports = probe();
    }

    /** {@code base}: the API root ending in /v1, e.g. http://127.0.0.1:8080/v1. */
    public static OpenAiModel connect(URI base, String key, String model) throws IOException {
        return new OpenAiModel(base, key, model);
    }

    @Override
    public Set<Method> supports() {
        return supports;
    }

    @Override
    public String engine() {
        return "OpenAI-compatible endpoint " + completions.getHost() + " model " + model;
    }

    @Override
    public List<Scored> loglikelihood(String context, List<String> continuations) {
        ObjectNode body = body(0);
        var prompts = body.putArray("prompt");
        prompts.add(context);
        continuations.forEach(continuation -> prompts.add(context + continuation));
        body.put("echo", true);
        body.put("logprobs", 0);
        JsonNode choices = post(body).path("choices");
        if (choices.size() != continuations.size() + 1) {
            throw new IllegalStateException("the endpoint answered " + choices.size() + " choices for "
                    + (continuations.size() + 1) + " prompts");
        }
        int contextTokens = byIndex(choices, 0).path("logprobs").path("token_logprobs").size();
        List<Scored> out = new ArrayList<>();
        for (int i = 0; i < continuations.size(); i++) {
            JsonNode logprobs = byIndex(choices, i + 1).path("logprobs").path("token_logprobs");
            int length = Math.min(Math.max(1, logprobs.size() - contextTokens), logprobs.size() - 1);
            out.add(Scored.lastTokens(t -> logprobs.get(t).asDouble(), logprobs.size(), length));
        }
        return out;
    }

    @Override
    /**
     * Greedy generation; a prompt longer than the endpoint's context is cut on the left (its last characters kept,
     * a quarter less each time the endpoint answers context_length_exceeded), as the built-in engine keeps the last
     * tokens.
     */
    public String generate(String prompt, int maxTokens, List<String> stop) {
        String sent = prompt;
        for (int attempt = 0; ; attempt++) {
            ObjectNode body = body(maxTokens);
            body.put("prompt", sent);
            body.put("temperature", 0);
            if (!stop.isEmpty()) {
                var stops = body.putArray("stop");
                stop.stream().limit(4).forEach(stops::add); // OpenAI allows four
            }
            try {
                return post(body).path("choices").path(0).path("text").asText();
            } catch (IllegalStateException e) {
                String message = e.getMessage() == null ? "" : e.getMessage();
                boolean tooLong = message.contains("context_length_exceeded") || message.contains(" answered 400")
                        && message.contains("exceed") && message.contains("context");
                if (attempt >= 12 || sent.length() < 8 || !tooLong) {
                    throw e;
                }
                sent = sent.substring(sent.length() / 4);
            }
        }
    }

    /** The model's context length where the endpoint tells it (max_model_len, as vLLM and the platform do). */
    public int contextLength() {
        return contextLength;
    }

    private Set<Method> probe() {
        Set<Method> methods = EnumSet.of(Method.GENERATE);
        ObjectNode body = body(0);
        body.put("prompt", "probe: 1 2 3");
        body.put("echo", true);
        body.put("logprobs", 0);
        try {
            JsonNode logprobs = post(body).path("choices").path(0).path("logprobs").path("token_logprobs");
            if (logprobs.isArray() && logprobs.size() >= 2 && logprobs.get(logprobs.size() - 1).isNumber()) {
                methods.add(Method.LOGLIKELIHOOD);
                methods.add(Method.LETTER);
            }
        } catch (IllegalStateException e) {
            // no prompt log-probabilities: generation only
        }
        return Set.copyOf(methods);
    }

    private int contextLength(URI models) throws IOException {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(models).header("Authorization",
                    "Bearer " + key).timeout(Duration.ofSeconds(130)).GET().build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (response.statusCode() != 200) {
                throw new IOException(models + " answered " + response.statusCode() + ": " + response.body());
            }
            for (JsonNode entry : JSON.readTree(response.body()).path("data")) {
                if (entry.path("id").asText().equals(model)) {
                    return entry.path("max_model_len").asInt(0);
                }
            }
            throw new IOException(models + " does not list the model '" + model + "'");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private ObjectNode body(int maxTokens) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        body.put("max_tokens", maxTokens);
        return body;
    }

    private static JsonNode byIndex(JsonNode choices, int index) {
        for (JsonNode choice : choices) {
            if (choice.path("index").asInt(-1) == index) {
                return choice;
            }
        }
        return choices.path(index);
    }

    /** A completion; a 502, 503 or 504 (a replica restarting, a cold start) is tried again, up to 4 times. */
    private JsonNode post(ObjectNode body) {
        try {
            HttpResponse<String> response = null;
            for (int attempt = 0; attempt < 5; attempt++) {
                if (attempt > 0) {
                    Thread.sleep(500L << attempt);
                }
                response = http.send(HttpRequest.newBuilder(completions)
                        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(300))
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (response.statusCode() < 502 || response.statusCode() > 504) {
                    break;
                }
            }
            if (response.statusCode() != 200) {
                throw new IllegalStateException(completions + " answered " + response.statusCode() + ": "
                        + response.body().substring(0, Math.min(500, response.body().length())));
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException("could not call " + completions + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
