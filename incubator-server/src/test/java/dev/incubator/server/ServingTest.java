package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Serving end to end on the local executor: a model pretrained by the toolkit's template is deployed; its replica
 * is a job of the organisation that registers its endpoint; the official OpenAI JavaScript client lists it, scores a
 * prompt (log-probabilities equal to PyTorch's for the same checkpoint), completes, chats streamed and embeds; another
 * organisation's key finds nothing until the deployment is shared; limits answer 429 in OpenAI's shape; tokens reach
 * the usage report exactly and the replica's GPU time the grant's ledger; idle, it scales to zero and a call brings
 * it back, with the cold start measured.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ROOT = ClientScripts.projectRoot();
    private static final String PROMPT = "三加四等于七。Three plus four is seven.";
    private static final String PYTHON = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3"
            : "python3";

    private TestServer server;
    private String ada;
    private String bob;
    @TempDir
    Path scratch;

    @BeforeAll
    void start(@TempDir Path dataDir) throws IOException {
        server = TestServer.start(dataDir);
        server.createOrg("lab");
        server.createOrg("rival");
        server.createUser("ada");
        server.createUser("bob");
        server.addMember("lab", "ada", "admin");
        server.addMember("rival", "bob", "member");
        server.awardGrant("lab", Map.of("any", 1000));
        ada = server.tokenFor("ada", "read", "write");
        bob = server.tokenFor("bob", "read", "write");
        TestModels.pretrainAndPublish(server, ada, "lab", "models/lab/tiny-zh");
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    @Order(1)
    void aDeploymentIsCheckedBeforeAnythingRuns() {
        JsonNode missing = server.post("/api/v1/orgs/lab/deployments").token(ada).json(Map.of("name", "x",
                "model", "models/lab/no-such-model")).expect(404);
        assertThat(missing.path("detail").asText()).contains("no-such-model");
        JsonNode replicas = server.post("/api/v1/orgs/lab/deployments").token(ada).json(Map.of("name", "x",
                "model", "models/lab/tiny-zh", "replicas", "3..1")).expect(400);
        assertThat(replicas.path("detail").asText()).contains("0 <= MIN <= MAX");
        JsonNode dataset = server.post("/api/v1/orgs/lab/deployments").token(ada).json(Map.of("name", "x",
                "model", "datasets/lab/corpus")).expect(400);
        assertThat(dataset.path("errors").toString()).contains("models/NAMESPACE/NAME");
        server.post("/api/v1/orgs/lab/deployments").token(bob).json(Map.of("name", "x", "model",
                "models/lab/tiny-zh")).expect(404);
    }

    @Test
    @Order(2)
    void theOpenAiClientCallsADeployedModelAndItsLogProbabilitiesAreTorchs() throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", "tiny-chat");
        body.put("model", "models/lab/tiny-zh");
        body.put("replicas", "0..1");
        body.put("gpus", 0.25);
        body.put("idle_seconds", 15);
        body.put("log_content", true);
        JsonNode created = server.post("/api/v1/orgs/lab/deployments").token(ada).json(body).expect(201);
        assertThat(created.path("model").asText()).isEqualTo("lab/tiny-chat");
        assertThat(created.path("revision").asText()).hasSize(40);
        assertThat(created.path("replicas")).as("0..1: nothing runs before it is called").isEmpty();
        JsonNode calls = node("calls.mjs", ada, "lab/tiny-chat", PROMPT); // the first call starts a replica
        assertThat(calls.path("models").toString()).contains("lab/tiny-chat");
        JsonNode replica = server.get("/api/v1/orgs/lab/deployments/tiny-chat").token(ada).expect(200)
                .path("replicas").get(0);
        assertThat(replica.path("state").asText()).isEqualTo("ready");
        assertThat(replica.path("cold_start_seconds").asDouble()).as("the cold start, measured").isPositive();
        String replicaJob = replica.path("job").asText();
        JsonNode job = server.get("/api/v1/jobs/" + replicaJob).token(ada).expect(200);
        assertThat(job.path("organisation").asText()).as("the replica is a job of the organisation").isEqualTo("lab");

        // Prompt log-probabilities (max_tokens 0, echo): PyTorch's for the same checkpoint, token by token.
        JsonNode echo = calls.path("echo");
        assertThat(echo.path("text").asText()).isEqualTo(PROMPT);
        JsonNode torch = torchLogprobs(PROMPT);
        JsonNode expected = torch.get(0).path("logprobs");
        assertThat(echo.path("token_logprobs").size()).isEqualTo(expected.size());
        assertThat(echo.path("token_logprobs").get(0).isNull()).isTrue();
        for (int i = 1; i < expected.size(); i++) {
            assertThat(echo.path("token_logprobs").get(i).asDouble()).as("token %d", i)
                    .isCloseTo(expected.get(i).asDouble(), within(1e-4));
        }
        assertThat(echo.path("usage").path("prompt_tokens").asInt()).isEqualTo(expected.size());
        assertThat(echo.path("usage").path("completion_tokens").asInt()).isZero();
        assertThat(echo.path("aigc").path("Label").asText()).as("GB 45438-2025 implicit label").isEqualTo("1");
        assertThat(echo.path("aigc").path("ContentProducer").asText()).contains("lab/tiny-chat");

        assertThat(calls.path("completion").path("usage").path("completion_tokens").asInt()).isEqualTo(6);
        JsonNode chat = calls.path("chat");
        assertThat(chat.path("chunks").asInt()).as("streamed").isGreaterThan(2);
        assertThat(chat.path("usage").path("completion_tokens").asInt()).isBetween(1, 8);
        assertThat(calls.path("embeddings").path("count").asInt()).isEqualTo(2);
        assertThat(calls.path("embeddings").path("dimensions").asInt()).isEqualTo(64);
        assertThat(calls.path("missing").path("status").asInt()).isEqualTo(404);
        assertThat(calls.path("missing").path("code").asText()).isEqualTo("model_not_found");

        // Every request's tokens reach the usage report exactly.
        long tokens = calls.path("echo").path("usage").path("total_tokens").asLong()
                + calls.path("completion").path("usage").path("total_tokens").asLong()
                + calls.path("chat").path("usage").path("total_tokens").asLong()
                + calls.path("embeddings").path("usage").path("total_tokens").asLong();
        JsonNode usage = server.get("/api/v1/orgs/lab/deployments/tiny-chat/usage").token(ada).expect(200);
        assertThat(usage.path("requests").asLong()).isEqualTo(4);
        assertThat(usage.path("total_tokens").asLong()).isEqualTo(tokens);
        assertThat(usage.path("groups").get(0).path("key").asText()).as("by key").startsWith("tok_");
        JsonNode records = server.get("/api/v1/orgs/lab/deployments/tiny-chat/requests").token(ada).expect(200);
        assertThat(records.path("items")).hasSize(4);
        assertThat(records.path("items").get(0).path("content").asText()).as("the deployment keeps content")
                .contains("\"request\"");

        // Its GPU time reaches the grant's ledger, exactly what was metered for the replica's job.
        await().atMost(Duration.ofSeconds(20)).until(() -> server.get("/api/v1/jobs/" + replicaJob).token(ada)
                .expect(200).path("gpu_hours").decimalValue().signum() > 0);
        server.request("DELETE", "/api/v1/orgs/lab/deployments/tiny-chat").token(ada).expect(204);
        await().atMost(Duration.ofSeconds(60)).until(() -> List.of("cancelled", "succeeded", "failed").contains(
                server.get("/api/v1/jobs/" + replicaJob).token(ada).expect(200).path("state").asText()));
        JsonNode grant = server.get("/api/v1/orgs/lab/grants").token(ada).expect(200).path("items").get(0);
        JsonNode ledger = server.get("/api/v1/orgs/lab/grants/" + grant.path("id").asText() + "/ledger?limit=500")
                .token(ada).expect(200);
        BigDecimal charged = BigDecimal.ZERO;
        for (JsonNode entry : ledger.path("items")) {
            if (entry.path("reference").asText().equals(replicaJob)) {
                charged = charged.add(entry.path("gpu_hours").decimalValue().abs());
            }
        }
        assertThat(charged).isEqualByComparingTo(server.get("/api/v1/jobs/" + replicaJob).token(ada).expect(200)
                .path("gpu_hours").decimalValue());
        JsonNode after = server.get("/api/v1/orgs/lab/deployments/tiny-chat/usage").token(ada).send().json();
        assertThat(after.path("status").asInt()).as("deleted").isEqualTo(404);
    }

    @Test
    @Order(3)
    void anotherOrganisationsKeyFindsNothingUntilItIsSharedAndLimitsAnswer429() throws Exception {
        server.post("/api/v1/orgs/lab/deployments").token(ada).json(Map.of("name", "shared-chat", "model",
                "models/lab/tiny-zh", "replicas", "1", "explicit_label", "default")).expect(201);
        awaitReady("shared-chat", 1);
        JsonNode outsider = node("outsider.mjs", bob, "lab/shared-chat");
        assertThat(outsider.path("models").toString()).doesNotContain("lab/shared-chat");
        assertThat(outsider.path("call").path("status").asInt()).isEqualTo(404);
        assertThat(outsider.path("call").path("code").asText()).isEqualTo("model_not_found");
        assertThat(outsider.path("call").path("param").asText()).isEqualTo("model");
        JsonNode unknown = node("outsider.mjs", bob, "lab/never-deployed");
        assertThat(unknown.path("call").path("message").asText()).as("a deployment that does not exist reads the"
                + " same").isEqualTo(outsider.path("call").path("message").asText().replace("shared-chat",
                "never-deployed"));

        server.request("PATCH", "/api/v1/orgs/lab/deployments/shared-chat").token(ada).json(Map.of("access",
                "shared", "shared_with", List.of("rival"), "requests_per_minute", 2)).expect(200);
        TestServer.Response first = chat(bob, "lab/shared-chat");
        assertThat(first.status()).as(first.text()).isEqualTo(200);
        JsonNode answer = first.json();
        assertThat(answer.path("choices").get(0).path("message").path("content").asText())
                .as("the explicit label").endsWith("[本内容由人工智能生成 / Generated by AI]");
        assertThat(first.header("AIGC")).hasValueSatisfying(header -> assertThat(header).contains("\"Label\":\"1\""));
        assertThat(chat(bob, "lab/shared-chat").status()).isEqualTo(200);
        TestServer.Response limited = chat(bob, "lab/shared-chat");
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.header("Retry-After")).isPresent();
        assertThat(limited.json().path("error").path("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(limited.json().path("error").path("type").asText()).isEqualTo("rate_limit_error");
        JsonNode byOrganisation = server.get("/api/v1/orgs/lab/deployments/shared-chat/usage?group_by=organisation")
                .token(ada).expect(200);
        assertThat(byOrganisation.path("groups").get(0).path("key").asText()).isEqualTo("rival");
        assertThat(byOrganisation.path("groups").get(0).path("requests").asInt()).isEqualTo(3);
        server.get("/api/v1/orgs/lab/deployments/shared-chat").token(bob).expect(404);
        server.request("DELETE", "/api/v1/orgs/lab/deployments/shared-chat").token(ada).expect(204);
    }

    @Test
    @Order(4)
    void anIdleDeploymentScalesToZeroAndACallBringsItBack() {
        server.post("/api/v1/orgs/lab/deployments").token(ada).json(Map.of("name", "sleepy", "model",
                "models/lab/tiny-zh", "replicas", "0..1", "idle_seconds", 10)).expect(201);
        TestServer.Response first = chat(ada, "lab/sleepy");
        assertThat(first.status()).as(first.text()).isEqualTo(200);
        String firstJob = server.get("/api/v1/orgs/lab/deployments/sleepy").token(ada).expect(200).path("replicas")
                .get(0).path("job").asText();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() ->
                server.get("/api/v1/orgs/lab/deployments/sleepy").token(ada).expect(200).path("replicas").isEmpty());
        assertThat(server.get("/api/v1/jobs/" + firstJob).token(ada).expect(200).path("state").asText())
                .as("scaled to zero: the replica's job was stopped").isIn("cancelled", "succeeded");
        TestServer.Response woken = chat(ada, "lab/sleepy");
        assertThat(woken.status()).as(woken.text()).isEqualTo(200);
        JsonNode replica = server.get("/api/v1/orgs/lab/deployments/sleepy").token(ada).expect(200).path("replicas")
                .get(0);
        assertThat(replica.path("job").asText()).as("a new replica").isNotEqualTo(firstJob);
        assertThat(replica.path("cold_start_seconds").asDouble()).as("the cold start, measured").isPositive();
        server.request("DELETE", "/api/v1/orgs/lab/deployments/sleepy").token(ada).expect(204);
    }

    private TestServer.Response chat(String token, String model) {
        return server.post("/v1/chat/completions").token(token).json(Map.of("model", model, "messages",
                List.of(Map.of("role", "user", "content", "你好")), "max_tokens", 3)).send();
    }

    private JsonNode awaitReady(String name, int replicas) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
            last[0] = server.get("/api/v1/orgs/lab/deployments/" + name).token(ada).expect(200);
            return last[0].path("ready").asInt() == replicas;
        });
        return last[0];
    }

    private JsonNode node(String script, String token, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("node", script, server.url() + "/v1", token));
        command.addAll(List.of(args));
        List<String> lines = ClientScripts.run(new ProcessBuilder(command).directory(ROOT.resolve(
                "openai-client-test").toFile()), "openai", 3, "{");
        return JSON.readTree(lines.get(lines.size() - 1));
    }

    private JsonNode torchLogprobs(String text) throws Exception {
        Path model = scratch.resolve("model");
        Files.createDirectories(model);
        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json")) {
            TestServer.Response response = server.get("/lab/tiny-zh/resolve/main/" + file).token(ada).send();
            assertThat(response.status()).isEqualTo(200);
            Files.write(model.resolve(file), response.body());
        }
        Path script = scratch.resolve("torch_logprobs.py");
        Files.copy(ServingTest.class.getResourceAsStream("/serving/torch_logprobs.py"), script,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Process python = new ProcessBuilder(PYTHON, script.toString(), ROOT.resolve("toolkits").toString(),
                model.toString(), text).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(python.waitFor()).as(output).isZero();
        return JSON.readTree(output);
    }
}
