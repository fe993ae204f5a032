package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gated dataset under data-use agreements: every download path (native, Hugging Face resolve, LFS batch) asks
 * the agreement; pending, denied, revoked, expired, compute-only and purpose-mismatched access is refused with a
 * 403 that names the agreement; approved reads are audited and reported to the owner.
 */
class AccessApiTest {
    @TempDir
    Path dataDir;
    private final MutableClock clock = new MutableClock(Instant.now());
    private TestServer server;
    private String owner;
    private String researcher;
    private static final String FILE = "/api/v1/repos/dataset/hospital/stroke-notes/files/main/notes.txt";
    private static final String RESOLVE = "/datasets/hospital/stroke-notes/resolve/main/notes.txt";
    private static final String REQUESTS = "/api/v1/repos/dataset/hospital/stroke-notes/access-requests";

    @BeforeEach
    void start() {
        server = TestServer.start(dataDir, clock, Optional.empty());
        server.createOrg("hospital");
        server.createOrg("uni");
        server.createUser("steward");
        server.createUser("ada");
        server.addMember("hospital", "steward", "steward");
        server.addMember("uni", "ada", "member");
        owner = server.tokenFor("steward", "read", "write");
        researcher = server.tokenFor("ada", "read", "write");
        server.post("/api/v1/repos").token(owner).json(Map.of("kind", "dataset", "namespace", "hospital",
                "name", "stroke-notes", "visibility", "gated")).expect(201);
        server.commit(owner, "datasets/hospital/stroke-notes", Map.of("notes.txt", "patient notes")).expect(200);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void anApprovedAgreementOpensEveryDownloadPathUntilItIsRevoked() {
        assertDenied("request access");
        String id = request("health-medical-research");
        assertDenied("pending");

        JsonNode approved = server.post(REQUESTS + "/" + id + "/approve").token(owner).json(Map.of(
                "expires_on", today().plusDays(30).toString(), "mode", "download", "attribution", "Cite Hospital 2026"))
                .expect(200);
        assertThat(approved.path("state").asText()).isEqualTo("approved");
        TestServer.Response read = server.get(FILE).token(researcher).send();
        assertThat(new String(read.body(), StandardCharsets.UTF_8)).isEqualTo("patient notes");
        assertThat(read.header("X-Incubator-Agreement")).as("the terms travel with the data").hasValue(id);
        assertThat(read.header("X-Incubator-Terms")).hasValue("no-redistribution; attribution: Cite Hospital 2026");
        assertThat(server.get(RESOLVE).token(researcher).send().header("X-Incubator-Terms"))
                .hasValue("no-redistribution; attribution: Cite Hospital 2026");
        assertThat(server.get(RESOLVE).token(researcher).send().status()).isEqualTo(200);
        assertThat(server.get(FILE).token(researcher).header("X-Incubator-Purpose", "commercial-use").send()
                .json().path("detail").asText()).contains(id).contains("not commercial-use");

        assertThat(server.get(FILE).token(owner).send().status()).as("its own organisation").isEqualTo(200);
        JsonNode report = server.get("/api/v1/repos/dataset/hospital/stroke-notes/access-report").token(owner)
                .expect(200);
        assertThat(report.path("reads").findValuesAsText("agreement")).contains(id);
        assertThat(report.path("reads").findValuesAsText("actor")).contains("user:ada", "user:steward");
        assertThat(report.path("reads").findValuesAsText("basis")).as("every read of gated data, members' too")
                .contains("a member of its organisation");
        assertThat(server.get("/api/v1/repos/dataset/hospital/stroke-notes/access-report").token(researcher).send()
                .status()).isEqualTo(403);

        server.post(REQUESTS + "/" + id + "/revoke").token(owner).json(Map.of("reason", "the study ended"))
                .expect(200);
        String revoked = assertDenied("revoked");
        assertThat(revoked).contains(id).contains("the study ended");
    }

    @Test
    void aComputeOnlyGranteeCanNotDownloadThroughAnyPath() throws Exception {
        String id = request("general-research");
        server.post(REQUESTS + "/" + id + "/approve").token(owner).json(Map.of(
                "expires_on", today().plusDays(30).toString(), "mode", "compute-only")).expect(200);
        assertThat(assertDenied("compute-only")).contains(id);
        // Inside a job on the platform, with the job's own credential, the same data reads fine.
        server.awardGrant("uni", Map.of("any", 10));
        String script = "curl -s -H \"Authorization: Bearer $INCUBATOR_JOB_TOKEN\" \"$INCUBATOR_URL" + FILE + "\"; echo;"
                + " echo \"token=$INCUBATOR_JOB_TOKEN\"";
        String job = server.post("/api/v1/orgs/uni/jobs").token(researcher).json(Map.of("name", "read-notes",
                "command", List.of("bash", "-c", script))).expect(201).path("id").asText();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> server.get("/api/v1/orgs/uni/jobs/"
                + job).token(researcher).expect(200).path("state").asText().equals("succeeded"));
        String log = server.get("/api/v1/orgs/uni/jobs/" + job + "/logs").token(researcher).send().text();
        assertThat(log).contains("patient notes");
        String jobToken = log.substring(log.indexOf("token=") + 6).strip();
        assertThat(server.get(FILE).token(jobToken).send().status()).as("the credential ends with the job")
                .isEqualTo(401);
        JsonNode report = server.get("/api/v1/repos/dataset/hospital/stroke-notes/access-report").token(owner)
                .expect(200);
        assertThat(report.path("reads").findValuesAsText("channel")).contains("job");

        JsonNode batch = server.post("/datasets/hospital/stroke-notes.git/info/lfs/objects/batch").token(researcher)
                .json(Map.of("operation", "download", "objects", List.of(Map.of("oid",
                        "0".repeat(64), "size", 1)))).send().json();
        assertThat(batch.toString()).contains("compute-only");
    }

