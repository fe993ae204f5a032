package dev.incubator.server.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.access.AccessControl;
import dev.incubator.common.access.Action;
import dev.incubator.common.access.Subject;
import dev.incubator.compute.ComputeService;
import dev.incubator.compute.Job;
import dev.incubator.server.api.ApiRoute;
import dev.incubator.server.api.Call;
import dev.incubator.server.api.OpenAiErrors;
import dev.incubator.server.api.Raw;
import dev.incubator.server.api.Streamed;
import dev.incubator.server.api.Subjects;
import dev.incubator.serving.ContentLabel;
import dev.incubator.serving.Deployment;
import dev.incubator.serving.Quotas;
import dev.incubator.serving.ServingService;
import dev.incubator.serving.UsageRecord;
import dev.incubator.tenancy.Organisation;
import io.javalin.http.Context;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The OpenAI-compatible gateway: {@code /v1/models}, {@code /v1/completions}, {@code /v1/chat/completions} and
 * {@code /v1/embeddings} with Incubator tokens as the API keys. Each call is decided by the policy engine (a
 * deployment the caller may not use answers exactly like one that does not exist), counted against the key's
 * per-minute limits and the calling organisation's monthly budget, routed to the ready replica with the fewest
 * requests in flight (another on failure; a deployment scaled to zero starts one and the call waits for it), labelled
 * as generated content (GB 45438-2025) and recorded with its tokens.
 */
public final class GatewayRoutes {
    private static final int MAX_ATTEMPTS = 3;
    private static final int MAX_ANSWER_BYTES = 32 * 1024 * 1024;
    private static final int MAX_LOGGED_CHARS = 16 * 1024;
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(10);

    private final ServingService serving;
    private final AccessControl access;
    private final ComputeService compute;
    private final ReplicaClient replicas;
    private final Quotas quotas;
    private final Function<String, Optional<Organisation>> organisationByName;
    private final ObjectMapper json;
    private final Clock clock;
    private final Duration coldStartWait;
    private final String platformId;

    GatewayRoutes(ServingService serving, AccessControl access, ComputeService compute, ReplicaClient replicas,
                  Function<String, Optional<Organisation>> organisationByName, ObjectMapper json, Clock clock,
                  Duration coldStartWait, String platformId) {
        this.serving = serving;
        this.access = access;
        this.compute = compute;
        this.replicas = replicas;
        this.quotas = new Quotas(clock);
        this.organisationByName = organisationByName;
        this.json = json;
        this.clock = clock;
        this.coldStartWait = coldStartWait;
        this.platformId = platformId;
    }

    public record ModelView(String id, String object, long created, String ownedBy) {
    }

