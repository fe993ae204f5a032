package dev.incubator.replica;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.incubator.engine.Completion;
import dev.incubator.engine.LlamaModel;
import dev.incubator.engine.Sampling;
import dev.incubator.engine.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * OpenAI's /v1 routes over the built-in engine, for the gateway alone: every request must carry the bearer the
 * platform gave this replica. {@code parallel} completions run at once, at most {@code queue} more wait, and anything
 * beyond answers 503 with Retry-After (the gateway then tries another replica). Answers carry {@code usage} always,
 * and streams end with a usage chunk, so the gateway can count tokens exactly; it strips what the client did not ask
 * for.
 */
public final class ReplicaServer implements AutoCloseable {
    /** The largest request body read (a long prompt as token ids is well below). */
    static final int MAX_BODY_BYTES = 4 * 1024 * 1024;
    private static final int MAX_STOPS = 4;
    private static final int MAX_TOP_LOGPROBS = 20;
    private static final int MAX_PROMPTS = 64;

    public record Settings(Path modelDir, String modelName, String host, int port, String bearer, int parallel,
                           int queue) {
    }

    private final Settings settings;
    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final ChatFormat chat;
    private final HttpServer http;
    private final ThreadPoolExecutor workers;
    private final ObjectMapper json = new ObjectMapper();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Duration loadTime;

    private ReplicaServer(Settings settings, LlamaModel model, Tokenizer tokenizer, ChatFormat chat, HttpServer http,
                          ThreadPoolExecutor workers, Duration loadTime) {
        this.settings = settings;
        this.model = model;
        this.tokenizer = tokenizer;
        this.chat = chat;
        this.http = http;
        this.workers = workers;
        this.loadTime = loadTime;
    }