    @Test
    void everyDenialIsAuditedWithItsReasonEvenWhenItAnswersNotFound() {
        String id = request("general-research");
        server.get(FILE).token(researcher).expect(403);
        server.post("/api/v1/repos").token(owner).json(Map.of("kind", "model", "namespace", "hospital", "name",
                "triage", "visibility", "private")).expect(201);
        server.get("/api/v1/repos/model/hospital/triage").token(researcher).expect(404);
        server.post(REQUESTS + "/" + id + "/approve").token(server.operatorToken()).json(Map.of(
                "expires_on", today().plusDays(30).toString(), "mode", "download")).expect(403);

        JsonNode denials = server.get("/api/v1/audit-events?limit=200").token(server.operatorToken()).expect(200)
                .path("items");
        List<JsonNode> denied = new java.util.ArrayList<>();
        denials.forEach(event -> {
            if (event.path("action").asText().equals("access.deny")) {
                denied.add(event);
            }
        });
        assertThat(denied).extracting(event -> event.path("details").path("action").asText())
                .contains("repo_read", "repo_see", "access_decide");
        JsonNode read = denied.stream().filter(event -> event.path("details").path("action").asText()
                .equals("repo_read")).findFirst().orElseThrow();
        assertThat(read.path("actor").asText()).isEqualTo("user:ada");
        assertThat(read.path("outcome").asText()).isEqualTo("denied");
        assertThat(read.path("details").path("agreement").asText()).isEqualTo(id);
        assertThat(read.path("details").path("detail").asText()).contains("still pending");
        JsonNode hidden = denied.stream().filter(event -> event.path("details").path("action").asText()
                .equals("repo_see")).findFirst().orElseThrow();
        assertThat(hidden.path("details").path("status").asText()).isEqualTo("404");
        assertThat(hidden.path("details").path("repository").asText()).isEqualTo("models/hospital/triage");
    }

