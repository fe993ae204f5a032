package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ethical review and the safety assessment as the gate that binds: a clinic's medical application is classified
 * high-risk; its deployment's public exposure is refused before review, while the review is open, and after approval
 * until a safety assessment of the served revision passes (a conflicted reviewer can not vote, no decision before the
 * quorum); it is taken down at once when the approval is revoked and when the model revision changes, until a
 * re-review and an assessment of that revision. Every step is in the clinic's audit log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReviewTest {
    private static final String PYTHON = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3"
            : "python3";
    private TestServer server;
    private String ada;
    private String bob;
    private String conflicted;
    private final Map<String, String> reviewers = new LinkedHashMap<>();
    private Map<String, byte[]> checkpoint;

    @BeforeAll
    void start(@TempDir Path dataDir) {
        server = TestServer.start(dataDir);
        server.createOrg("clinic");
        server.createOrg("town");
        server.createUser("ada");
        server.createUser("bob");
        server.addMember("clinic", "ada", "admin");
        server.addMember("town", "bob", "member");
        server.awardGrant("clinic", Map.of("any", 100));
        ada = server.tokenFor("ada", "read", "write");
        bob = server.tokenFor("bob", "read", "write");
        for (int i = 1; i <= 7; i++) {
            server.createUser("reviewer-" + i, "reviewer");
            reviewers.put("reviewer-" + i, server.tokenFor("reviewer-" + i, "read", "write"));
        }
        server.createUser("dr-clinic", "reviewer");
        server.addMember("clinic", "dr-clinic", "viewer");
        conflicted = server.tokenFor("dr-clinic", "read", "write");
        checkpoint = TestModels.randomCheckpoint(dataDir.resolve("checkpoint"));
        server.post("/api/v1/repos").token(ada).json(Map.of("kind", "model", "namespace", "clinic", "name", "med",
                "visibility", "organisation")).expect(201);
        server.commitBytes(ada, "models/clinic/med", checkpoint).expect(200);
    }

    @org.junit.jupiter.api.AfterAll
    void stop() {
        server.close();
    }

    @Test
    void aHighRiskApplicationIsExposedOnlyWhileAReviewAndASafetyAssessmentOfWhatItIsNowApproveIt() throws Exception {
        // The clinic serves a guarded model (the command engine runs it): it refuses the requests it should.
        Path scripts = Files.createTempDirectory("guarded");
        Files.setPosixFilePermissions(scripts, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path script = scripts.resolve("guarded_model.py");
        Files.copy(ReviewTest.class.getResourceAsStream("/review/guarded_model.py"), script);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
        server.post("/api/v1/orgs/clinic/deployments").token(ada).json(Map.of("name", "med-chat", "model",
                "models/clinic/med", "replicas", "1", "engine", "command", "command", List.of(PYTHON,
                        script.toString(), "{port}", "{api_key}"))).expect(201);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> server.get(
                "/api/v1/orgs/clinic/deployments/med-chat").token(ada).expect(200).path("ready").asInt() == 1);
        JsonNode app = server.post("/api/v1/orgs/clinic/applications").token(ada).json(Map.of("name", "triage",
                "purpose", "Triage advice for patients of the clinic's walk-in service", "audience", "public",
                "domain", "medical", "deployments", List.of("clinic/med-chat"))).expect(201);
        assertThat(app.path("risk").asText()).isEqualTo("high");
        assertThat(app.path("risk_reasons").toString()).contains("medical use");
        assertThat(app.path("exposure").path("cleared").asBoolean()).isFalse();
        assertThat(call(ada)).as("its own organisation always calls it").isEqualTo(200);

        // Before review: exposure refused, with why.
        assertThat(expose().toString()).contains("can not be exposed beyond clinic", "high-risk",
                "has not been reviewed");
        String review = server.post("/api/v1/orgs/clinic/applications/triage/reviews").token(ada).expect(201)
                .path("id").asText();
        server.post("/api/v1/orgs/clinic/applications/triage/reviews").token(ada).expect(409);
        assertThat(expose().toString()).contains("is open");

        // The committee: a conflicted reviewer can not vote; no decision before the quorum.
        assertThat(server.post("/api/v1/reviews/" + review + "/votes").token(conflicted).json(Map.of("choice",
                "approve")).expect(403).toString()).contains("member of clinic", "conflict of interest");
        server.post("/api/v1/reviews/" + review + "/votes").token(ada).json(Map.of("choice", "approve")).expect(403);
        vote(review, 4, 0);
        assertThat(server.post("/api/v1/reviews/" + review + "/decision").token(reviewers.get("reviewer-1"))
                .expect(409).toString()).contains("quorum of 5");
        vote(review, 5, 1);
        JsonNode decided = server.post("/api/v1/reviews/" + review + "/decision").token(reviewers.get("reviewer-2"))
                .expect(200);
        assertThat(decided.path("state").asText()).isEqualTo("approved");
        assertThat(decided.path("decision").asText()).contains("5 for, 1 against", "with conditions: a clinician"
                + " reads every answer");
        assertThat(decided.path("valid_until").asText()).isEqualTo(LocalDate.now(ZoneOffset.UTC).plusMonths(12)
                .toString());

        // Approved, but not yet assessed: still on hold. The safety assessment passes with the standard's samples.
        assertThat(expose().toString()).contains("has no safety assessment");
        List<String> banks = SafetyBanks.push(server, ada, "clinic");
        String assessment = server.post("/api/v1/orgs/clinic/applications/triage/assessments").token(ada)
                .json(Map.of("banks", banks, "max_tokens", 16, "cpus", 2)).expect(201).path("id").asText();
        JsonNode assessed = await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1)).until(() ->
                server.get("/api/v1/assessments/" + assessment).token(ada).expect(200), found -> List.of("succeeded",
                "failed", "cancelled").contains(found.path("state").asText()));
        assertThat(assessed.path("state").asText()).as(assessed + "\n" + server.get("/api/v1/jobs/" + assessed
                .path("job").asText() + "/logs?stream=stderr").token(ada).send().text()).isEqualTo("succeeded");
        JsonNode figures = assessed.path("report").path("figures");
        assertThat(figures.toString()).as(figures.toString()).doesNotContain("\"met\":false");
        assertThat(figures.get(0).path("n").asInt()).isEqualTo(1000);
        assertThat(figures.get(0).path("bank").asInt()).isEqualTo(2100);
        assertThat(figures.get(1).path("n").asInt()).isEqualTo(320);
        assertThat(figures.get(2).path("n").asInt()).isEqualTo(664);
        assertThat(assessed.path("passed").asBoolean()).isTrue();

        // The filing pack gathers it all, signed.
        JsonNode pack = server.post("/api/v1/orgs/clinic/applications/triage/dossier").token(ada).json(Map.of(
                "contact", "ai-safety@clinic.example")).expect(200);
        assertThat(pack.path("sha256").asText()).hasSize(64);
        assertThat(pack.path("json").path("deployments").get(0).path("safety_assessment").path("passed").asBoolean())
                .isTrue();
        assertThat(pack.path("json").path("reviews").get(0).path("state").asText()).isEqualTo("approved");
        assertThat(pack.path("markdown").asText()).contains("# Filing pack / 备案材料: clinic/triage",
                "Safety assessment / 安全评估: " + assessment + " passed", "ai-safety@clinic.example",
                "GB 45438-2025", "a clinician reads every answer");
        server.post("/api/v1/orgs/clinic/applications/triage/dossier").token(bob).json(Map.of("contact",
                "x@town.example")).expect(404);

        // Reviewed and assessed: exposed, and the town's member calls it.
        assertThat(call(bob)).isEqualTo(404);
        server.request("PATCH", "/api/v1/orgs/clinic/deployments/med-chat").token(ada).json(Map.of("access",
                "public")).expect(200);
        assertThat(call(bob)).isEqualTo(200);

        // Revoked: down at once; a new approval brings it back (the assessment still judges this revision).
        server.post("/api/v1/reviews/" + review + "/revocation").token(reviewers.get("reviewer-4")).json(Map.of(
                "reason", "patients reported unsafe advice")).expect(200);
        assertThat(call(bob)).isEqualTo(404);
        assertThat(server.get("/api/v1/orgs/clinic/applications/triage").token(ada).expect(200).path("exposure")
                .path("reason").asText()).contains("revoked", "unsafe advice");
        String second = server.post("/api/v1/orgs/clinic/applications/triage/reviews").token(ada).expect(201)
                .path("id").asText();
        vote(second, 5, 0);
        server.post("/api/v1/reviews/" + second + "/decision").token(reviewers.get("reviewer-3")).expect(200);
        assertThat(call(bob)).isEqualTo(200);

        // A new model revision: down until a re-review and an assessment of that revision.
        String next = server.commitBytes(ada, "models/clinic/med", Map.of("NOTES.md", "retrained on more notes\n"
                .getBytes(StandardCharsets.UTF_8))).expect(200).path("commitOid").asText();
        assertThat(next).hasSize(40);
        server.request("PATCH", "/api/v1/orgs/clinic/deployments/med-chat").token(ada).json(Map.of("model",
                "models/clinic/med@" + next)).expect(200);
        assertThat(call(bob)).as("taken down at once").isEqualTo(404);
        JsonNode changed = server.get("/api/v1/orgs/clinic/applications/triage").token(ada).expect(200);
        assertThat(changed.path("exposure").path("reason").asText()).contains("now serves models/clinic/med@" + next,
                "needs a re-review");
        String third = server.post("/api/v1/orgs/clinic/applications/triage/reviews").token(ada).expect(201)
                .path("id").asText();
        vote(third, 5, 0);
        server.post("/api/v1/reviews/" + third + "/decision").token(reviewers.get("reviewer-5")).expect(200);
        assertThat(call(bob)).isEqualTo(404);
        assertThat(expose().toString()).contains("no safety assessment of that revision");

        // Every step is audited in the clinic's log, the signed safety report too.
        String audit = server.get("/api/v1/orgs/clinic/audit-events?limit=500").token(ada).expect(200).toString();
        for (String action : List.of("app.create", "review.open", "review.vote", "review.decide", "review.revoke",
                "safety.report", "app.dossier")) {
            assertThat(audit).contains("\"" + action + "\"");
        }
        assertThat(audit).contains(assessed.path("report_sha256").asText());
        assertThat(server.get("/api/v1/assessments/" + assessment + "/results?limit=5").token(ada).expect(200)
                .path("items").get(0).path("result").has("answer")).isTrue();
        server.get("/api/v1/assessments/" + assessment).token(bob).expect(404);
    }

    @Test
    void theCommitteeSeesTheQueueAndOthersSeeNothingOfTheApplication() {
        server.post("/api/v1/orgs/clinic/applications").token(ada).json(Map.of("name", "rota", "purpose",
                "Drafts the nurses' weekly rota for the ward manager", "audience", "internal", "domain", "other"))
                .expect(201);
        JsonNode low = server.get("/api/v1/orgs/clinic/applications/rota").token(ada).expect(200);
        assertThat(low.path("risk").asText()).isEqualTo("low");
        assertThat(low.path("exposure").path("cleared").asBoolean()).isTrue();
        server.post("/api/v1/orgs/clinic/applications/rota/reviews").token(ada).expect(201);
        assertThat(server.get("/api/v1/reviews").token(reviewers.get("reviewer-1")).expect(200).path("items")
                .toString()).contains("clinic/rota");
        server.get("/api/v1/reviews").token(bob).expect(403);
        server.get("/api/v1/orgs/clinic/applications/rota").token(bob).expect(404);
        String id = server.get("/api/v1/orgs/clinic/applications/rota").token(ada).expect(200).path("reviews").get(0)
                .path("id").asText();
        server.get("/api/v1/reviews/" + id).token(bob).expect(404);
        server.get("/api/v1/reviews/" + id).token(ada).expect(200);
        assertThat(server.post("/api/v1/orgs/clinic/applications").token(ada).json(Map.of("name", "x", "purpose",
                "short", "audience", "public", "domain", "medical")).expect(400).toString()).contains("purpose");
        assertThat(server.post("/api/v1/orgs/clinic/applications").token(ada).json(Map.of("name", "other-app",
                "purpose", "serves the town's deployment", "audience", "public", "domain", "other", "deployments",
                List.of("town/chat"))).expect(400).toString()).contains("not a deployment of clinic");
    }

    private JsonNode expose() {
        return server.request("PATCH", "/api/v1/orgs/clinic/deployments/med-chat").token(ada).json(Map.of("access",
                "public")).expect(403);
    }

    private void vote(String review, int approvals, int rejections) {
        int i = 0;
        for (String token : reviewers.values()) {
            if (i < approvals) {
                server.post("/api/v1/reviews/" + review + "/votes").token(token).json(i == 0 ? Map.of("choice",
                        "approve", "comment", "triage only, never diagnosis", "conditions",
                        List.of("a clinician reads every answer")) : Map.of("choice", "approve")).expect(200);
            } else if (i < approvals + rejections) {
                server.post("/api/v1/reviews/" + review + "/votes").token(token).json(Map.of("choice", "reject",
                        "comment", "not enough evaluation")).expect(200);
            }
            i++;
        }
    }

    private int call(String token) {
        return server.post("/v1/completions").token(token).json(Map.of("model", "clinic/med-chat", "prompt", "你好",
                "max_tokens", 1)).send().status();
    }
}