    public static ReplicaServer start(Settings settings) throws IOException {
        Instant began = Instant.now();
        LlamaModel model = LlamaModel.load(settings.modelDir());
        ObjectMapper json = new ObjectMapper();
        Tokenizer tokenizer = Tokenizer.of(json.readTree(settings.modelDir().resolve("tokenizer.json").toFile()));
        Path tokenizerConfig = settings.modelDir().resolve("tokenizer_config.json");
        ChatFormat chat = ChatFormat.of(Files.isRegularFile(tokenizerConfig) ? json.readTree(tokenizerConfig.toFile())
                : json.createObjectNode());
        ThreadPoolExecutor workers = new ThreadPoolExecutor(settings.parallel(), settings.parallel(), 0,
                TimeUnit.SECONDS, new ArrayBlockingQueue<>(Math.max(1, settings.queue())), runnable -> {
                    Thread thread = new Thread(runnable, "replica-engine");
                    thread.setDaemon(true);
                    return thread;
                });
        HttpServer http = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 64);
        ReplicaServer server = new ReplicaServer(settings, model, tokenizer, chat, http, workers,
                Duration.between(began, Instant.now()));
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.createContext("/", server::handle);
        http.start();
        return server;
    }

    public int port() {
        return http.getAddress().getPort();
    }

    public Duration loadTime() {
        return loadTime;
    }

    public LlamaModel model() {
        return model;
    }

    /** Stops taking requests (health answers 503 "draining"), lets those in flight finish within {@code grace}. */
    public void drain(Duration grace) {
        draining.set(true);
        long deadline = System.nanoTime() + grace.toNanos();
        while ((inFlight.get() > 0 || workers.getActiveCount() > 0) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        http.stop(0);
        workers.shutdownNow();
    }

    // ------------------------------------------------------------------------------------------------ routing

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            try {
                if (!authorised(exchange)) {
                    throw new OpenAiError(401, "invalid_request_error", null, "invalid_api_key",
                            "this replica answers only the platform's gateway");
                }
                String path = exchange.getRequestURI().getPath();
                String method = exchange.getRequestMethod();
                switch (path) {
                    case "/health" -> health(exchange);
                    case "/v1/models" -> {
                        requireMethod(method, "GET");
                        models(exchange);
                    }
                    case "/v1/completions" -> {
                        requireMethod(method, "POST");
                        admitted(exchange, body -> completions(exchange, body));
                    }
                    case "/v1/chat/completions" -> {
                        requireMethod(method, "POST");
                        admitted(exchange, body -> chatCompletions(exchange, body));
                    }
                    case "/v1/embeddings" -> {
                        requireMethod(method, "POST");
                        admitted(exchange, body -> embeddings(exchange, body));
                    }
                    default -> throw new OpenAiError(404, "invalid_request_error", null, "unknown_url",
                            "no route " + method + " " + path);
                }
            } catch (OpenAiError e) {
                error(exchange, e);
            } catch (UncheckedIOException e) {
                // the caller went away mid-answer: nothing more to say to it
            }
        }
    }

    private boolean authorised(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        String expected = "Bearer " + settings.bearer();
        return header != null && MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8));
    }

    private static void requireMethod(String method, String expected) {
        if (!method.equals(expected)) {
            throw new OpenAiError(405, "invalid_request_error", null, "method_not_allowed", method
                    + " is not allowed here; use " + expected);
        }
    }

    @FunctionalInterface
    private interface Work {
        void run(JsonNode body) throws IOException;
    }

    /** Reads the body, then runs the work on an engine thread if one is free or a queue place is; else 503. */
    private void admitted(HttpExchange exchange, Work work) throws IOException {
        if (draining.get()) {
            exchange.getResponseHeaders().set("Retry-After", "1");
            throw new OpenAiError(503, "server_error", null, "draining", "this replica is draining; retry");
        }
        JsonNode body = readBody(exchange);
        inFlight.incrementAndGet();
        try {
            Future<?> done;
            try {
                done = workers.submit(() -> {
                    try {
                        work.run(body);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return null;
                });
            } catch (RejectedExecutionException e) {
                exchange.getResponseHeaders().set("Retry-After", "1");
                throw new OpenAiError(503, "server_error", null, "overloaded", "this replica has "
                        + settings.parallel() + " completion(s) running and " + settings.queue() + " waiting; retry");
            }
            try {
                done.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                done.cancel(true);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof OpenAiError error) {
                    throw error;
                }
                if (e.getCause() instanceof UncheckedIOException io) {
                    throw io;
                }
                if (e.getCause() instanceof IllegalArgumentException invalid) {
                    throw new OpenAiError(400, "invalid_request_error", null, "invalid_value", invalid.getMessage());
                }
                throw new OpenAiError(500, "server_error", null, "engine_failed", "the engine failed: "
                        + e.getCause());
            }
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private JsonNode readBody(HttpExchange exchange) throws IOException {
        byte[] bytes;
        try (InputStream in = exchange.getRequestBody()) {
            bytes = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (bytes.length > MAX_BODY_BYTES) {
            throw new OpenAiError(413, "invalid_request_error", null, "request_too_large", "the body is larger than "
                    + MAX_BODY_BYTES + " bytes");
        }
        try {
            JsonNode body = json.readTree(bytes);
            if (body == null || !body.isObject()) {
                throw new OpenAiError(400, "invalid_request_error", null, "invalid_json", "the body must be a JSON"
                        + " object");
            }
            return body;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new OpenAiError(400, "invalid_request_error", null, "invalid_json", "the body is not JSON: "
                    + e.getOriginalMessage());
        }
    }

    // ------------------------------------------------------------------------------------------------ routes

    private void health(HttpExchange exchange) throws IOException {
        ObjectNode body = json.createObjectNode();
        body.put("status", draining.get() ? "draining" : "ok");
        body.put("model", settings.modelName());
        body.put("in_flight", inFlight.get());
        body.put("queued", workers.getQueue().size());
        body.put("parallel", settings.parallel());
        body.put("kernels", LlamaModel.kernels());
        body.put("load_seconds", loadTime.toMillis() / 1000.0);
        send(exchange, draining.get() ? 503 : 200, body);
    }

    private void models(HttpExchange exchange) throws IOException {
        ObjectNode body = json.createObjectNode();
        body.put("object", "list");
        ObjectNode entry = body.putArray("data").addObject();
        entry.put("id", settings.modelName());
        entry.put("object", "model");
        entry.put("created", Instant.now().getEpochSecond());
        entry.put("owned_by", "incubator");
        entry.put("max_model_len", model.config().maxPositions());
        send(exchange, 200, body);
    }

    private void completions(HttpExchange exchange, JsonNode body) throws IOException {
        List<int[]> prompts = prompts(body.get("prompt"), "prompt");
        int maxTokens = integer(body, "max_tokens", 16, 0, model.config().maxPositions());
        boolean echo = body.path("echo").asBoolean(false);
        OptionalInt logprobs = body.hasNonNull("logprobs") ? OptionalInt.of(integer(body, "logprobs", 0, 0,
                MAX_TOP_LOGPROBS)) : OptionalInt.empty();
        Sampling sampling = sampling(body);
        List<String> stops = stops(body);
        boolean stream = body.path("stream").asBoolean(false);
        if (stream && (logprobs.isPresent() || prompts.size() > 1)) {
            throw OpenAiError.invalid("stream", "streaming is for one prompt without logprobs; ask without stream");
        }
        requireOne(body);
        String id = "cmpl-" + HexFormat.of().formatHex(randomBytes());
        long created = Instant.now().getEpochSecond();
        if (stream) {
            Sse sse = Sse.open(exchange);
            Generation.Outcome outcome = Generation.run(model, tokenizer, prompts.get(0), new Generation.Params(
                    maxTokens, sampling, echo, OptionalInt.empty(), stops, eos()), delta -> sse.send(json,
                    completionChunk(id, created, delta, null)));
            sse.send(json, completionChunk(id, created, "", outcome.finishReason()));
            ObjectNode usage = completionChunk(id, created, null, null);
            usage.set("choices", json.createArrayNode());
            usage.set("usage", usage(outcome.promptTokens(), outcome.completionTokens()));
            sse.send(json, usage);
            sse.done();
            return;
        }
        ObjectNode answer = json.createObjectNode();
        answer.put("id", id);
        answer.put("object", "text_completion");
        answer.put("created", created);
        answer.put("model", settings.modelName());
        ArrayNode choices = answer.putArray("choices");
        int promptTokens = 0;
        int completionTokens = 0;
        for (int i = 0; i < prompts.size(); i++) {
            int[] prompt = prompts.get(i);
            Generation.Outcome outcome = Generation.run(model, tokenizer, prompt, new Generation.Params(maxTokens,
                    sampling, echo, logprobs, stops, eos()), delta -> { });
            promptTokens += outcome.promptTokens();
            completionTokens += outcome.completionTokens();
            ObjectNode choice = choices.addObject();
            choice.put("index", i);
            choice.put("text", (echo ? tokenizer.decode(prompt) : "") + outcome.text());
            if (logprobs.isPresent()) {
                choice.set("logprobs", legacyLogprobs(outcome.result(), echo));
            } else {
                choice.putNull("logprobs");
            }
            choice.put("finish_reason", outcome.finishReason());
        }
        answer.set("usage", usage(promptTokens, completionTokens));
        send(exchange, 200, answer);
    }

    private ObjectNode completionChunk(String id, long created, String text, String finish) {
        ObjectNode chunk = json.createObjectNode();
        chunk.put("id", id);
        chunk.put("object", "text_completion");
        chunk.put("created", created);
        chunk.put("model", settings.modelName());
        if (text != null) {
            ObjectNode choice = chunk.putArray("choices").addObject();
            choice.put("index", 0);
            choice.put("text", text);
            choice.putNull("logprobs");
            if (finish == null) {
                choice.putNull("finish_reason");
            } else {
                choice.put("finish_reason", finish);
            }
        }
        return chunk;
    }

    /** The legacy completions logprobs: tokens, token_logprobs (null for the first prompt token), top, offsets. */
    private ObjectNode legacyLogprobs(Completion.Result result, boolean echo) {
        ObjectNode out = json.createObjectNode();
        ArrayNode tokens = out.putArray("tokens");
        ArrayNode logprobs = out.putArray("token_logprobs");
        ArrayNode top = out.putArray("top_logprobs");
        ArrayNode offsets = out.putArray("text_offset");
        List<Completion.Scored> scored = new ArrayList<>(echo ? result.prompt() : List.of());
        scored.addAll(result.generatedScores());
        int offset = 0;
        for (Completion.Scored token : scored) {
            String text = tokenText(token.token());
            tokens.add(text);
            offsets.add(offset);
            offset += text.length();
            if (token.logprob().isPresent()) {
                logprobs.add(token.logprob().get());
                ObjectNode alternatives = top.addObject();
                for (Completion.Alternative alternative : token.top()) {
                    alternatives.put(tokenText(alternative.token()), alternative.logprob());
                }
            } else {
                logprobs.addNull();
                top.addNull();
            }
        }
        return out;
    }

    private void chatCompletions(HttpExchange exchange, JsonNode body) throws IOException {
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw OpenAiError.invalid("messages", "must be a non-empty array of {\"role\", \"content\"}");
        }
        List<ChatFormat.Message> parsed = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            parsed.add(ChatFormat.Message.of(messages.get(i), "messages[" + i + "]"));
        }
        int[] prompt = tokenizer.encode(chat.render(parsed));
        int limit = model.config().maxPositions() - prompt.length;
        if (limit < 0) {
            throw new OpenAiError(400, "invalid_request_error", "messages", "context_length_exceeded", "the"
                    + " messages are " + prompt.length + " tokens; this model's context is "
                    + model.config().maxPositions());
        }
        int defaultTokens = Math.min(limit, 256);
        int maxTokens = body.hasNonNull("max_completion_tokens")
                ? integer(body, "max_completion_tokens", defaultTokens, 0, limit)
                : integer(body, "max_tokens", defaultTokens, 0, limit);
        boolean logprobs = body.path("logprobs").asBoolean(false);
        OptionalInt top = logprobs ? OptionalInt.of(integer(body, "top_logprobs", 0, 0, MAX_TOP_LOGPROBS))
                : OptionalInt.empty();
        Sampling sampling = sampling(body);
        List<String> stops = new ArrayList<>(stops(body));
        chat.stop().ifPresent(stops::add);
        boolean stream = body.path("stream").asBoolean(false);
        if (stream && logprobs) {
            throw OpenAiError.invalid("stream", "streaming with logprobs is not offered; ask without stream");
        }
        requireOne(body);
        String id = "chatcmpl-" + HexFormat.of().formatHex(randomBytes());
        long created = Instant.now().getEpochSecond();
        if (stream) {
            Sse sse = Sse.open(exchange);
            ObjectNode first = chatChunk(id, created);
            ObjectNode firstChoice = first.withArray("choices").addObject();
            firstChoice.put("index", 0);
            firstChoice.putObject("delta").put("role", "assistant").put("content", "");
            firstChoice.putNull("finish_reason");
            sse.send(json, first);
            Generation.Outcome outcome = Generation.run(model, tokenizer, prompt, new Generation.Params(maxTokens,
                    sampling, false, OptionalInt.empty(), stops, eos()), delta -> {
                        ObjectNode chunk = chatChunk(id, created);
                        ObjectNode choice = chunk.withArray("choices").addObject();
                        choice.put("index", 0);
                        choice.putObject("delta").put("content", delta);
                        choice.putNull("finish_reason");
                        sse.send(json, chunk);
                    });
            ObjectNode last = chatChunk(id, created);
            ObjectNode lastChoice = last.withArray("choices").addObject();
            lastChoice.put("index", 0);
            lastChoice.putObject("delta");
            lastChoice.put("finish_reason", outcome.finishReason());
            sse.send(json, last);
            ObjectNode usage = chatChunk(id, created);
            usage.withArray("choices");
            usage.set("usage", usage(outcome.promptTokens(), outcome.completionTokens()));
            sse.send(json, usage);
            sse.done();
            return;
        }
        Generation.Outcome outcome = Generation.run(model, tokenizer, prompt, new Generation.Params(maxTokens,
                sampling, false, top, stops, eos()), delta -> { });
        ObjectNode answer = json.createObjectNode();
        answer.put("id", id);
        answer.put("object", "chat.completion");
        answer.put("created", created);
        answer.put("model", settings.modelName());
        ObjectNode choice = answer.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", outcome.text());
        if (logprobs) {
            ArrayNode content = choice.putObject("logprobs").putArray("content");
            for (Completion.Scored token : outcome.result().generatedScores()) {
                ObjectNode entry = content.addObject();
                entry.put("token", tokenText(token.token()));
                entry.put("logprob", token.logprob().orElse(0.0));
                entry.set("bytes", bytes(token.token()));
                ArrayNode alternatives = entry.putArray("top_logprobs");
                for (Completion.Alternative alternative : token.top()) {
                    alternatives.addObject().put("token", tokenText(alternative.token()))
                            .put("logprob", alternative.logprob()).set("bytes", bytes(alternative.token()));
                }
            }
        } else {
            choice.putNull("logprobs");
        }
        choice.put("finish_reason", outcome.finishReason());
        answer.set("usage", usage(outcome.promptTokens(), outcome.completionTokens()));
        send(exchange, 200, answer);
    }

    private ObjectNode chatChunk(String id, long created) {
        ObjectNode chunk = json.createObjectNode();
        chunk.put("id", id);
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", created);
        chunk.put("model", settings.modelName());
        chunk.putArray("choices");
        return chunk;
    }

    /** Embeddings: the mean over positions of the final-normed hidden state, L2-normalised. */
    private void embeddings(HttpExchange exchange, JsonNode body) throws IOException {
        List<int[]> inputs = prompts(body.get("input"), "input");
        String format = body.path("encoding_format").asText("float");
        if (!format.equals("float") && !format.equals("base64")) {
            throw OpenAiError.invalid("encoding_format", "must be float or base64");
        }
        if (body.hasNonNull("dimensions")) {
            throw OpenAiError.invalid("dimensions", "this model's embeddings have " + model.config().hiddenSize()
                    + " dimensions and can not be shortened");
        }
        ObjectNode answer = json.createObjectNode();
        answer.put("object", "list");
        ArrayNode data = answer.putArray("data");
        int tokens = 0;
        for (int i = 0; i < inputs.size(); i++) {
            int[] input = inputs.get(i);
            if (input.length > model.config().maxPositions()) {
                throw new OpenAiError(400, "invalid_request_error", "input", "context_length_exceeded", "input " + i
                        + " is " + input.length + " tokens; this model's context is " + model.config().maxPositions());
            }
            tokens += input.length;
            var session = model.session(input.length);
            float[] sum = new float[model.config().hiddenSize()];
            for (int token : input) {
                session.advance(token);
                float[] hidden = session.hidden();
                for (int d = 0; d < sum.length; d++) {
                    sum[d] += hidden[d];
                }
            }
            double norm = 0;
            for (float value : sum) {
                norm += (double) value * value;
            }
            double scale = norm == 0 ? 0 : 1 / Math.sqrt(norm);
            ObjectNode entry = data.addObject();
            entry.put("object", "embedding");
            entry.put("index", i);
            if (format.equals("float")) {
                ArrayNode vector = entry.putArray("embedding");
                for (float value : sum) {
                    vector.add((float) (value * scale));
                }
            } else {
                java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(sum.length * 4)
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (float value : sum) {
                    buffer.putFloat((float) (value * scale));
                }
                entry.put("embedding", Base64.getEncoder().encodeToString(buffer.array()));
            }
        }
        answer.put("model", settings.modelName());
        answer.set("usage", json.createObjectNode().put("prompt_tokens", tokens).put("total_tokens", tokens));
        send(exchange, 200, answer);
    }

    // ------------------------------------------------------------------------------------------------ parsing

    /** A prompt or input: a string, an array of strings, an array of token ids, or an array of such arrays. */
    private List<int[]> prompts(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            throw OpenAiError.invalid(field, "is required: a string, an array of strings or of token ids");
        }
        List<int[]> prompts = new ArrayList<>();
        if (node.isTextual()) {
            prompts.add(text(node.asText(), field));
        } else if (node.isArray() && !node.isEmpty() && node.get(0).isIntegralNumber()) {
            prompts.add(ids(node, field));
        } else if (node.isArray() && !node.isEmpty()) {
            if (node.size() > MAX_PROMPTS) {
                throw OpenAiError.invalid(field, "at most " + MAX_PROMPTS + " at once");
            }
            for (int i = 0; i < node.size(); i++) {
                JsonNode item = node.get(i);
                if (item.isTextual()) {
                    prompts.add(text(item.asText(), field + "[" + i + "]"));
                } else if (item.isArray() && !item.isEmpty()) {
                    prompts.add(ids(item, field + "[" + i + "]"));
                } else {
                    throw OpenAiError.invalid(field + "[" + i + "]", "must be a string or an array of token ids");
                }
            }
        } else {
            throw OpenAiError.invalid(field, "must be a string, an array of strings or of token ids, not empty");
        }
        return prompts;
    }

    private int[] text(String text, String field) {
        int[] ids = tokenizer.encode(text);
        if (ids.length == 0) {
            throw OpenAiError.invalid(field, "is empty; give at least one character");
        }
        return ids;
    }

    private int[] ids(JsonNode array, String field) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = array.get(i);
            if (!id.canConvertToInt() || id.asInt() < 0 || id.asInt() >= model.config().vocabSize()) {
                throw OpenAiError.invalid(field, "token " + id + " at " + i + " is not an id of this model's"
                        + " vocabulary (0-" + (model.config().vocabSize() - 1) + ")");
            }
            ids[i] = id.asInt();
        }
        return ids;
    }

    private static int integer(JsonNode body, String field, int fallback, int min, int max) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < min || node.asInt() > max) {
            throw OpenAiError.invalid(field, "must be a whole number from " + min + " to " + max + ", not " + node);
        }
        return node.asInt();
    }

    private static double number(JsonNode body, String field, double fallback, double min, double max) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isNumber() || node.asDouble() < min || node.asDouble() > max) {
            throw OpenAiError.invalid(field, "must be a number from " + min + " to " + max + ", not " + node);
        }
        return node.asDouble();
    }

    private static Sampling sampling(JsonNode body) {
        double temperature = number(body, "temperature", 1.0, 0, 2);
        double topP = number(body, "top_p", 1.0, 0, 1);
        if (topP == 0) {
            throw OpenAiError.invalid("top_p", "must be above 0");
        }
        long seed = body.hasNonNull("seed") ? body.get("seed").asLong() : new java.security.SecureRandom().nextLong();
        if (body.hasNonNull("seed") && !body.get("seed").isIntegralNumber()) {
            throw OpenAiError.invalid("seed", "must be a whole number");
        }
        return temperature == 0 ? Sampling.greedy() : new Sampling(temperature, topP, seed);
    }

    private static List<String> stops(JsonNode body) {
        JsonNode node = body.get("stop");
        if (node == null || node.isNull()) {
            return List.of();
        }
        List<String> stops = new ArrayList<>();
        if (node.isTextual()) {
            stops.add(node.asText());
        } else if (node.isArray() && node.size() <= MAX_STOPS) {
            node.forEach(item -> {
                if (!item.isTextual()) {
                    throw OpenAiError.invalid("stop", "must be a string or an array of up to " + MAX_STOPS
                            + " strings");
                }
                stops.add(item.asText());
            });
        } else {
            throw OpenAiError.invalid("stop", "must be a string or an array of up to " + MAX_STOPS + " strings");
        }
        if (stops.stream().anyMatch(String::isEmpty)) {
            throw OpenAiError.invalid("stop", "a stop sequence can not be empty");
        }
        return stops;
    }

    private static void requireOne(JsonNode body) {
        if (body.hasNonNull("n") && body.get("n").asInt(-1) != 1) {
            throw OpenAiError.invalid("n", "only 1 choice per prompt is offered; send the request again for more");
        }
        if (body.hasNonNull("best_of") && body.get("best_of").asInt(-1) != 1) {
            throw OpenAiError.invalid("best_of", "only 1 is offered");
        }
    }

    private OptionalInt eos() {
        int eos = model.config().eosTokenId();
        return eos >= 0 && eos < model.config().vocabSize() ? OptionalInt.of(eos) : OptionalInt.empty();
    }

    private String tokenText(int token) {
        return new String(tokenizer.bytes(new int[] {token}), StandardCharsets.UTF_8);
    }

    private ArrayNode bytes(int token) {
        ArrayNode out = json.createArrayNode();
        for (byte b : tokenizer.bytes(new int[] {token})) {
            out.add(b & 0xFF);
        }
        return out;
    }

    private ObjectNode usage(int prompt, int completion) {
        return json.createObjectNode().put("prompt_tokens", prompt).put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[12];
        new java.security.SecureRandom().nextBytes(bytes);
        return bytes;
    }

    // ------------------------------------------------------------------------------------------------ answers

    private void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private void error(HttpExchange exchange, OpenAiError e) throws IOException {
        ObjectNode body = json.createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("message", e.getMessage());
        error.put("type", e.type());
        if (e.param() == null) {
            error.putNull("param");
        } else {
            error.put("param", e.param());
        }
        error.put("code", e.code());
        try {
            send(exchange, e.status(), body);
        } catch (IOException ignored) {
            // a stream already begun can not turn into an error answer
        }
    }

    /** Server-sent events: {@code data: {json}} lines, flushed one by one, ended by {@code data: [DONE]}. */
    private static final class Sse {
        private final OutputStream out;

        private Sse(OutputStream out) {
            this.out = out;
        }

        static Sse open(HttpExchange exchange) throws IOException {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            exchange.sendResponseHeaders(200, 0);
            return new Sse(exchange.getResponseBody());
        }

        void send(ObjectMapper json, JsonNode event) throws IOException {
            out.write(("data: " + json.writeValueAsString(event) + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        void done() throws IOException {
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            out.close();
        }
    }
}