    @Test
    void aComputeOnlyGranteeMountsTheDatasetIntoAJobUntilTheAgreementIsRevoked() {
        String id = request("general-research");
        server.post(REQUESTS + "/" + id + "/approve").token(owner).json(Map.of(
                "expires_on", today().plusDays(30).toString(), "mode", "compute-only")).expect(200);
        server.awardGrant("uni", Map.of("any", 10));
        String notes = "$INCUBATOR_MOUNTS/datasets/hospital/stroke-notes/notes.txt";
        Map<String, Object> spec = Map.of("name", "mounted", "mounts", List.of("datasets/hospital/stroke-notes@main"),
                "command", List.of("bash", "-c", "cat \"" + notes + "\"; echo; echo \"mode=$(stat -c %a \""
                        + notes + "\")\""));
        String job = server.post("/api/v1/orgs/uni/jobs").token(researcher).json(spec).expect(201).path("id").asText();
        JsonNode done = awaitEnd(job);
        assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("succeeded");
        assertThat(server.get("/api/v1/orgs/uni/jobs/" + job + "/logs").token(researcher).send().text())
                .contains("patient notes").contains("mode=440");
        JsonNode report = server.get("/api/v1/repos/dataset/hospital/stroke-notes/access-report").token(owner)
                .expect(200);
        assertThat(report.path("reads").findValuesAsText("channel")).contains("job");

        server.post(REQUESTS + "/" + id + "/revoke").token(owner).json(Map.of("reason", "consent withdrawn"))
                .expect(200);
        // Checked at submit: the job is refused at once, naming the mount and why, instead of failing later.
        JsonNode refused = server.post("/api/v1/orgs/uni/jobs").token(researcher).json(spec).expect(400);
        assertThat(refused.path("errors").findValuesAsText("field")).contains("mounts");
        assertThat(refused.path("detail").asText()).contains("mount datasets/hospital/stroke-notes@main")
                .contains("was revoked").contains("consent withdrawn");

        JsonNode malformed = server.post("/api/v1/orgs/uni/jobs").token(researcher).json(Map.of("name", "bad",
                "command", List.of("true"), "mounts", List.of("hospital/stroke-notes"))).expect(400);
        assertThat(malformed.path("errors").findValuesAsText("field")).contains("mounts");
    }

