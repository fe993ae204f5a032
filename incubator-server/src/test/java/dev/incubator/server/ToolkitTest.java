package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.toolkit.publish.LlamaShapes;
import dev.incubator.toolkit.publish.Safetensors;
import java.io.ByteArrayInputStream;
import java.io.IOException;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real language model made on the platform with PyTorch (Debian's python3-torch): a member pushes a bilingual
 * corpus, pretrains a tiny llama-style model from the pretrain template, watches its metrics, publishes it with
 * its provenance, fine-tunes it with LoRA and publishes that too; a run preempted by another tenant's guarantee
 * resumes from its checkpoint. The model's files are checked as the standard tools would read them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ToolkitTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path CORPUS = Path.of(System.getProperty("incubator.project.root", ".."))
            .resolve("toolkits/examples/corpus/zh-en.txt");

    private TestServer server;
    private String ada;

    @BeforeAll
    void start(@TempDir Path dataDir) throws IOException {
        server = TestServer.start(dataDir);
        server.createOrg("lab");
        server.createUser("ada");
        server.addMember("lab", "ada", "admin");
        server.awardGrant("lab", Map.of("any", 1000));
        ada = server.tokenFor("ada", "read", "write");
        server.post("/api/v1/repos").token(ada).json(Map.of("kind", "dataset", "namespace", "lab", "name", "corpus",
                "visibility", "organisation")).expect(201);
        server.commit(ada, "datasets/lab/corpus", Map.of("zh-en.txt", Files.readString(CORPUS), "README.md",
                "---\nlicense: cc-by-nc-4.0\nlanguage: [zh, en]\n---\nSimple sentences in Chinese and English.\n"))
                .expect(200);
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void aMemberPretrainsAModelPublishesItWithItsProvenanceAndFineTunesIt() throws IOException {
        String pretrain = submit(ada, "lab", "pretrain", Map.of("data", "datasets/lab/corpus", "steps", "60",
                "eval_every", "30", "checkpoint_every", "30"));
        JsonNode run = awaitEnd(ada, pretrain);
        assertThat(run.path("state").asText()).as(logs(pretrain)).isEqualTo("succeeded");

        List<JsonNode> losses = metrics(ada, pretrain, "loss");
        assertThat(losses).hasSize(6);
        assertThat(losses.get(0).path("step").asLong()).isEqualTo(10);
        double first = losses.get(0).path("value").asDouble();
        double last = losses.get(losses.size() - 1).path("value").asDouble();
        assertThat(last).as("the loss fell from %s", first).isLessThan(first - 1.0);
        assertThat(metrics(ada, pretrain, "validation_bits_per_byte")).hasSize(2);
        assertThat(metrics(ada, pretrain, "tokens_per_second").get(0).path("value").asDouble()).isPositive();

        JsonNode tracked = server.get("/api/v1/jobs/" + pretrain + "/run").token(ada).expect(200);
        assertThat(tracked.path("template").asText()).isEqualTo("pretrain");
        assertThat(tracked.path("template_params").path("steps").asInt()).isEqualTo(60);
        assertThat(tracked.path("template_params").path("model.layers").asInt()).as("the default").isEqualTo(2);
        assertThat(tracked.path("params").path("corpus_tokens").asText()).as("reported by the job").isNotEmpty();
        assertThat(tracked.path("code").asText()).startsWith("datasets/lab/job-code@");
        assertThat(tracked.path("code_sha256").asText()).as("the code's content hash, recorded with the run")
                .hasSize(64);

        JsonNode published = server.post("/api/v1/jobs/" + pretrain + "/publish").token(ada)
                .json(Map.of("to", "models/lab/tiny-zh", "license", "cc-by-nc-4.0")).expect(201);
        assertThat(published.path("files").toString()).contains("config.json", "model.safetensors", "tokenizer.json",
                "generation_config.json", "README.md");
        assertThat(published.path("read").path("datasets/lab/corpus").asText()).hasSize(40);
        assertThat(published.path("code_sha256").asText()).isEqualTo(tracked.path("code_sha256").asText());

        // The checkpoint is what its config.json says: every tensor of LlamaForCausalLM, in the promised shape.
        JsonNode config = JSON.readTree(download("lab/tiny-zh", "config.json"));
        assertThat(config.path("architectures").get(0).asText()).isEqualTo("LlamaForCausalLM");
        byte[] weights = download("lab/tiny-zh", "model.safetensors");
        Safetensors.Header header = Safetensors.read(new ByteArrayInputStream(weights), weights.length);
        @SuppressWarnings("unchecked")
        LlamaShapes.Config shapes = LlamaShapes.config(JSON.convertValue(config, Map.class));
        assertThat(LlamaShapes.mismatches(shapes, header)).isEmpty();
        assertThat(header.tensors().get("model.layers.0.self_attn.k_proj.weight").shape())
                .as("grouped-query attention: 2 key-value heads of 16").containsExactly(32L, 64L);
        JsonNode tokenizer = JSON.readTree(download("lab/tiny-zh", "tokenizer.json"));
        assertThat(tokenizer.path("model").path("type").asText()).isEqualTo("BPE");
        assertThat(tokenizer.path("model").path("vocab").size()).isEqualTo(config.path("vocab_size").asInt());

        String card = new String(download("lab/tiny-zh", "README.md"), StandardCharsets.UTF_8);
        assertThat(card).contains("datasets:\n- lab/corpus", "job: " + pretrain, "template: pretrain",
                "code_sha256: " + published.path("code_sha256").asText(), "datasets/lab/corpus: "
                        + published.path("read").path("datasets/lab/corpus").asText(), "library_name: transformers",
                "由 Incubator 平台上的作业");
        JsonNode audit = server.get("/api/v1/orgs/lab/audit-events?action=toolkit.publish").token(server
                .operatorToken()).expect(200);
        JsonNode event = null;
        for (JsonNode item : audit.path("items")) {
            if (item.path("details").path("job").asText().equals(pretrain)) {
                event = item;
            }
        }
        assertThat(event).as("the publication of %s is audited", pretrain).isNotNull();
        assertThat(event.path("details").path("read:datasets/lab/corpus").asText())
                .isEqualTo(published.path("read").path("datasets/lab/corpus").asText());
        assertThat(event.path("details").path("repository").asText()).isEqualTo("models/lab/tiny-zh");

        // Lineage: a model trained on non-commercial data inherits the restriction.
        JsonNode refused = server.request("PATCH", "/api/v1/repos/model/lab/tiny-zh").token(ada)
                .json(Map.of("visibility", "public")).expect(403);
        assertThat(refused.path("detail").asText()).contains("inherits non-commercial from datasets/lab/corpus");

        String finetune = submit(ada, "lab", "finetune", Map.of("base", "models/lab/tiny-zh", "data",
                "datasets/lab/corpus", "method", "lora", "steps", "10", "eval_every", "10", "checkpoint_every", "10"));
        assertThat(awaitEnd(ada, finetune).path("state").asText()).as(logs(finetune)).isEqualTo("succeeded");
        List<JsonNode> tuned = metrics(ada, finetune, "loss");
        assertThat(tuned.get(0).path("value").asDouble()).as("LoRA starts from the base model, not from scratch")
                .isLessThan(first - 1.0);
        assertThat(server.get("/api/v1/jobs/" + finetune + "/run").token(ada).expect(200).path("params")
                .path("trainable_parameters").asLong()).isLessThan(shapes.parameters() / 4);
        JsonNode lora = server.post("/api/v1/jobs/" + finetune + "/publish").token(ada)
                .json(Map.of("to", "models/lab/tiny-zh-lora")).expect(201);
        assertThat(lora.path("files").toString()).contains("adapter_model.safetensors", "adapter_config.json");
        String loraCard = new String(download("lab/tiny-zh-lora", "README.md"), StandardCharsets.UTF_8);
        assertThat(loraCard).contains("base_model:\n- lab/tiny-zh", "datasets:\n- lab/corpus");
        byte[] merged = download("lab/tiny-zh-lora", "model.safetensors");
        assertThat(LlamaShapes.mismatches(shapes, Safetensors.read(new ByteArrayInputStream(merged), merged.length)))
                .as("the adapters are merged into a plain llama checkpoint").isEmpty();
    }

    @Test
    void aRunPreemptedForAnotherTenantsGuaranteeResumesFromItsCheckpoint() {
        server.createOrg("rival");
        server.createUser("rita");
        server.addMember("rival", "rita", "member");
        server.awardGrant("rival", Map.of("any", 1000));
        server.createOrg("borrower");
        server.createUser("bo");
        server.addMember("borrower", "bo", "member");
        server.awardGrant("borrower", Map.of("any", 1000));
        String rita = server.tokenFor("rita", "read", "write");
        String bo = server.tokenFor("bo", "read", "write");
        server.post("/api/v1/repos").token(bo).json(Map.of("kind", "dataset", "namespace", "borrower", "name",
                "corpus", "visibility", "organisation")).expect(201);
        server.commit(bo, "datasets/borrower/corpus", Map.of("zh-en.txt", uncheckedRead(CORPUS))).expect(200);

        // All 4 GPUs, 2 of them borrowed beyond the guarantee: another tenant's guaranteed job reclaims them.
        Map<String, Object> body = new LinkedHashMap<>(Map.of("template", "pretrain", "parameters", Map.of("data",
                "datasets/borrower/corpus", "steps", "80", "checkpoint_every", "1000"), "gpus_per_node", 4));
        String run = server.post("/api/v1/orgs/borrower/template-jobs").token(bo).json(body).expect(201).path("id")
                .asText();
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                .until(() -> metrics(bo, run, "loss").size() >= 3);
        String reclaim = server.post("/api/v1/orgs/rival/jobs").token(rita).json(Map.of("name", "reclaim",
                "command", List.of("sleep", "3"), "gpus_per_node", 2)).expect(201).path("id").asText();
        await().atMost(Duration.ofMinutes(1)).until(() -> server.get("/api/v1/jobs/" + reclaim).token(rita)
                .expect(200).path("state").asText().equals("succeeded"));
        JsonNode ended = awaitEnd(bo, run);
        assertThat(ended.path("state").asText()).as(logs(run)).isEqualTo("succeeded");
        assertThat(ended.path("attempt").asInt()).as("preempted once, then resumed").isEqualTo(2);
        String output = logs(run);
        assertThat(output).contains("SIGUSR1: checkpoint written at step", "resuming from the checkpoint at step");
        long resumedAt = Long.parseLong(output.replaceAll("(?s).*resuming from the checkpoint at step (\\d+).*", "$1"));
        assertThat(resumedAt).isGreaterThanOrEqualTo(30);

        List<JsonNode> losses = metrics(bo, run, "loss");
        double firstLoss = losses.get(0).path("value").asDouble();
        JsonNode before = null;
        JsonNode after = null;
        for (JsonNode point : losses) {
            if (point.path("step").asLong() <= resumedAt) {
                before = point;
            } else if (after == null) {
                after = point;
            }
        }
        assertThat(before).isNotNull();
        assertThat(after).isNotNull();
        assertThat(after.path("value").asDouble()).as("the curve continues from step %s, it does not restart",
                resumedAt).isLessThan(firstLoss - 1.0).isLessThan(before.path("value").asDouble() * 1.25);
        assertThat(losses.get(losses.size() - 1).path("step").asLong()).isEqualTo(80);
    }

    @Test
    void theTokenizerTemplateLearnsMergesAndTwoRunsWithOneSeedAreTheSame() throws IOException {
        String tokenizer = submit(ada, "lab", "tokenizer", Map.of("data", "datasets/lab/corpus", "vocab_size", "400"));
        Map<String, String> tiny = Map.of("data", "datasets/lab/corpus", "steps", "10", "seed", "5",
                "checkpoint_every", "5", "log_every", "5");
        String first = submit(ada, "lab", "pretrain", tiny);
        String second = submit(ada, "lab", "pretrain", tiny);
        assertThat(awaitEnd(ada, tokenizer).path("state").asText()).as(logs(tokenizer)).isEqualTo("succeeded");
        JsonNode published = server.post("/api/v1/jobs/" + tokenizer + "/publish").token(ada)
                .json(Map.of("to", "models/lab/zh-en-bpe")).expect(201);
        assertThat(published.path("files").toString()).contains("tokenizer.json").doesNotContain("model.safetensors");
        JsonNode vocabulary = JSON.readTree(download("lab/zh-en-bpe", "tokenizer.json")).path("model");
        assertThat(vocabulary.path("vocab").size()).isEqualTo(400);
        assertThat(vocabulary.path("merges").size()).isEqualTo(400 - 257);
        assertThat(new String(download("lab/zh-en-bpe", "README.md"), StandardCharsets.UTF_8))
                .contains("library_name: tokenizers", "datasets:\n- lab/corpus");
        assertThat(metrics(ada, tokenizer, "bytes_per_token").get(0).path("value").asDouble())
                .as("merges make tokens longer than bytes").isGreaterThan(1.5);

        assertThat(awaitEnd(ada, first).path("state").asText()).as(logs(first)).isEqualTo("succeeded");
        assertThat(awaitEnd(ada, second).path("state").asText()).as(logs(second)).isEqualTo("succeeded");
        List<Double> a = metrics(ada, first, "loss").stream().map(point -> point.path("value").asDouble()).toList();
        List<Double> b = metrics(ada, second, "loss").stream().map(point -> point.path("value").asDouble()).toList();
        assertThat(a).hasSize(2).isEqualTo(b);
    }

    @Test
    void aJobReportsOnlyItsOwnMetricsAndPublishesOnlyPlainFilesItWrote() {
        String other = server.post("/api/v1/orgs/lab/jobs").token(ada).json(Map.of("name", "other", "command",
                List.of("true"))).expect(201).path("id").asText();
        String post = "curl -s -o /dev/null -w '%{http_code} ' -X POST -H \"Authorization: Bearer $INCUBATOR_JOB_TOKEN\""
                + " -H 'Content-Type: application/json' -d '{\"step\": 1, \"values\": {\"api_loss\": 1.5}}'"
                + " $INCUBATOR_URL/api/v1/jobs/";
        String script = String.join("\n",
                "printf 'not json\\n{\"step\": 1, \"loss\": 2.5, \"lr\": 0.1}\\n{\"params\": {\"seed\": 7}}\\n"
                        + "{\"step\": 2, \"name\": \"loss\", \"value\": 2.0}\\n{\"step\": 3, \"loss\": NaN}\\n' >>"
                        + " $INCUBATOR_METRICS",
                post + "$INCUBATOR_JOB_ID/metrics",
                post + other + "/metrics",
                "ln -sf /etc/shadow $INCUBATOR_METRICS 2>/dev/null && echo replaced-metrics-file",
                "mkdir -p $INCUBATOR_CHECKPOINT_DIR/model",
                "echo '{\"model\": {}}' > $INCUBATOR_CHECKPOINT_DIR/model/tokenizer.json",
                "ln -s /etc/passwd $INCUBATOR_CHECKPOINT_DIR/model/config.json",
                "sleep 3");
        String job = server.post("/api/v1/orgs/lab/jobs").token(ada).json(Map.of("name", "reporter", "command",
                List.of("bash", "-c", script))).expect(201).path("id").asText();
        assertThat(awaitEnd(ada, job).path("state").asText()).isEqualTo("succeeded");
        String output = logs(job);
        assertThat(output).as("its own job, then another's").contains("200 403");
        if (TestServer.ROOT) {
            assertThat(output).as("jobs run as their organisation's account: the job directory is not theirs")
                    .doesNotContain("replaced-metrics-file");
        }

        JsonNode run = server.get("/api/v1/jobs/" + job + "/run").token(ada).expect(200);
        assertThat(run.path("latest").path("loss").path("value").asDouble()).isEqualTo(2.0);
        assertThat(run.path("latest").path("api_loss").path("value").asDouble()).isEqualTo(1.5);
        assertThat(run.path("params").path("seed").asText()).isEqualTo("7");
        assertThat(run.path("points").asLong()).isEqualTo(4);
        assertThat(run.path("ignored_lines").asLong()).as("the line that is not JSON, and the NaN").isEqualTo(2);
        assertThat(metrics(ada, other, "api_loss")).as("nothing reached the other job").isEmpty();

        JsonNode refused = server.post("/api/v1/jobs/" + job + "/publish").token(ada)
                .json(Map.of("to", "models/lab/leak")).expect(400);
        assertThat(refused.path("detail").asText()).contains("'config.json', which is not a plain file");
        server.get("/api/v1/repos/model/lab/leak").token(ada).expect(404);
        JsonNode outsider = server.post("/api/v1/jobs/" + job + "/publish").token(server.tokenFor(
                server.createUser("eve").path("name").asText(), "read", "write")).json(Map.of("to",
                "models/lab/steal")).expect(404);
        assertThat(outsider.path("detail").asText()).contains("job '" + job + "' not found");
    }

    private String submit(String token, String org, String template, Map<String, String> parameters) {
        return server.post("/api/v1/orgs/" + org + "/template-jobs").token(token).json(Map.of("template", template,
                "parameters", parameters)).expect(201).path("id").asText();
    }

    private JsonNode awaitEnd(String token, String job) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            last[0] = server.get("/api/v1/jobs/" + job).token(token).expect(200);
            return List.of("succeeded", "failed", "cancelled", "timeout").contains(last[0].path("state").asText());
        });
        return last[0];
    }

    private List<JsonNode> metrics(String token, String job, String name) {
        List<JsonNode> points = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = server.get("/api/v1/jobs/" + job + "/metrics?name=" + name + "&limit=500"
                    + (cursor == null ? "" : "&cursor=" + cursor)).token(token).expect(200);
            page.path("items").forEach(points::add);
            cursor = page.hasNonNull("next_cursor") ? page.path("next_cursor").asText() : null;
        } while (cursor != null);
        return points;
    }

    private String logs(String job) {
        TestServer.Response out = server.get("/api/v1/jobs/" + job + "/logs").token(server.operatorToken()).send();
        TestServer.Response err = server.get("/api/v1/jobs/" + job + "/logs?stream=stderr")
                .token(server.operatorToken()).send();
        return out.text() + "\n--- stderr ---\n" + err.text();
    }

    private byte[] download(String repo, String path) {
        TestServer.Response response = server.get("/" + repo + "/resolve/main/" + path).token(ada).send();
        assertThat(response.status()).as(path).isEqualTo(200);
        return response.body();
    }

    private static String uncheckedRead(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
