package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training on sensitive data needs an approved ethical review: a clinic's dataset marked {@code sensitive: [health,
 * personal-information]} can not be mounted, nor read with a job's credential, by a job until an application of the
 * clinic naming it is approved by the committee; the refusal says why and what to do at each step (no application,
 * not reviewed, review open); once approved the job reads it and the read is audited with the review; a revoked
 * approval refuses the next job at once. Members still download it (the read rules decide outside jobs).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SensitiveDataTest {
    private static final String NOTES = "datasets/clinic/notes";
    private static final String FILE = "/api/v1/repos/dataset/clinic/notes/files/main/notes.txt";
    private TestServer server;
    private String ada;
    private final List<String> committee = new java.util.ArrayList<>();

    @BeforeAll
    void start(@TempDir Path dataDir) {
        server = TestServer.start(dataDir);
        server.createOrg("clinic");
        server.createUser("ada");
        server.addMember("clinic", "ada", "admin");
        server.awardGrant("clinic", Map.of("any", 10));
        ada = server.tokenFor("ada", "read", "write");
        for (int i = 1; i <= 7; i++) {
            server.createUser("ethicist-" + i, "reviewer");
            committee.add(server.tokenFor("ethicist-" + i, "read", "write"));
        }
        server.post("/api/v1/repos").token(ada).json(Map.of("kind", "dataset", "namespace", "clinic", "name", "notes",
                "visibility", "organisation")).expect(201);
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void aCardMarksTheKindsOfSensitiveDataFromAFixedVocabulary() {
        JsonNode refused = server.commit(ada, NOTES, Map.of("README.md", "---\nsensitive: [health, gossip]\n---\n"))
                .expect(400);
        assertThat(refused.toString()).contains("README.md:sensitive", "'gossip' is not a kind of sensitive data",
                "personal-information");
    }

    @Test
    void aJobTrainsOnSensitiveDataOnlyUnderAnApprovedReviewOfAnApplicationThatNamesIt() {
        server.commit(ada, NOTES, Map.of("README.md", "---\nsensitive: [health, personal-information]\n---\n# Notes\n",
                "notes.txt", "patient 17: chest pain")).expect(200);
        Map<String, Object> training = Map.of("name", "fine-tune", "mounts", List.of(NOTES), "command", List.of("bash",
                "-c", "cat $INCUBATOR_MOUNTS/datasets/clinic/notes/notes.txt"));

        // No application names it: refused at submit, with what to do.
        assertThat(refusal(training)).contains("datasets/clinic/notes holds sensitive data (health,"
                + " personal-information)", "none of clinic's applications names it",
                "incubator app create clinic/NAME --dataset datasets/clinic/notes");
        // A job's own credential is held to the same rule: no read through the API either.
        String peek = submit(Map.of("name", "peek", "command", List.of("bash", "-c", "curl -s -o /dev/null -w"
                + " 'status=%{http_code}' -H \"Authorization: Bearer $INCUBATOR_JOB_TOKEN\" \"$INCUBATOR_URL" + FILE
                + "\"")));
        assertThat(log(peek)).contains("status=403");
        // Outside jobs the read rules decide: the clinic's member downloads its own data.
        assertThat(server.get(FILE).token(ada).send().text()).isEqualTo("patient 17: chest pain");

        server.post("/api/v1/orgs/clinic/applications").token(ada).json(Map.of("name", "triage", "purpose",
                "Triage advice for the clinic's nurses, trained on its own notes", "audience", "internal",
                "domain", "medical", "datasets", List.of(NOTES))).expect(201);
        assertThat(refusal(training)).contains("application clinic/triage names it but has not been reviewed",
                "incubator app review clinic/triage");
        String review = server.post("/api/v1/orgs/clinic/applications/triage/reviews").token(ada).expect(201)
                .path("id").asText();
        assertThat(refusal(training)).contains("review " + review + " of clinic/triage is open",
                "submit again once the committee approves it");

        for (int i = 0; i < 5; i++) {
            server.post("/api/v1/reviews/" + review + "/votes").token(committee.get(i)).json(Map.of("choice",
                    "approve", "comment", "consented notes, de-identified")).expect(200);
        }
        server.post("/api/v1/reviews/" + review + "/decision").token(committee.get(0)).expect(200);
        String job = submit(training);
        assertThat(log(job)).contains("patient 17: chest pain");
        String viaApi = submit(Map.of("name", "peek-again", "command", List.of("bash", "-c", "curl -s -H"
                + " \"Authorization: Bearer $INCUBATOR_JOB_TOKEN\" \"$INCUBATOR_URL" + FILE + "\"")));
        assertThat(log(viaApi)).contains("patient 17: chest pain");
        JsonNode audit = server.get("/api/v1/orgs/clinic/audit-events?limit=200").token(ada).expect(200);
        List<JsonNode> reads = new java.util.ArrayList<>();
        audit.path("items").forEach(event -> {
            if (event.path("action").asText().equals("hub.read.sensitive")) {
                reads.add(event);
            }
        });
        assertThat(reads).as(audit.toString()).isNotEmpty();
        assertThat(reads.get(0).path("details").path("review").asText()).isEqualTo(review);
        assertThat(reads.get(0).path("details").path("application").asText()).isEqualTo("clinic/triage");
        assertThat(reads.stream().map(event -> event.path("details").path("job").asText())).contains(job, viaApi);

        // A new purpose is not what the committee approved: training waits for a re-review.
        JsonNode changed = server.request("PATCH", "/api/v1/orgs/clinic/applications/triage").token(ada).json(Map.of(
                "purpose", "Marketing follow-ups to the clinic's patients, trained on its notes")).expect(200);
        assertThat(changed.path("current").path("purpose").asText()).startsWith("Marketing");
        assertThat(refusal(training)).contains("the purpose of clinic/triage changed since review " + review);
        assertThat(server.request("PATCH", "/api/v1/orgs/clinic/applications/triage").token(ada).json(Map.of(
                "datasets", List.of("datasets/clinic/nowhere"))).expect(404).toString()).contains("nowhere");
        assertThat(server.get("/api/v1/orgs/clinic/audit-events?limit=200").token(ada).expect(200).toString())
                .contains("app.update");
        server.request("PATCH", "/api/v1/orgs/clinic/applications/triage").token(ada).json(Map.of("purpose",
                "Triage advice for the clinic's nurses, trained on its own notes")).expect(200);
        assertThat(log(submit(training))).as("the approved purpose again").contains("patient 17: chest pain");

        // Revoked: the next job is refused at once.
        server.post("/api/v1/reviews/" + review + "/revocation").token(committee.get(1)).json(Map.of("reason",
                "consent withdrawn by the patients' council")).expect(200);
        assertThat(refusal(training)).contains("the approval of clinic/triage was revoked",
                "consent withdrawn by the patients' council");
    }

    @Test
    void theFilingPackListsEachDataSourcesSensitivityAndTheAgreementsItsMembersUseItUnder() {
        server.createOrg("hospital");
        server.createUser("steward");
        server.addMember("hospital", "steward", "steward");
        String steward = server.tokenFor("steward", "read", "write");
        server.post("/api/v1/repos").token(steward).json(Map.of("kind", "dataset", "namespace", "hospital", "name",
                "stroke", "visibility", "gated")).expect(201);
        server.commit(steward, "datasets/hospital/stroke", Map.of("README.md", "---\nlicense: cc-by-nc-4.0\n"
                + "sensitive: [health]\n---\n", "notes.txt", "stroke notes")).expect(200);
        String request = server.post("/api/v1/repos/dataset/hospital/stroke/access-requests").token(ada).json(Map.of(
                "purpose", "health-medical-research", "justification", "triage of stroke symptoms")).expect(201)
                .path("id").asText();
        server.post("/api/v1/repos/dataset/hospital/stroke/access-requests/" + request + "/approve").token(steward)
                .json(Map.of("expires_on", java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusDays(90).toString(),
                        "mode", "compute-only")).expect(200);
        server.post("/api/v1/orgs/clinic/applications").token(ada).json(Map.of("name", "stroke-triage", "purpose",
                "Stroke symptom triage for the clinic's nurses", "audience", "internal", "domain", "medical",
                "datasets", List.of("datasets/hospital/stroke"))).expect(201);
        JsonNode pack = server.post("/api/v1/orgs/clinic/applications/stroke-triage/dossier").token(ada).json(Map.of(
                "contact", "dpo@clinic.example")).expect(200);
        JsonNode source = pack.path("json").path("datasets").get(0);
        assertThat(source.path("sensitive").toString()).isEqualTo("[\"health\"]");
        assertThat(source.path("agreements").get(0).path("agreement").asText()).isEqualTo(request);
        assertThat(source.path("agreements").get(0).path("mode").asText()).isEqualTo("compute-only");
        assertThat(pack.path("markdown").asText()).contains("Agreements / 数据使用协议", request + " (ada, approved,"
                + " health-medical-research, compute-only, until");
    }

    private String refusal(Map<String, Object> spec) {
        JsonNode refused = server.post("/api/v1/orgs/clinic/jobs").token(ada).json(spec).expect(400);
        assertThat(refused.path("errors").findValuesAsText("field")).contains("mounts");
        return refused.path("detail").asText();
    }

    private String submit(Map<String, Object> spec) {
        return server.post("/api/v1/orgs/clinic/jobs").token(ada).json(spec).expect(201).path("id").asText();
    }

    private String log(String job) {
        await().atMost(Duration.ofSeconds(30)).until(() -> List.of("succeeded", "failed", "cancelled")
                .contains(server.get("/api/v1/orgs/clinic/jobs/" + job).token(ada).expect(200).path("state")
                        .asText()));
        return server.get("/api/v1/orgs/clinic/jobs/" + job + "/logs").token(ada).send().text();
    }
}