    private JsonNode awaitEnd(String job) {
        JsonNode[] last = new JsonNode[1];
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            last[0] = server.get("/api/v1/orgs/uni/jobs/" + job).token(researcher).expect(200);
            return List.of("succeeded", "failed", "cancelled", "timeout").contains(last[0].path("state").asText());
        });
        return last[0];
    }

    @Test
    void anAgreementEndsAfterItsLastDay() {
        String id = request("health-medical-research");
        server.post(REQUESTS + "/" + id + "/approve").token(owner).json(Map.of(
                "expires_on", today().plusDays(2).toString(), "mode", "download")).expect(200);
        assertThat(server.get(FILE).token(researcher).send().status()).isEqualTo(200);
        clock.advance(Duration.ofDays(3));
        assertThat(assertDenied("expired")).contains(id);
    }

    @Test
    void aDeniedRequestSaysWhyAndOnlyTheRequesterAndOwnerSeeRequests() {
        String id = request("general-research");
        server.post(REQUESTS + "/" + id + "/deny").token(owner).json(Map.of("reason", "not a research project"))
                .expect(200);
        assertThat(assertDenied("denied")).contains("not a research project");
        assertThat(server.get(REQUESTS).token(owner).expect(200).path("items").findValuesAsText("id")).contains(id);
        server.createUser("eve");
        String eve = server.tokenFor("eve", "read", "write");
        assertThat(server.get(REQUESTS).token(eve).expect(200).path("items")).isEmpty();
        assertThat(server.post(REQUESTS + "/" + id + "/approve").token(researcher).json(Map.of(
                "expires_on", today().plusDays(3).toString(), "mode", "download")).send().status()).isEqualTo(403);
        assertThat(server.get("/api/v1/access-requests").token(researcher).expect(200).path("items")
                .findValuesAsText("state")).containsExactly("denied");
    }

    @Test
    void badRequestsAreRefusedWithTheFieldNamed() {
        JsonNode problem = server.post(REQUESTS).token(researcher).json(Map.of("purpose", "world-domination",
                "justification", "a long enough justification of the study")).expect(400);
        assertThat(problem.path("errors").findValuesAsText("field")).containsExactly("purpose");
        JsonNode brief = server.post(REQUESTS).token(researcher).json(Map.of("purpose", "general-research",
                "justification", "short")).expect(400);
        assertThat(brief.path("errors").findValuesAsText("field")).containsExactly("justification");
        String id = request("general-research");
        JsonNode past = server.post(REQUESTS + "/" + id + "/approve").token(owner).json(Map.of(
                "expires_on", today().minusDays(1).toString(), "mode", "download")).expect(400);
        assertThat(past.path("errors").findValuesAsText("field")).contains("expires_on");
        assertThat(server.post(REQUESTS).token(researcher).json(Map.of("purpose", "general-research",
                "justification", "a second request while the first waits")).send().status()).isEqualTo(409);
    }

    @Test
    void aFineTuneOfRestrictedDataCanNotBePublishedUntilTheUpstreamOwnerAllowsIt() {
        server.createUser("bob");
        server.createOrg("startup");
        server.addMember("uni", "bob", "admin");
        server.addMember("startup", "bob", "admin");
        String bob = server.tokenFor("bob", "read", "write");
        server.post("/api/v1/repos").token(bob).json(Map.of("kind", "model", "namespace", "uni", "name", "med-llm",
                "visibility", "organisation")).expect(201);
        commitCard(bob, "models/uni/med-llm", "---\nlicense: apache-2.0\ndatasets: [hospital/stroke-notes]\n---\n");
        server.post("/api/v1/repos").token(bob).json(Map.of("kind", "model", "namespace", "startup", "name",
                "med-chat", "visibility", "organisation")).expect(201);
        commitCard(bob, "models/startup/med-chat", "---\nbase_model: uni/med-llm\n---\n");

        JsonNode refused = server.request("PATCH", "/api/v1/repos/model/startup/med-chat").token(bob)
                .json(Map.of("visibility", "public")).expect(403);
        assertThat(refused.path("detail").asText()).contains("publishing models/startup/med-chat is refused")
                .contains("no-redistribution from datasets/hospital/stroke-notes (gated")
                .contains("via models/uni/med-llm");
        JsonNode lineage = server.get("/api/v1/repos/model/startup/med-chat/lineage").token(bob).expect(200);
        assertThat(lineage.path("inherited").findValuesAsText("source")).contains("datasets/hospital/stroke-notes");

        server.post("/api/v1/repos/dataset/hospital/stroke-notes/lineage-exceptions").token(owner).json(Map.of(
                "downstream", "models/uni/med-llm", "reason", "de-identified summary model, approved by the board"))
                .expect(204);
        server.request("PATCH", "/api/v1/repos/model/uni/med-llm").token(bob).json(Map.of("visibility", "public"))
                .expect(200);
        server.request("PATCH", "/api/v1/repos/model/startup/med-chat").token(bob).json(Map.of("visibility", "public"))
                .expect(200);

        server.post("/api/v1/repos").token(bob).json(Map.of("kind", "model", "namespace", "startup", "name",
                "open-model", "visibility", "public")).expect(201);
        JsonNode card = server.commit(bob, "models/startup/open-model", Map.of("README.md",
                "---\ndatasets: [hospital/stroke-notes]\n---\n")).expect(403);
        assertThat(card.path("detail").asText()).contains("datasets/hospital/stroke-notes");
    }

    @Test
    void aFineTuneOfNonCommercialDataMayNotBeGatedOrSharedForCommercialUse() {
        server.post("/api/v1/repos").token(owner).json(Map.of("kind", "dataset", "namespace", "hospital", "name",
                "triage-corpus", "visibility", "public")).expect(201);
        commitCard(owner, "datasets/hospital/triage-corpus", "---\nlicense: cc-by-nc-4.0\n---\n");
        server.createUser("carol");
        server.addMember("uni", "carol", "admin");
        String carol = server.tokenFor("carol", "read", "write");
        server.post("/api/v1/repos").token(carol).json(Map.of("kind", "model", "namespace", "uni", "name",
                "triage-tune", "visibility", "organisation")).expect(201);
        commitCard(carol, "models/uni/triage-tune", "---\ndatasets: [hospital/triage-corpus]\n"
                + "gated_purposes: [general-research, commercial-use]\n---\n");

        JsonNode published = server.request("PATCH", "/api/v1/repos/model/uni/triage-tune").token(carol)
                .json(Map.of("visibility", "public")).expect(403);
        assertThat(published.path("detail").asText()).contains("publishing models/uni/triage-tune is refused: it "
                + "inherits non-commercial from datasets/hospital/triage-corpus (licence cc-by-nc-4.0)");
        JsonNode refused = server.request("PATCH", "/api/v1/repos/model/uni/triage-tune").token(carol)
                .json(Map.of("visibility", "gated")).expect(403);
        assertThat(refused.path("detail").asText()).contains("gating models/uni/triage-tune for commercial use is "
                + "refused: it inherits non-commercial from datasets/hospital/triage-corpus (licence cc-by-nc-4.0)");

        commitCard(carol, "models/uni/triage-tune", "---\ndatasets: [hospital/triage-corpus]\n"
                + "gated_purposes: [general-research, method-development]\ngated_mode: compute-only\n"
                + "gated_conditions: No attempt to re-identify patients; cite Uni Triage 2026.\n---\n");
        server.request("PATCH", "/api/v1/repos/model/uni/triage-tune").token(carol).json(Map.of("visibility", "gated"))
                .expect(200);
        TestServer.Response typo = server.commit(carol, "models/uni/triage-tune", Map.of("README.md",
                "---\ngated_purposes: [fun]\n---\n")).send();
        assertThat(typo.status()).isEqualTo(400);
        assertThat(typo.text()).contains("README.md:gated_purposes");

        String requests = "/api/v1/repos/model/uni/triage-tune/access-requests";
        server.createUser("eve");
        String eve = server.tokenFor("eve", "read", "write");
        JsonNode commercial = server.post(requests).token(eve).json(Map.of("purpose", "commercial-use",
                "justification", "a triage assistant for a chain of private clinics")).expect(400);
        assertThat(commercial.path("detail").asText()).contains("considers requests for general-research, "
                + "method-development only");
        JsonNode asked = server.post(requests).token(eve).json(Map.of("purpose", "method-development",
                "justification", "comparing triage fine-tuning methods on held-out data")).expect(201);
        assertThat(asked.path("conditions").asText()).startsWith("No attempt to re-identify patients");
        String id = asked.path("id").asText();

        JsonNode sell = server.post(requests + "/" + id + "/approve").token(carol).json(Map.of("expires_on",
                today().plusDays(30).toString(), "purposes", List.of("method-development", "commercial-use")))
                .expect(403);
        assertThat(sell.path("detail").asText()).contains("sharing models/uni/triage-tune for commercial use is "
                + "refused").contains("non-commercial from datasets/hospital/triage-corpus");
        JsonNode approved = server.post(requests + "/" + id + "/approve").token(carol).json(Map.of("expires_on",
                today().plusDays(30).toString())).expect(200);
        assertThat(approved.path("mode").asText()).as("the card's gated_mode").isEqualTo("compute-only");
    }

    private void commitCard(String token, String repo, String readme) {
        server.commit(token, repo, Map.of("README.md", readme)).expect(200);
    }

    private String request(String purpose) {
        return server.post(REQUESTS).token(researcher).json(Map.of("purpose", purpose,
                "justification", "outcomes of stroke care across three provinces")).expect(201).path("id").asText();
    }

    /** Every download path refuses the researcher with a 403 whose detail contains {@code words}; returns it. */
    private String assertDenied(String words) {
        TestServer.Response native_ = server.get(FILE).token(researcher).send();
        TestServer.Response resolve = server.get(RESOLVE).token(researcher).send();
        assertThat(native_.status()).as(native_.text()).isEqualTo(403);
        assertThat(resolve.status()).as(resolve.text()).isEqualTo(403);
        String detail = native_.json().path("detail").asText();
        assertThat(detail).contains(words);
        assertThat(resolve.json().path("detail").asText()).isEqualTo(detail);
        return detail;
    }

    private LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }
}
