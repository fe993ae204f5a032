package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
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
 * Every user's inbox: the people who must act are told (a steward of an access request, the requester of the
 * decision, an organisation's admins of grant thresholds, operators of an exhausted grant, a submitter of a failed
 * job), in English or Chinese; nobody reads another's notices or those of an organisation they left.
 */
class InboxTest {
    private static final String REQUESTS = "/api/v1/repos/dataset/hospital/stroke-notes/access-requests";

    @TempDir
    Path dataDir;
    private final MutableClock clock = new MutableClock(Instant.now());
    private TestServer server;
    private String steward;
    private String ada;
    private String boss;
    private String eve;

    @BeforeEach
    void start() {
        server = TestServer.start(dataDir, clock, Optional.empty(), Optional.empty(), config ->
                config.withNotifications(config.notifications().withInterval(Duration.ofMillis(100))));
        server.createOrg("hospital");
        server.createOrg("uni");
        server.createOrg("rivals");
        for (String user : List.of("steward", "ada", "boss", "eve")) {
            server.createUser(user);
        }
        server.addMember("hospital", "steward", "steward");
        server.addMember("uni", "ada", "member");
        server.addMember("uni", "boss", "admin");
        server.addMember("rivals", "eve", "admin");
        steward = server.tokenFor("steward", "read", "write");
        ada = server.tokenFor("ada", "read", "write");
        boss = server.tokenFor("boss", "read", "write");
        eve = server.tokenFor("eve", "read", "write");
        server.post("/api/v1/repos").token(steward).json(Map.of("kind", "dataset", "namespace", "hospital",
                "name", "stroke-notes", "visibility", "gated")).expect(201);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aStewardIsToldOfAnAccessRequestAndTheRequesterOfTheDecision() {
        String request = requestAccess();
        JsonNode notice = awaitNotice(steward, "access.request");
        assertThat(notice.path("title").asText()).isEqualTo("ada asks for access to datasets/hospital/stroke-notes");
        assertThat(notice.path("body").asText()).contains("Purpose: health-medical-research")
                .contains("incubator access approve datasets/hospital/stroke-notes " + request);
        assertThat(notice.path("organisation").asText()).isEqualTo("hospital");
        assertThat(notice.path("read").asBoolean()).isFalse();
        assertThat(server.get("/api/v1/inbox?lang=zh").token(steward).expect(200).path("items").get(0)
                .path("title").asText()).isEqualTo("ada 申请访问 datasets/hospital/stroke-notes");
        assertThat(server.get("/api/v1/inbox").token(steward).header("Accept-Language", "zh-CN,zh;q=0.9")
                .expect(200).path("items").get(0).path("title").asText()).contains("申请访问");
        assertThat(inbox(ada)).as("the requester is not told of their own request").isEmpty();

        server.post(REQUESTS + "/" + request + "/approve").token(steward).json(Map.of("expires_on",
                LocalDate.now(ZoneOffset.UTC).plusDays(30).toString(), "mode", "download")).expect(200);
        JsonNode decision = awaitNotice(ada, "access.decision");
        assertThat(decision.path("title").asText())
                .isEqualTo("Your access request to datasets/hospital/stroke-notes was approved");
        assertThat(decision.path("body").asText()).contains("Decided by steward").contains("valid until");
        assertThat(inbox(steward)).as("the steward is not told of their own decision").hasSize(1);

        assertThat(count(steward)).isEqualTo(1);
        JsonNode marked = server.post("/api/v1/inbox/read").token(steward)
                .json(Map.of("ids", List.of(notice.path("id").asText()))).expect(200);
        assertThat(marked.path("marked").asInt()).isEqualTo(1);
        assertThat(marked.path("unread").asInt()).isZero();
        assertThat(server.get("/api/v1/inbox?unread=true").token(steward).expect(200).path("items")).isEmpty();
        assertThat(inbox(steward).get(0).path("read").asBoolean()).isTrue();
        assertThat(server.post("/api/v1/inbox/read-all").token(ada).expect(200).path("marked").asInt()).isOne();
    }

    @Test
    void nobodyReadsAnotherUsersNoticesOrThoseOfAnOrganisationTheyLeft() {
        requestAccess();
        JsonNode notice = awaitNotice(steward, "access.request");
        String id = notice.path("id").asText();

        assertThat(inbox(eve)).isEmpty();
        assertThat(server.post("/api/v1/inbox/read").token(eve).json(Map.of("ids", List.of(id))).expect(200)
                .path("marked").asInt()).as("another user's notice changes nothing").isZero();
        assertThat(count(steward)).isEqualTo(1);
        assertThat(server.get("/api/v1/inbox").send().status()).isEqualTo(401);
        String readOnly = server.tokenFor("steward", "read");
        assertThat(server.post("/api/v1/inbox/read-all").token(readOnly).send().status()).isEqualTo(403);
        JsonNode invalid = server.post("/api/v1/inbox/read").token(steward).json(Map.of("ids", List.of("x")))
                .expect(400);
        assertThat(invalid.path("errors").get(0).path("message").asText()).contains("is not a notice id");
        assertThat(server.get("/api/v1/inbox?kind=gossip").token(steward).expect(400).path("errors").get(0)
                .path("message").asText()).contains("access.request");

        // A job acts for one organisation: its credential does not reach the submitter's inbox, which holds notices
        // of every organisation they belong to.
        server.addMember("uni", "steward", "member");
        String script = "for path in inbox inbox/count; do curl -s -o /dev/null -w '%{http_code} ' -H"
                + " \"Authorization: Bearer $INCUBATOR_JOB_TOKEN\" \"$INCUBATOR_URL/api/v1/$path\"; done";
        String job = server.post("/api/v1/orgs/uni/jobs").token(steward).json(Map.of("name", "snoop",
                "command", List.of("bash", "-c", script))).expect(201).path("id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> server.get("/api/v1/orgs/uni/jobs/" + job).token(steward)
                .expect(200).path("state").asText().equals("succeeded"));
        assertThat(server.get("/api/v1/orgs/uni/jobs/" + job + "/logs").token(steward).send().text().strip())
                .isEqualTo("403 403");

        server.request("DELETE", "/api/v1/orgs/hospital/members/steward").token(server.operatorToken()).send();
        assertThat(inbox(steward)).as("a notice of an organisation one left").isEmpty();
        assertThat(count(steward)).isZero();
    }

    @Test
    void grantThresholdsReachTheAdminsAndAnExhaustedGrantTheOperators() {
        server.createUser("ops", "operator");
        String ops = server.tokenFor("ops", "read");
        String grant = server.awardGrant("uni", Map.of("any", 10)).path("id").asText();
        usage(grant, "5.5");
        JsonNode half = awaitNotice(boss, "grant.threshold");
        assertThat(half.path("title").asText()).isEqualTo("Grant " + grant + " of uni is 50 % used");
        assertThat(half.path("body").asText()).contains("incubator grant show uni " + grant);
        assertThat(inbox(ada)).as("members who are not admins").isEmpty();
        assertThat(inbox(eve)).isEmpty();

        usage(grant, "4.5");
        await().atMost(Duration.ofSeconds(20)).until(() -> inbox(boss).size() == 3);
        assertThat(inbox(boss)).extracting(node -> node.path("params").path("percent").asText())
                .containsExactly("100", "80", "50");
        List<JsonNode> operator = awaitInbox(ops, "grant.threshold");
        assertThat(operator).as("only the exhaustion reaches operators").hasSize(1);
        assertThat(inbox(server.operatorToken())).as("the operator who recorded the usage knows").isEmpty();
        assertThat(operator.get(0).path("body").asText()).contains("borrowed, preemptible");
        assertThat(server.get("/api/v1/inbox?lang=zh").token(boss).expect(200).path("items").get(0).path("title")
                .asText()).isEqualTo("uni 的资助 " + grant + " 已使用 100%");
    }

    @Test
    void aFailedJobIsReportedToWhoeverSubmittedIt() {
        String job = server.post("/api/v1/orgs/uni/jobs").token(ada).json(Map.of("name", "broken",
                "command", List.of("sh", "-c", "exit 3"))).expect(201).path("id").asText();
        server.post("/api/v1/orgs/uni/jobs").token(ada).json(Map.of("name", "fine", "command", List.of("true")))
                .expect(201);
        JsonNode notice = awaitNotice(ada, "job.failed");
        assertThat(notice.path("title").asText()).isEqualTo("Job broken (" + job + ") failed");
        assertThat(notice.path("body").asText()).contains("exit").contains("3")
                .contains("incubator job logs " + job);
        assertThat(notice.path("subject_id").asText()).isEqualTo(job);
        assertThat(inbox(ada)).as("a job that succeeded tells nobody").hasSize(1);
        assertThat(inbox(boss)).as("the submitter, not the organisation's admins").isEmpty();
    }

    private String requestAccess() {
        return server.post(REQUESTS).token(ada).json(Map.of("purpose", "health-medical-research",
                "justification", "outcomes of stroke care across three provinces")).expect(201).path("id").asText();
    }

    private void usage(String grant, String hours) {
        server.post("/api/v1/orgs/uni/grants/" + grant + "/usage").token(server.operatorToken())
                .json(Map.of("gpu_type", "a100", "gpu_hours", new java.math.BigDecimal(hours))).expect(201);
    }

    private List<JsonNode> inbox(String token) {
        List<JsonNode> items = new java.util.ArrayList<>();
        server.get("/api/v1/inbox").token(token).expect(200).path("items").forEach(items::add);
        return items;
    }

    private long count(String token) {
        return server.get("/api/v1/inbox/count").token(token).expect(200).path("unread").asLong();
    }

    private List<JsonNode> awaitInbox(String token, String kind) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() ->
                inbox(token).stream().anyMatch(node -> node.path("kind").asText().equals(kind)));
        return inbox(token).stream().filter(node -> node.path("kind").asText().equals(kind)).toList();
    }

    private JsonNode awaitNotice(String token, String kind) {
        return awaitInbox(token, kind).get(0);
    }
}