    public record ModelList(String object, List<ModelView> data) {
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.get("/v1/models", "listModels").tag(OpenAiErrors.TAG)
                        .summary("The models (deployments) this key may call, as OpenAI lists them")
                        .returns(ModelList.class)
                        .handle(this::models),
                ApiRoute.post("/v1/completions", "createCompletion").tag(OpenAiErrors.TAG)
                        .summary("OpenAI completions: echo, logprobs with top alternatives, token-id prompts,"
                                + " max_tokens 0 for prompt log-probabilities, stop, seed, SSE streaming")
                        .notIdempotent().handle(call -> forward(call, "/v1/completions")),
                ApiRoute.post("/v1/chat/completions", "createChatCompletion").tag(OpenAiErrors.TAG)
                        .summary("OpenAI chat completions with the model's chat template; SSE streaming with"
                                + " stream_options.include_usage").notIdempotent()
                        .handle(call -> forward(call, "/v1/chat/completions")),
                ApiRoute.post("/v1/embeddings", "createEmbedding").tag(OpenAiErrors.TAG)
                        .summary("OpenAI embeddings: the built-in engine's mean-pooled last hidden states")
                        .notIdempotent().handle(call -> forward(call, "/v1/embeddings")));
    }

    // ------------------------------------------------------------------------------------------- models

    private ModelList models(Call call) {
        Subject subject = subject(call);
        List<ModelView> models = new ArrayList<>();
        for (Deployment deployment : serving.store().read(r -> r.active())) {
            if (deployment.state() == Deployment.State.ACTIVE && access.decide(subject, Action.DEPLOYMENT_CALL,
                    DeploymentRoutes.resource(deployment)).allowed()) {
                models.add(new ModelView(deployment.modelId(), "model", deployment.createdAt().getEpochSecond(),
                        deployment.orgName()));
            }
        }
        models.sort(java.util.Comparator.comparing(ModelView::id));
        return new ModelList("list", models);
    }

    /** Who calls: a job acts for its own organisation only, whatever else its submitter belongs to. */
    private Subject subject(Call call) {
        call.principal();
        Subject subject = Subjects.of(call);
        Optional<String> job = subject.job();
        if (job.isPresent()) {
            String orgId = compute.find(job.get()).map(Job::orgId).orElse("-");
            return subject.onlyIn(orgId);
        }
        return subject;
    }

    // ------------------------------------------------------------------------------------------- calls

    private Object forward(Call call, String route) {
        Instant started = clock.instant();
        long startedNanos = System.nanoTime();
        Subject subject = subject(call);
        ObjectNode request = requestBody(call);
        call.context().attribute(OpenAiErrors.PARAM, "model");
        Deployment deployment = deployment(request.path("model").asText());
        access.check(subject, Action.DEPLOYMENT_CALL, DeploymentRoutes.resource(deployment));
        call.context().attribute(OpenAiErrors.PARAM, null);
        String callerOrg = callerOrganisation(subject, deployment);
        String tokenId = call.principal().token().id().value();

        boolean stream = request.path("stream").asBoolean(false) && !route.equals("/v1/embeddings");
        boolean clientWantsUsage = request.path("stream_options").path("include_usage").asBoolean(false);
        if (stream) {
            request.putObject("stream_options").put("include_usage", true); // the gateway always counts
        }
        byte[] forwarded = bytes(request);
        Caller caller = new Caller(deployment, route, tokenId, call.principal().actor(), callerOrg, started,
                startedNanos, deployment.logContent() ? Optional.of(truncate(new String(forwarded,
                StandardCharsets.UTF_8))) : Optional.empty(), call.requestMeta().requestId());
        try {
            admit(call.context(), deployment, tokenId, callerOrg);
        } catch (IncubatorException refused) {
            caller.record(serving, 429, 0, 0, Optional.empty(), Optional.empty(), Optional.empty());
            throw refused;
        }

        Set<String> tried = new HashSet<>();
        IncubatorException last = null;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            ServingService.Lease lease;
            try {
                lease = serving.lease(deployment, tried, coldStartWait);
            } catch (IncubatorException e) {
                caller.record(serving, 503, 0, 0, Optional.empty(), Optional.empty(), Optional.empty());
                throw last != null ? last : e;
            }
            tried.add(lease.replica().jobId());
            HttpResponse<InputStream> response;
            try {
                response = replicas.post(lease.replica(), route, forwarded, REQUEST_TIMEOUT);
            } catch (IOException e) {
                lease.failed("request failed: " + e.getMessage());
                lease.close();
                last = new IncubatorException(ErrorCode.UNAVAILABLE, "replica " + lease.replica().jobId()
                        + " of '" + deployment.modelId() + "' did not answer (" + e.getMessage() + ")");
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                lease.close();
                throw new IncubatorException(ErrorCode.UNAVAILABLE, "interrupted");
            }
            if (response.statusCode() == 503) {
                close(response);
                lease.close(); // busy: its queue is full; try another
                last = new IncubatorException(ErrorCode.UNAVAILABLE, "every replica of '" + deployment.modelId()
                        + "' is busy; retry shortly");
                call.context().header("Retry-After", "1");
                continue;
            }
            if (stream && response.statusCode() == 200) {
                return streamed(lease, response, caller, clientWantsUsage);
            }
            try (lease) {
                return answered(call.context(), lease, response, caller);
            }
        }
        caller.record(serving, 503, 0, 0, Optional.empty(), Optional.empty(), Optional.empty());
        throw last;
    }

    private ObjectNode requestBody(Call call) {
        if (!call.contentType().startsWith("application/json")) {
            throw new IncubatorException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "send the request as JSON with"
                    + " 'Content-Type: application/json'");
        }
        JsonNode node;
        try {
            node = json.readTree(call.rawBody());
        } catch (IOException e) {
            throw new IncubatorException(ErrorCode.MALFORMED_REQUEST, "the body is not valid JSON: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
        if (node == null || !node.isObject()) {
            throw IncubatorException.validation("(body)", "must be a JSON object with 'model' and the request's"
                    + " fields");
        }
        if (!node.path("model").isTextual() || node.path("model").asText().isBlank()) {
            call.context().attribute(OpenAiErrors.PARAM, "model");
            throw IncubatorException.validation("model", "is required: the deployment to call as ORG/NAME (GET"
                    + " /v1/models lists those this key may use)");
        }
        return (ObjectNode) node;
    }

    private Deployment deployment(String model) {
        IncubatorException missing = new IncubatorException(ErrorCode.NOT_FOUND, "the model '" + model
                + "' does not exist or you do not have access to it; GET /v1/models lists those this key may use");
        int slash = model.indexOf('/');
        if (slash <= 0 || slash != model.lastIndexOf('/')) {
            throw missing;
        }
        Optional<Organisation> org = organisationByName.apply(model.substring(0, slash));
        if (org.isEmpty()) {
            throw missing;
        }
        return serving.find(org.get().id().value(), model.substring(slash + 1)).orElseThrow(() -> missing);
    }

    /** The organisation a call counts against: the deployment's own, else the caller's that it is shared with. */
    private static String callerOrganisation(Subject subject, Deployment deployment) {
        if (subject.roleIn(deployment.orgId()).isPresent()) {
            return deployment.orgId();
        }
        Optional<String> shared = deployment.sharedWith().stream().filter(id -> subject.roleIn(id).isPresent())
                .sorted().findFirst();
        if (shared.isPresent()) {
            return shared.get();
        }
        return subject.memberships().keySet().stream().sorted().findFirst()
                .orElse("user:" + subject.userId().orElse("-"));
    }

    private void admit(Context context, Deployment deployment, String tokenId, String callerOrg) {
        Optional<Quotas.Refusal> refused = quotas.admit(quotaKey(deployment.id(), tokenId), deployment.limits());
        if (refused.isPresent()) {
            context.header("Retry-After", Long.toString(refused.get().retryAfterSeconds()));
            throw new IncubatorException(ErrorCode.RATE_LIMITED, refused.get().message() + " for '"
                    + deployment.modelId() + "'; retry in " + refused.get().retryAfterSeconds() + " s");
        }
        long budget = deployment.limits().monthlyTokensPerOrganisation();
        if (budget > 0) {
            Instant month = Quotas.monthStart(clock.instant());
            long used = serving.store().read(r -> r.tokensUsed(deployment.id(), callerOrg, month));
            if (used >= budget) {
                Instant next = month.atZone(java.time.ZoneOffset.UTC).plusMonths(1).toInstant();
                context.header("Retry-After", Long.toString(Math.max(1, Duration.between(clock.instant(), next)
                        .toSeconds())));
                context.attribute(OpenAiErrors.CODE, "insufficient_quota");
                throw new IncubatorException(ErrorCode.RATE_LIMITED, "your organisation used its " + budget
                        + " tokens of '" + deployment.modelId() + "' this month (" + used + "); the budget"
                        + " renews on " + next.toString().substring(0, 10) + ", or ask its owners to raise it");
            }
        }
    }

    // ------------------------------------------------------------------------------------------- answers

    private Object answered(Context context, ServingService.Lease lease, HttpResponse<InputStream> response,
                            Caller caller) {
        byte[] body;
        try (InputStream in = response.body()) {
            body = in.readNBytes(MAX_ANSWER_BYTES + 1);
        } catch (IOException e) {
            lease.failed("answer cut short: " + e.getMessage());
            caller.record(serving, 502, 0, 0, Optional.of(lease.replica().jobId()), Optional.empty(),
                    Optional.empty());
            throw new IncubatorException(ErrorCode.UNAVAILABLE, "the replica's answer was cut short; retry");
        }
        if (body.length > MAX_ANSWER_BYTES) {
            throw new IncubatorException(ErrorCode.UNAVAILABLE, "the replica's answer exceeds "
                    + MAX_ANSWER_BYTES / (1024 * 1024) + " MiB");
        }
        JsonNode answer;
        try {
            answer = json.readTree(body);
        } catch (IOException e) {
            answer = null;
        }
        int status = response.statusCode();
        if (answer == null || !answer.isObject()) {
            caller.record(serving, 502, 0, 0, Optional.of(lease.replica().jobId()), Optional.empty(),
                    Optional.empty());
            throw new IncubatorException(ErrorCode.UNAVAILABLE, "the replica answered " + status + " without JSON");
        }
        ObjectNode object = (ObjectNode) answer;
        int prompt = object.path("usage").path("prompt_tokens").asInt(0);
        int completion = object.path("usage").path("completion_tokens").asInt(0);
        if (status != 200) {
            caller.record(serving, status, prompt, completion, Optional.of(lease.replica().jobId()),
                    Optional.empty(), Optional.empty());
            return new Raw(status, "application/json", new String(body, StandardCharsets.UTF_8));
        }
        String produceId = object.path("id").asText(caller.requestId);
        Map<String, String> label = ContentLabel.implicit(ContentLabel.producer(platformId, caller.deployment),
                produceId, Optional.empty(), Optional.empty());
        String explicit = ContentLabel.appended(caller.deployment);
        StringBuilder text = new StringBuilder();
        for (JsonNode choice : object.path("choices")) {
            ObjectNode c = (ObjectNode) choice;
            if (c.has("text")) {
                c.put("text", c.path("text").asText() + explicit);
                text.append(c.path("text").asText());
            } else if (c.path("message").isObject()) {
                ObjectNode message = (ObjectNode) c.path("message");
                message.put("content", message.path("content").asText() + explicit);
                text.append(message.path("content").asText());
            }
        }
        object.set("aigc", json.valueToTree(label));
        context.header("AIGC", headerValue(label));
        caller.record(serving, 200, prompt, completion, Optional.of(lease.replica().jobId()), Optional.of(produceId),
                Optional.of(text.toString()));
        quotas.charge(caller.quotaKey(), prompt + completion);
        return new Raw(200, "application/json", new String(bytes(object), StandardCharsets.UTF_8));
    }

    private Streamed streamed(ServingService.Lease lease, HttpResponse<InputStream> response, Caller caller,
                              boolean clientWantsUsage) {
        return context -> {
            int prompt = 0;
            int completion = 0;
            int status = 200;
            String produceId = caller.requestId;
            StringBuilder text = new StringBuilder();
            boolean first = true;
            String explicit = ContentLabel.appended(caller.deployment);
            context.status(200);
            context.contentType("text/event-stream; charset=utf-8");
            context.header("Cache-Control", "no-cache");
            context.header("X-Accel-Buffering", "no");
            Map<String, String> headerLabel = ContentLabel.implicit(ContentLabel.producer(platformId,
                    caller.deployment), caller.requestId, Optional.empty(), Optional.empty());
            context.header("AIGC", headerValue(headerLabel));
            OutputStream out = context.res().getOutputStream();
            try (lease; BufferedReader in = new BufferedReader(new InputStreamReader(response.body(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (!line.startsWith("data: ")) {
                        continue;
                    }
                    String data = line.substring(6);
                    if (data.equals("[DONE]")) {
                        if (!explicit.isEmpty()) {
                            ObjectNode chunk = json.createObjectNode();
                            chunk.put("id", produceId);
                            chunk.put("object", caller.route.equals("/v1/completions") ? "text_completion"
                                    : "chat.completion.chunk");
                            chunk.put("model", caller.deployment.modelId());
                            ObjectNode choice = chunk.putArray("choices").addObject();
                            choice.put("index", 0);
                            if (caller.route.equals("/v1/completions")) {
                                choice.put("text", explicit);
                            } else {
                                choice.putObject("delta").put("content", explicit);
                            }
                            choice.putNull("finish_reason");
                            text.append(explicit);
                            event(out, bytes(chunk));
                        }
                        event(out, "[DONE]".getBytes(StandardCharsets.UTF_8));
                        continue;
                    }
                    if (!first && !caller.deployment.logContent() && !data.contains("\"usage\"")
                            && !data.contains("\"error\"")) {
                        event(out, data.getBytes(StandardCharsets.UTF_8)); // a plain delta: passed on as it came
                        continue;
                    }
                    JsonNode chunk = json.readTree(data);
                    if (chunk.has("error")) {
                        status = 500;
                        event(out, data.getBytes(StandardCharsets.UTF_8));
                        continue;
                    }
                    if (chunk.path("usage").isObject() && !chunk.path("usage").isEmpty()) {
                        prompt = chunk.path("usage").path("prompt_tokens").asInt(prompt);
                        completion = chunk.path("usage").path("completion_tokens").asInt(completion);
                        if (!clientWantsUsage && chunk.path("choices").isEmpty()) {
                            continue; // the client did not ask for it
                        }
                        if (!clientWantsUsage) {
                            ((ObjectNode) chunk).remove("usage");
                        }
                    }
                    for (JsonNode choice : chunk.path("choices")) {
                        text.append(choice.path("text").asText(""));
                        text.append(choice.path("delta").path("content").asText(""));
                    }
                    if (first && chunk.isObject()) {
                        first = false;
                        produceId = chunk.path("id").asText(produceId);
                        ((ObjectNode) chunk).set("aigc", json.valueToTree(ContentLabel.implicit(
                                ContentLabel.producer(platformId, caller.deployment), produceId, Optional.empty(),
                                Optional.empty())));
                    }
                    event(out, bytes(chunk));
                }
            } catch (IOException e) {
                status = 499; // the client went away, or the replica did
                lease.failed("stream cut short: " + e.getMessage());
            } finally {
                caller.record(serving, status, prompt, completion, Optional.of(lease.replica().jobId()),
                        Optional.of(produceId), Optional.of(text.toString()));
                quotas.charge(caller.quotaKey(), prompt + completion);
            }
        };
    }

    private static void event(OutputStream out, byte[] data) throws IOException {
        out.write("data: ".getBytes(StandardCharsets.UTF_8));
        out.write(data);
        out.write("\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private String headerValue(Map<String, String> label) {
        // Header values are ASCII: non-ASCII characters are escaped as JSON does.
        StringBuilder ascii = new StringBuilder();
        for (char c : new String(bytes(json.valueToTree(label)), StandardCharsets.UTF_8).toCharArray()) {
            if (c < 0x20 || c > 0x7e) {
                ascii.append(String.format("\\u%04x", (int) c));
            } else {
                ascii.append(c);
            }
        }
        return ascii.toString();
    }

    private byte[] bytes(JsonNode node) {
        try {
            return json.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void close(HttpResponse<InputStream> response) {
        try {
            response.body().close();
        } catch (IOException e) {
            // nothing to keep
        }
    }

    /** The key's minute windows are per deployment: one deployment's limits never spend another's. */
    private static String quotaKey(String deploymentId, String tokenId) {
        return deploymentId + "|" + tokenId;
    }

    private static String truncate(String text) {
        return text.length() <= MAX_LOGGED_CHARS ? text : text.substring(0, MAX_LOGGED_CHARS) + "…";
    }

    /** One call as recorded. */
    private static final class Caller {
        private static final ObjectMapper QUOTER = new ObjectMapper();

        final Deployment deployment;
        final String route;
        final String tokenId;
        final String actor;
        final String callerOrg;
        final Instant at;
        final long startedNanos;
        final Optional<String> requestContent;
        final String requestId;

        Caller(Deployment deployment, String route, String tokenId, String actor, String callerOrg, Instant at,
               long startedNanos, Optional<String> requestContent, String requestId) {
            this.deployment = deployment;
            this.route = route;
            this.tokenId = tokenId;
            this.actor = actor;
            this.callerOrg = callerOrg;
            this.at = at;
            this.startedNanos = startedNanos;
            this.requestContent = requestContent;
            this.requestId = requestId;
        }

        String quotaKey() {
            return GatewayRoutes.quotaKey(deployment.id(), tokenId);
        }

        void record(ServingService serving, int status, int prompt, int completion, Optional<String> replica,
                    Optional<String> produceId, Optional<String> answer) {
            Optional<String> content = requestContent.map(request -> "{\"request\": " + request + ", \"answer\": "
                    + quote(truncate(answer.orElse(""))) + "}");
            serving.record(new UsageRecord(0, at, deployment.id(), deployment.orgId(), deployment.modelId(),
                    deployment.revision(), route, tokenId, actor, callerOrg, prompt, completion,
                    (System.nanoTime() - startedNanos) / 1_000_000, status, replica, produceId.orElse(requestId),
                    content));
        }

        private static String quote(String text) {
            try {
                return QUOTER.writeValueAsString(text);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

}
