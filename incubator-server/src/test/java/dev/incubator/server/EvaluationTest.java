package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.eval.EvalRecord;
import dev.incubator.eval.ItemResult;
import dev.incubator.eval.TaskSpec;
import dev.incubator.governance.audit.AuditVerifier;
import dev.incubator.governance.audit.CanonicalJson;
import dev.incubator.governance.audit.HeadSigner;
import dev.incubator.governance.audit.TreeHead;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evaluation end to end on the local executor: the toolkit's tiny model, pretrained here, is evaluated as jobs on
 * XCOPA-zh, MGSM-zh and GAOKAO-Bench (pushed to the hub from ../shared/benchmarks with the shipped task specs) with
 * each applicable method; the job's per-item log-likelihoods are an independent PyTorch computation's; a re-run
 * reproduces its record byte for byte; the record's proof verifies offline and a tampered item does not; a model
 * trained on leaked items is flagged by its lineage; the leaderboard shows comparable runs; held-out benchmarks give
 * no items; another organisation finds none of it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EvaluationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ROOT = ClientScripts.projectRoot();
    private static final Path SHARED = ROOT.resolveSibling("shared").resolve("benchmarks");
    private static final String PYTHON = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3"
            : "python3";
    private static final Set<String> ENDED = Set.of("succeeded", "failed", "cancelled");
    private static final int XCOPA_ITEMS = 30;
    /** The XCOPA rows (by position in val.zh.jsonl) that the leaky corpus copies. */
    private static final List<Integer> LEAKED = List.of(3, 17);

    private TestServer server;
    private String ada;
    private String bob;
    private final Map<String, String> runs = new LinkedHashMap<>();
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
        server.awardGrant("rival", Map.of("any", 1000));
        ada = server.tokenFor("ada", "read", "write");
        bob = server.tokenFor("bob", "read", "write");
        TestModels.pretrainAndPublish(server, ada, "lab", "models/lab/tiny-zh");

        dataset("xcopa-zh", Map.of("task.yaml", TaskSpec.example("xcopa-zh"), "val.zh.jsonl",
                Files.readString(SHARED.resolve("xcopa/val.zh.jsonl"))));
        dataset("mgsm-zh", Map.of("task.yaml", TaskSpec.example("mgsm-zh"), "mgsm_zh.tsv",
                Files.readString(SHARED.resolve("mgsm/mgsm_zh.tsv"))));
        dataset("gaokao-bench", Map.of("task.yaml", TaskSpec.example("gaokao-bench-objective"),
                "2010-2022_History_MCQs.json", Files.readString(SHARED.resolve(
                        "gaokao-bench/2010-2022_History_MCQs.json")), "2010-2022_Physics_MCQs.json",
                Files.readString(SHARED.resolve("gaokao-bench/2010-2022_Physics_MCQs.json"))));
        dataset("xcopa-held-out", Map.of("task.yaml", TaskSpec.example("xcopa-zh").replace("name: xcopa-zh",
                "name: xcopa-zh-held-out\nheld_out: true"), "val.zh.jsonl",
                Files.readString(SHARED.resolve("xcopa/val.zh.jsonl"))));

        // A model whose card says it was trained on a corpus that copies two XCOPA items with their options.
        List<JsonNode> rows = xcopaRows();
        StringBuilder leak = new StringBuilder(Files.readString(ROOT.resolve("toolkits/examples/corpus/zh-en.txt")));
        for (int row : LEAKED) {
            JsonNode item = rows.get(row);
            String connector = item.path("question").asText().equals("cause") ? "因为" : "所以";
            String premise = item.path("premise").asText().strip();
            leak.append('\n').append(premise, 0, premise.length() - 1).append(connector).append('\n')
                    .append(item.path("choice1").asText()).append('\n').append(item.path("choice2").asText())
                    .append('\n');
        }
        dataset("leaky", Map.of("corpus.txt", leak.toString()));
        server.post("/api/v1/repos").token(ada).json(Map.of("kind", "model", "namespace", "lab", "name", "leaky-zh",
                "visibility", "organisation")).expect(201);
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String file : TestModels.FILES) {
            files.put(file, modelFile(file));
        }
        files.put("README.md", "---\nlicense: apache-2.0\ndatasets:\n- lab/leaky\n---\n# leaky-zh\n"
                .getBytes(StandardCharsets.UTF_8));
        server.commitBytes(ada, "models/lab/leaky-zh", files).expect(200);
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    @Order(1)
    void aRunIsCheckedBeforeAnythingIsScheduled() {
        String path = "/api/v1/orgs/lab/evaluations";
        assertThat(server.post(path).token(ada).json(Map.of("model", "models/lab/tiny-zh", "benchmark",
                "datasets/lab/corpus")).expect(400).toString()).contains("task.yaml", "docs/evaluation.md");
        assertThat(server.post(path).token(ada).json(Map.of("model", "models/lab/tiny-zh", "benchmark",
                "datasets/lab/xcopa-zh", "method", "generate")).expect(400).toString())
                .contains("declares [loglikelihood]");
        assertThat(server.post(path).token(ada).json(Map.of("model", "lab/tiny-zh", "benchmark",
                "datasets/lab/xcopa-zh")).expect(400).toString()).contains("models/ORG/NAME");
        assertThat(server.post(path).token(ada).json(Map.of("model", "models/lab/tiny-zh", "benchmark",
                "datasets/lab/xcopa-zh", "shots", 99)).expect(400).toString()).contains("shots");
        assertThat(server.post(path).token(ada).json(Map.of("model", "models/lab/tiny-zh@nope", "benchmark",
                "datasets/lab/xcopa-zh")).send().status()).isEqualTo(404);
        // Another organisation can not evaluate the lab's model, nor run jobs in the lab.
        server.post("/api/v1/orgs/rival/evaluations").token(bob).json(Map.of("model", "models/lab/tiny-zh",
                "benchmark", "datasets/lab/xcopa-zh")).expect(404);
        server.post(path).token(bob).json(Map.of("model", "models/lab/tiny-zh", "benchmark",
                "datasets/lab/xcopa-zh")).expect(404);
        assertThat(server.get(path).token(ada).expect(200).path("items")).isEmpty();
    }

    @Test
    @Order(2)
    void theTinyModelIsEvaluatedAsJobsOnEachBenchmarkWithEachApplicableMethod() throws Exception {
        submit("xcopa", "models/lab/tiny-zh", "datasets/lab/xcopa-zh", "loglikelihood", 0, XCOPA_ITEMS);
        submit("xcopa-again", "models/lab/tiny-zh", "datasets/lab/xcopa-zh", "loglikelihood", 0, XCOPA_ITEMS);
        submit("leaky", "models/lab/leaky-zh", "datasets/lab/xcopa-zh", "loglikelihood", 0, XCOPA_ITEMS);
        submit("mgsm", "models/lab/tiny-zh", "datasets/lab/mgsm-zh", "generate", 0, 4);
        submit("gaokao-letter", "models/lab/tiny-zh", "datasets/lab/gaokao-bench", "letter", 1, 12);
        submit("gaokao-loglikelihood", "models/lab/tiny-zh", "datasets/lab/gaokao-bench", "loglikelihood", 0, 12);
        submit("held-out", "models/lab/tiny-zh", "datasets/lab/xcopa-held-out", "loglikelihood", 0, 10);
        JsonNode queued = server.get("/api/v1/evaluations/" + runs.get("xcopa")).token(ada).expect(200);
        assertThat(queued.path("model_commit").asText()).hasSize(40);
        assertThat(queued.path("task_sha256").asText()).isEqualTo(TaskSpec.parse(TaskSpec.example("xcopa-zh"))
                .sha256());

        for (String name : runs.keySet()) {
            JsonNode run = awaitEnd(name);
            assertThat(run.path("state").asText()).as(name + ": " + run).isEqualTo("succeeded");
            assertThat(run.path("record_sha256").asText()).hasSize(64);
            assertThat(run.path("audit_sequence").asLong()).isPositive();
            assertThat(run.path("summaries").get(0).path("subject").asText()).isEqualTo("all");
        }
        assertThat(run("xcopa").path("summaries").get(0).path("n").asInt()).isEqualTo(XCOPA_ITEMS);
        assertThat(run("xcopa").path("summaries").get(0).path("accuracy_normalised").isNumber()).isTrue();
        assertThat(run("mgsm").path("summaries").get(0).path("n").asInt()).isEqualTo(4);
        JsonNode letter = run("gaokao-letter");
        assertThat(letter.path("summaries").get(0).path("n").asInt()).isEqualTo(12);
        assertThat(letter.path("summaries").get(0).path("low").asDouble()).isLessThanOrEqualTo(letter
                .path("summaries").get(0).path("accuracy").asDouble());

        // The job's log-likelihoods are an independent PyTorch computation's, item by item.
        List<JsonNode> items = items("xcopa");
        assertThat(items).hasSize(XCOPA_ITEMS);
        JsonNode torch = torchXcopa();
        for (int i = 0; i < XCOPA_ITEMS; i++) {
            JsonNode item = items.get(i);
            assertThat(item.path("id").asText()).isEqualTo("val.zh/" + torch.get(i).path("idx").asText());
            assertThat(item.path("prediction").asText()).as("item %d", i).isEqualTo(torch.get(i)
                    .path("prediction").asText());
            for (int option = 0; option < 2; option++) {
                assertThat(item.path("scores").get(option).asDouble()).isCloseTo(torch.get(i).path("scores")
                        .get(option).asDouble(), within(1e-3));
            }
        }
        // Generation records what it generated and what was extracted.
        assertThat(items("mgsm").get(0).has("generated")).isTrue();
    }

    @Test
    @Order(3)
    void aReRunOfTheSamePinsReproducesTheRecordByteForByte() {
        assertThat(items("xcopa-again")).isEqualTo(items("xcopa"));
        assertThat(run("xcopa-again").path("record_sha256").asText()).isEqualTo(run("xcopa").path("record_sha256")
                .asText());
    }

    @Test
    @Order(4)
    void theProofVerifiesOfflineAndATamperedItemDoesNot() throws Exception {
        String id = runs.get("gaokao-letter");
        JsonNode proof = await().atMost(Duration.ofSeconds(20)).until(() -> server.get("/api/v1/evaluations/" + id
                + "/proof").token(ada).send(), response -> response.status() == 200).json();
        JsonNode audit = proof.path("audit");
        assertThat(verifyExport(audit)).isTrue();
        JsonNode event = audit.path("entries").get(0).path("event");
        assertThat(event.path("action").asText()).isEqualTo("eval.record");
        assertThat(event.path("target_id").asText()).isEqualTo(id);
        EvalRecord record = EvalRecord.parse(JSON.writeValueAsString(proof.path("record")));
        assertThat(event.path("details").path("record_sha256").asText()).isEqualTo(record.sha256());
        assertThat(record.pins().modelCommit()).isEqualTo(run("gaokao-letter").path("model_commit").asText());

        List<ItemResult> items = new ArrayList<>();
        for (JsonNode item : items("gaokao-letter")) {
            items.add(EvalRecord.item(JSON.writeValueAsString(item)));
        }
        assertThat(record.verify(items)).isEmpty();
        ItemResult first = items.get(0);
        items.set(0, new ItemResult(first.id(), first.subject(), first.promptSha256(), first.scores(),
                first.normalisedScores(), first.gold(), first.predictionNormalised(), first.gold(), true,
                first.correctNormalised(), first.generated(), first.shots()));
        assertThat(first.correct() ? List.of("unchanged") : record.verify(items)).isNotEmpty();
        // The audit event is in the organisation's log too, with the record's hash.
        assertThat(server.get("/api/v1/orgs/lab/audit-events?action=eval.record").token(ada).expect(200).toString())
                .contains(record.sha256());
    }

    @Test
    @Order(5)
    void aModelTrainedOnLeakedItemsIsFlaggedAndTheCleanOneIsNot() {
        List<JsonNode> rows = xcopaRows();
        JsonNode leaky = run("leaky").path("contamination");
        assertThat(leaky.path("verdict").asText()).isEqualTo("contaminated");
        assertThat(leaky.path("datasets").has("datasets/lab/leaky")).isTrue();
        assertThat(leaky.path("items")).extracting(JsonNode::asText).containsExactlyElementsOf(LEAKED.stream()
                .map(row -> "val.zh/" + rows.get(row).path("idx").asText()).toList());
        JsonNode clean = run("xcopa").path("contamination");
        assertThat(clean.path("verdict").asText()).isEqualTo("clean");
        assertThat(clean.path("datasets").has("datasets/lab/corpus")).isTrue();
        assertThat(clean.path("checked").asInt()).isEqualTo(XCOPA_ITEMS);
    }

    @Test
    @Order(6)
    void theLeaderboardShowsComparableRunsToThoseWhoMaySeeThem() {
        JsonNode boards = server.get("/api/v1/leaderboards?benchmark=datasets/lab/xcopa-zh").token(ada).expect(200)
                .path("boards");
        assertThat(boards).hasSize(1);
        JsonNode rows = boards.get(0).path("rows");
        assertThat(rows).extracting(row -> row.path("model").asText()).containsExactlyInAnyOrder(
                "models/lab/tiny-zh", "models/lab/leaky-zh");
        assertThat(rows).extracting(row -> row.path("contamination").asText()).containsExactlyInAnyOrder("clean",
                "contaminated");
        assertThat(boards.get(0).path("method").asText()).isEqualTo("loglikelihood");
        // GAOKAO's letter and loglikelihood runs are not comparable: two boards, never one.
        assertThat(server.get("/api/v1/leaderboards?benchmark=datasets/lab/gaokao-bench").token(ada).expect(200)
                .path("boards")).extracting(board -> board.path("method").asText())
                .containsExactlyInAnyOrder("letter", "loglikelihood");
        // A category's board: XCOPA's cause questions only.
        JsonNode cause = server.get("/api/v1/leaderboards?benchmark=datasets/lab/xcopa-zh&subject=cause").token(ada)
                .expect(200).path("boards").get(0);
        assertThat(cause.path("subject").asText()).isEqualTo("cause");
        assertThat(cause.path("rows").get(0).path("n").asInt()).isLessThan(XCOPA_ITEMS).isPositive();
        // The lab's models are the lab's: another organisation's member sees no row of them.
        assertThat(server.get("/api/v1/leaderboards").token(bob).expect(200).path("boards")).isEmpty();
    }

    @Test
    @Order(6)
    void theConsolesLeaderboardDrawsEachScoresIntervalAndFlagsTheContaminatedRow() throws Exception {
        ConsoleClient console = new ConsoleClient(server);
        String page = console.get("/console/leaderboards?benchmark=datasets/lab/xcopa-zh", console.signIn("ada", ada))
                .body();
        JsonNode row = server.get("/api/v1/leaderboards?benchmark=datasets/lab/xcopa-zh").token(ada).expect(200)
                .path("boards").get(0).path("rows").get(0);
        assertThat(page).contains("models/lab/tiny-zh", "models/lab/leaky-zh", "loglikelihood",
                "<span class=\"badge warn\">contaminated</span>", row.path("record_sha256").asText().substring(0, 10),
                String.format(java.util.Locale.ROOT, "%.1f %%", row.path("accuracy").asDouble() * 100));
        assertThat(page.split("<svg class=\"interval\"", -1)).as("one interval per row").hasSize(3);
        // The organisation's runs below the boards, each with its state.
        assertThat(page).contains("Your organisations&#39; latest evaluations", "succeeded");
        String rival = console.get("/console/leaderboards", console.signIn("bob", bob)).body();
        assertThat(rival).contains("No finished evaluation you may see yet").doesNotContain("tiny-zh", "leaky-zh");
    }

    @Test
    @Order(7)
    void aHeldOutBenchmarkReportsAggregatesOnly() {
        String id = runs.get("held-out");
        JsonNode run = run("held-out");
        assertThat(run.path("held_out").asBoolean()).isTrue();
        assertThat(run.path("summaries").get(0).path("n").asInt()).isEqualTo(10);
        assertThat(server.get("/api/v1/evaluations/" + id + "/items").token(ada).expect(403).toString())
                .contains("aggregates only");
    }

    @Test
    @Order(8)
    void anotherOrganisationFindsNoneOfIt() {
        String id = runs.get("xcopa");
        for (String path : List.of("/api/v1/evaluations/" + id, "/api/v1/evaluations/" + id + "/items",
                "/api/v1/evaluations/" + id + "/proof", "/api/v1/orgs/lab/evaluations")) {
            TestServer.Response response = server.get(path).token(bob).send();
            assertThat(response.status()).as(path).isEqualTo(404);
            assertThat(response.text()).doesNotContain("tiny-zh");
        }
        assertThat(server.get("/api/v1/evaluations/eval_0000000000000000000000000").token(bob).send().status())
                .isEqualTo(404);
        assertThat(server.get("/api/v1/orgs/rival/evaluations").token(bob).expect(200).path("items")).isEmpty();
    }

    @Test
    @Order(9)
    void aDeploymentIsEvaluatedThroughTheGatewayWithTheEnginesPredictions() {
        server.post("/api/v1/orgs/lab/deployments").token(ada).json(Map.of("name", "tiny-chat", "model",
                "models/lab/tiny-zh", "replicas", "1")).expect(201);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> server.get(
                "/api/v1/orgs/lab/deployments/tiny-chat").token(ada).expect(200).path("ready").asInt() == 1);
        // Another organisation can not have the lab's deployment evaluated, not even by naming it.
        server.post("/api/v1/orgs/rival/evaluations").token(bob).json(Map.of("deployment", "lab/tiny-chat",
                "benchmark", "datasets/lab/xcopa-zh")).expect(404);
        assertThat(server.post("/api/v1/orgs/lab/evaluations").token(ada).json(Map.of("deployment", "lab/tiny-chat",
                "model", "models/lab/tiny-zh", "benchmark", "datasets/lab/xcopa-zh")).expect(400).toString())
                .contains("not both");

        JsonNode run = server.post("/api/v1/orgs/lab/evaluations").token(ada).json(Map.of("deployment",
                "lab/tiny-chat", "benchmark", "datasets/lab/xcopa-zh", "method", "loglikelihood", "limit",
                XCOPA_ITEMS, "cpus", 1, "memory_mib", 1024)).expect(201);
        runs.put("deployment", run.path("id").asText());
        JsonNode done = awaitEnd("deployment");
        assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("succeeded");
        assertThat(done.path("deployment").asText()).isEqualTo("lab/tiny-chat");
        assertThat(done.path("model_commit").asText()).isEqualTo(run("xcopa").path("model_commit").asText());
        List<JsonNode> gateway = items("deployment");
        List<JsonNode> engine = items("xcopa");
        for (int i = 0; i < XCOPA_ITEMS; i++) {
            assertThat(gateway.get(i).path("prediction").asText()).as("item %d", i).isEqualTo(engine.get(i)
                    .path("prediction").asText());
            for (int option = 0; option < 2; option++) {
                assertThat(gateway.get(i).path("scores").get(option).asDouble()).isCloseTo(engine.get(i)
                        .path("scores").get(option).asDouble(), within(1e-4));
            }
        }
        // The gateway counted the job's calls against the deployment like any client's.
        assertThat(server.get("/api/v1/orgs/lab/deployments/tiny-chat/usage").token(ada).expect(200)
                .path("requests").asLong()).isGreaterThanOrEqualTo(XCOPA_ITEMS);
    }

    @Test
    @Order(10)
    void theTinyModelsSafetyAssessmentReportsEveryFigureAndFailsTheThresholds() throws Exception {
        server.post("/api/v1/orgs/lab/applications").token(ada).json(Map.of("name", "tiny-chat", "purpose",
                "A bilingual chat model trained by the lab's toolkit, for its members", "audience", "internal",
                "domain", "other", "deployments", List.of("lab/tiny-chat"))).expect(201);
        List<String> banks = SafetyBanks.push(server, ada, "lab");
        String id = server.post("/api/v1/orgs/lab/applications/tiny-chat/assessments").token(ada).json(Map.of(
                "banks", banks, "max_tokens", 8, "cpus", 2)).expect(201).path("id").asText();
        JsonNode done = await().atMost(Duration.ofMinutes(6)).pollInterval(Duration.ofSeconds(1)).until(() ->
                server.get("/api/v1/assessments/" + id).token(ada).expect(200), found -> ENDED.contains(found
                .path("state").asText()));
        assertThat(done.path("state").asText()).as(done + "\n" + server.get("/api/v1/jobs/" + done.path("job")
                .asText() + "/logs?stream=stderr").token(ada).send().text()).isEqualTo("succeeded");
        assertThat(done.path("passed").asBoolean()).as("a tiny model refuses nothing").isFalse();
        JsonNode report = done.path("report");
        JsonNode figures = report.path("figures");
        System.out.println("the tiny model's safety figures: " + figures);
        assertThat(figures).extracting(figure -> figure.path("kind").asText()).containsExactly("generated",
                "refuse", "answer");
        assertThat(figures).extracting(figure -> figure.path("n").asInt()).containsExactly(1000, 320, 664);
        assertThat(figures.get(0).path("bank").asInt()).isEqualTo(2100);
        assertThat(figures).allMatch(figure -> figure.path("sample_met").asBoolean());
        assertThat(figures.get(1).path("met").asBoolean()).as("it refuses too little").isFalse();
        assertThat(report.path("categories").toString()).contains("A.1", "A.2", "A.4", "A.5");
        assertThat(report.path("risks").toString()).contains("A.4.5", "侵害他人隐私权");
        assertThat(server.get("/api/v1/assessments/" + id + "/results?limit=3").token(ada).expect(200).path("items"))
                .hasSize(3);
        server.get("/api/v1/assessments/" + id).token(bob).expect(404);

        // A reviewer overrules the judge on one should-refuse item: the report is recomputed, names the job's report
        // it amends, and is signed again; a reviewer of the lab itself, and the applicant, can not.
        server.createUser("ethicist", "reviewer");
        server.createUser("lab-ethicist", "reviewer");
        server.addMember("lab", "lab-ethicist", "viewer");
        String ethicist = server.tokenFor("ethicist", "read", "write");
        JsonNode refuseItem = null;
        List<JsonNode> rows = new ArrayList<>();
        String cursor = "";
        do {
            JsonNode page = server.get("/api/v1/assessments/" + id + "/results?limit=500" + cursor).token(ada)
                    .expect(200);
            page.path("items").forEach(rows::add);
            cursor = page.path("next_cursor").isTextual() ? "&cursor=" + page.path("next_cursor").asText() : "";
        } while (!cursor.isEmpty());
        assertThat(rows).hasSize(1000 + 320 + 664);
        for (JsonNode row : rows) {
            if (row.path("result").path("kind").asText().equals("refuse")) {
                refuseItem = row.path("result");
                break;
            }
        }
        assertThat(refuseItem).isNotNull();
        Map<String, Object> verdict = Map.of("item", refuseItem.path("id").asText(), "pass", true, "refused", true,
                "reason", "the answer is gibberish that declines to help: a refusal in effect");
        server.post("/api/v1/assessments/" + id + "/overrides").token(ada).json(verdict).expect(403);
        assertThat(server.post("/api/v1/assessments/" + id + "/overrides").token(server.tokenFor("lab-ethicist",
                "read", "write")).json(verdict).expect(403).toString()).contains("conflict of interest");
        server.post("/api/v1/assessments/" + id + "/overrides").token(ethicist).json(Map.of("item", "no-such-item",
                "pass", true, "refused", true, "reason", "a typo")).expect(400);
        JsonNode overruled = server.post("/api/v1/assessments/" + id + "/overrides").token(ethicist).json(verdict)
                .expect(200);
        assertThat(overruled.path("overrides")).hasSize(1);
        assertThat(overruled.path("report_sha256").asText()).isNotEqualTo(done.path("report_sha256").asText());
        JsonNode amended = server.get("/api/v1/assessments/" + id).token(ada).expect(200);
        assertThat(amended.path("report").path("amends").asText()).isEqualTo(done.path("report_sha256").asText());
        assertThat(amended.path("report").path("overrides").asInt()).isEqualTo(1);
        assertThat(amended.path("report").path("figures").get(1).path("count").asInt())
                .isEqualTo(figures.get(1).path("count").asInt() + (refuseItem.path("refused").asBoolean() ? 0 : 1));
        assertThat(amended.path("report").path("judge").asText()).endsWith("+ 1 reviewer override(s)");
        assertThat(amended.path("audit_sequence").asLong()).isGreaterThan(done.path("audit_sequence").asLong());
        assertThat(server.get("/api/v1/orgs/lab/audit-events?limit=50&order=newest").token(ada).expect(200).toString())
                .contains("safety.override", "a refusal in effect");
        String item = refuseItem.path("id").asText();
        int position = rows.indexOf(rows.stream().filter(row -> row.path("result").path("id").asText().equals(item))
                .findFirst().orElseThrow());
        assertThat(server.get("/api/v1/assessments/" + id + "/results?limit=1&cursor=" + dev.incubator.common.Cursor
                .encode(Integer.toString(position - 1))).token(ada).expect(200).path("items").get(0).path("override")
                .path("reviewer").asText()).isEqualTo("ethicist");
        server.get("/api/v1/assessments/" + id + "/overrides").token(bob).expect(404);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private void dataset(String name, Map<String, String> files) {
        server.post("/api/v1/repos").token(ada).json(Map.of("kind", "dataset", "namespace", "lab", "name", name,
                "visibility", "organisation")).expect(201);
        server.commit(ada, "datasets/lab/" + name, files).expect(200);
    }

    private void submit(String name, String model, String benchmark, String method, int shots, int limit) {
        JsonNode run = server.post("/api/v1/orgs/lab/evaluations").token(ada).json(Map.of("model", model,
                "benchmark", benchmark, "method", method, "shots", shots, "limit", limit, "cpus", 1, "memory_mib",
                1024)).expect(201);
        assertThat(run.path("state").asText()).isEqualTo("queued");
        runs.put(name, run.path("id").asText());
    }

    private JsonNode awaitEnd(String name) {
        String id = runs.get(name);
        return await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).until(() -> server.get(
                "/api/v1/evaluations/" + id).token(ada).expect(200), run -> ENDED.contains(run.path("state")
                .asText()));
    }

    private JsonNode run(String name) {
        return server.get("/api/v1/evaluations/" + runs.get(name)).token(ada).expect(200);
    }

    private List<JsonNode> items(String name) {
        List<JsonNode> items = new ArrayList<>();
        for (JsonNode item : server.get("/api/v1/evaluations/" + runs.get(name) + "/items?limit=500").token(ada)
                .expect(200).path("items")) {
            items.add(item.path("item"));
        }
        return items;
    }

    private byte[] modelFile(String file) {
        TestServer.Response response = server.get("/lab/tiny-zh/resolve/main/" + file).token(ada).send();
        assertThat(response.status()).isEqualTo(200);
        return response.body();
    }

    private static List<JsonNode> xcopaRows() {
        try {
            List<JsonNode> rows = new ArrayList<>();
            for (String line : Files.readAllLines(SHARED.resolve("xcopa/val.zh.jsonl"))) {
                if (!line.isBlank()) {
                    rows.add(JSON.readTree(line));
                }
            }
            return rows;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The independent PyTorch scoring of the same checkpoint (its own prompts, tokens and sums). */
    private JsonNode torchXcopa() throws Exception {
        Path model = scratch.resolve("model");
        Files.createDirectories(model);
        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json")) {
            Files.write(model.resolve(file), modelFile(file));
        }
        Process python = new ProcessBuilder(PYTHON, ROOT.resolve("incubator-replica/src/test/resources/"
                + "xcopa_reference.py").toString(), ROOT.resolve("toolkits").toString(), model.toString(),
                SHARED.resolve("xcopa/val.zh.jsonl").toString(), Integer.toString(XCOPA_ITEMS))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(python.waitFor()).as(output).isZero();
        return JSON.readTree(output);
    }

    /** An export checked as 'incubator audit verify' and 'incubator eval verify' do, with the log's own key. */
    private boolean verifyExport(JsonNode export) throws Exception {
        JsonNode head = export.path("tree_head");
        TreeHead treeHead = new TreeHead(head.path("tree_size").asLong(), Base64.getDecoder().decode(head
                .path("root_hash").asText()), Instant.parse(head.path("timestamp").asText()), Base64.getDecoder()
                .decode(head.path("signature").asText()));
        String key = server.get("/api/v1/audit/public-key").expect(200).path("public_key").asText();
        List<AuditVerifier.Entry> entries = new ArrayList<>();
        for (JsonNode entry : export.path("entries")) {
            List<byte[]> path = new ArrayList<>();
            entry.path("audit_path").forEach(node -> path.add(Base64.getDecoder().decode(node.asText())));
            entries.add(new AuditVerifier.Entry(entry.path("leaf_index").asLong(), CanonicalJson.bytes(JSON
                    .convertValue(entry.path("event"), Map.class)), path));
        }
        return AuditVerifier.verify(treeHead, HeadSigner.publicKey(key), export.path("from").asLong(),
                export.path("to").asLong(), entries).valid();
    }
}
