package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.incubator.hub.chunk.Hashes;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Findings of a red-team pass, each replayed: hostile inputs that answered 500 (or an HTML page) now answer a 4xx
 * problem naming what was wrong, paths that conflict are refused, and a member who can not read a private
 * repository learns nothing of its content through content addresses or lineage.
 */
class HardeningTest {
    @TempDir
    Path dataDir;

    private TestServer server;
    private String admin;
    private String member;

    @BeforeEach
    void start() {
        server = TestServer.start(dataDir);
        server.createOrg("lab");
        server.createUser("boss");
        server.createUser("mia");
        server.addMember("lab", "boss", "admin");
        server.addMember("lab", "mia", "member");
        admin = server.tokenFor("boss", "read", "write", "admin");
        member = server.tokenFor("mia", "read", "write");
        server.post("/api/repos/create").token(member).json(Map.of("name", "lab/work", "private", true)).expect(200);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static void assertProblem(TestServer.Response response, int status, String field) {
        assertThat(response.status()).as(response.text()).isEqualTo(status);
        assertThat(response.header("Content-Type").orElse("")).contains("json");
        if (field != null) {
            assertThat(response.text()).contains(field);
        }
    }

    @Test
    void hostileInputsThatAnswered500NowNameTheirField() {
        assertProblem(server.post("/api/repos/create").token(member).json(Map.of("name", "x", "visibility",
                "everyone")).send(), 400, "visibility");
        assertProblem(server.post("/api/models/lab/work/preupload/main").token(member).json(Map.of("files",
                List.of(Map.of("path", "a.bin", "size", 3, "sample", "%%%not base64")))).send(), 400, "sample");
        assertProblem(server.post("/api/models/lab/work/commit/main").token(member).raw("application/x-ndjson",
                "{\"key\":\"header\",\"value\":{\"summary\":\"x\"}}\n{\"key\":\"file\",\"value\":{\"path\":\"a\","
                + "\"encoding\":\"base64\",\"content\":\"***\"}}\n").send(), 400, "content");
        assertThat(server.get("/api/models/lab/work/revision/%25zz").token(member).send().status()).isEqualTo(404);
        assertProblem(server.get("/api/models/lab/work/tree/main?cursor=99999999999999999999").token(member).send(),
                400, "cursor");
        assertThat(server.get("/api/models/lab/work/tree/main?cursor=-5").token(member).send().status())
                .isEqualTo(200);
        server.commit(member, "models/lab/work", Map.of("a.txt", "hello")).expect(200);
        assertProblem(server.get("/lab/work/resolve/main/a.txt").token(member)
                .header("Range", "bytes=99999999999999999999999-").send(), 400, "Range");
        assertProblem(server.post("/api/v1/repos").token(member).raw("application/json",
                "{\"kind\":\"model\",\"kind\":\"dataset\",\"namespace\":\"lab\",\"name\":\"dup\"}").send(), 400,
                "kind");
    }

    @Test
    void hostileCardsAreRefusedAsCardErrors() {
        String anchors = "---\nlicense: mit\na: &a [*a, *a]\n---\n";
        assertProblem(server.commit(member, "models/lab/work", Map.of("README.md", anchors)).send(), 400,
                "README.md");
        String deep = "---\nlicense: mit\ntags: " + "[".repeat(5000) + "]".repeat(5000) + "\n---\n";
        assertProblem(server.commit(member, "models/lab/work", Map.of("README.md", deep)).send(), 400, "README.md");
        assertProblem(server.post("/api/validate-yaml").json(Map.of("content", deep)).send(), 400, "README.md");
    }

    @Test
    void jobInputsAProcessCanNotReceiveAreRefusedAtSubmit() {
        String owner = server.tokenFor("boss", "read", "write", "admin");
        assertProblem(server.post("/api/v1/orgs/lab/jobs").token(owner).json(Map.of("name", "bad", "command",
                List.of("true"), "env", Map.of("A=B", "x"))).send(), 400, "env");
        assertProblem(server.post("/api/v1/orgs/lab/jobs").token(owner).json(Map.of("name", "bad", "command",
                List.of("echo", "a\u0000b"))).send(), 400, "command");
        assertProblem(server.post("/api/v1/orgs/lab/jobs").token(owner).json(Map.of("name", "a\u0000b", "command",
                List.of("true"))).send(), 400, "name");
    }

    @Test
    void aTruncatedChunkFrameIsRefused() {
        byte[] partial = new byte[20];
        assertProblem(server.post("/api/v1/repos/model/lab/work/chunks").token(member)
                .raw("application/octet-stream", partial).send(), 400, null);
    }

    @Test
    void afterUploadsTheDataDirectoryHoldsNothingOthersCanRead() throws Exception {
        server.commit(member, "models/lab/work", Map.of("w.bin", "weights".repeat(1000))).expect(200);
        try (var entries = java.nio.file.Files.walk(dataDir)) {
            for (Path entry : entries.filter(path -> !path.equals(dataDir) && !path.startsWith(dataDir.resolve("jobs")))
                    .toList()) {
                String mode = java.nio.file.attribute.PosixFilePermissions.toString(java.nio.file.Files
                        .getPosixFilePermissions(entry));
                assertThat(mode.substring(3)).as(dataDir.relativize(entry) + " is " + mode).isEqualTo("------");
            }
        }
    }

    @Test
    void aPathCanNotBeBothAFileAndAFolder() {
        server.commit(member, "models/lab/work", Map.of("ok", "a file")).expect(200);
        assertProblem(server.commit(member, "models/lab/work", Map.of("ok/normal.txt", "under it")).send(), 400,
                "ok");
        server.commit(member, "models/lab/work", Map.of("dir/x.txt", "x")).expect(200);
        assertProblem(server.commit(member, "models/lab/work", Map.of("dir", "a file")).send(), 400, "folder");
    }

    @Test
    void forwardedHeadersFromAnUntrustedPeerDoNotSteerUploadLinks() {
        JsonNode batch = server.post("/lab/work.git/info/lfs/objects/batch").token(member)
                .header("X-Forwarded-Host", "attacker.example").header("X-Forwarded-Proto", "https")
                .json(Map.of("operation", "upload", "objects", List.of(Map.of("oid", "a".repeat(64), "size", 3))))
                .expect(200);
        String href = batch.path("objects").get(0).path("actions").path("upload").path("href").asText();
        assertThat(href).startsWith(server.url().toString().replaceAll("/$", "")).doesNotContain("attacker");
    }

    @Test
    void aTokenOverItsRateLimitGets429WithRetryAfterAndOthersAreServed(@TempDir Path other) {
        try (TestServer limited = TestServer.start(other, java.time.Clock.systemUTC(), java.util.Optional.empty(),
                java.util.Optional.empty(), config -> config.withRateLimits(20, 0))) {
            limited.createOrg("lab");
            limited.createUser("mia");
            limited.createUser("ben");
            limited.addMember("lab", "mia", "member");
            limited.addMember("lab", "ben", "member");
            String mia = limited.tokenFor("mia", "read");
            String ben = limited.tokenFor("ben", "read");
            TestServer.Response last = null;
            int sent = 0;
            // (up to 100: a minute that turns during the loop starts a fresh window once)
            while (sent < 100 && (last == null || last.status() != 429)) {
                last = limited.get("/api/v1/orgs/lab").token(mia).send();
                sent++;
            }
            assertThat(last.status()).isEqualTo(429);
            assertThat(sent).isGreaterThan(20);
            assertThat(last.json().path("code").asText()).isEqualTo("rate_limited");
            assertThat(Integer.parseInt(last.header("Retry-After").orElseThrow())).isBetween(1, 60);
            assertThat(limited.get("/api/v1/orgs/lab").token(ben).send().status()).as("another token").isEqualTo(200);
        }
    }

    @Test
    void anOrganisationOverItsRateLimitGets429ForAllItsMembersAndOthersAreServed(@TempDir Path other) {
        try (TestServer limited = TestServer.start(other, java.time.Clock.systemUTC(), java.util.Optional.empty(),
                java.util.Optional.empty(), config -> config.withRateLimits(0, 30))) {
            limited.createOrg("lab");
            limited.createOrg("rivals");
            for (String user : List.of("mia", "ben", "eve")) {
                limited.createUser(user);
            }
            limited.addMember("lab", "mia", "member");
            limited.addMember("lab", "ben", "member");
            limited.addMember("rivals", "eve", "member");
            List<String> lab = List.of(limited.tokenFor("mia", "read"), limited.tokenFor("ben", "read"));
            TestServer.Response last = null;
            int sent = 0;
            while (sent < 200 && (last == null || last.status() != 429)) {
                last = limited.get("/api/v1/orgs/lab").token(lab.get(sent % 2)).send();
                sent++;
            }
            assertThat(last.status()).isEqualTo(429);
            assertThat(sent).as("two members' requests together").isGreaterThan(30);
            assertThat(last.json().path("detail").asText()).contains("organisation")
                    .contains("server.rate-limit-per-organisation-per-minute");
            assertThat(last.header("Retry-After")).isPresent();
            assertThat(limited.get("/api/v1/orgs/rivals").token(limited.tokenFor("eve", "read")).send().status())
                    .as("another organisation's member").isEqualTo(200);
        }
    }

    @Test
    void aFailedCallOnAnOrganisationsRouteIsInThatOrganisationsAuditLog() {
        server.post("/api/v1/orgs/lab/members").token(admin).json(Map.of("user", "nobody", "role", "member"))
                .expect(400);
        JsonNode events = server.get("/api/v1/orgs/lab/audit-events").token(admin).expect(200);
        assertThat(events.toString()).contains("/api/v1/orgs/lab/members").containsIgnoringCase("failed")
                .contains("nobody");
        // A stranger's failed call on it is not: the organisation's log is not theirs to write into.
        server.createUser("stranger");
        String stranger = server.tokenFor("stranger", "read", "write", "admin");
        server.post("/api/v1/orgs/lab/members").token(stranger).json(Map.of("user", "x")).send();
        assertThat(server.get("/api/v1/orgs/lab/audit-events").token(admin).expect(200).toString())
                .doesNotContain("user:stranger");
    }

    @Test
    void aDisabledUsersTokensAreRefusedAndTheDisablingIsAudited() {
        server.commit(member, "models/lab/work", Map.of("a.txt", "before")).expect(200);
        assertThat(server.request("POST", "/api/v1/users/mia/disable").token(admin).json(Map.of("reason", "left"))
                .send().status()).as("an organisation admin is no operator").isEqualTo(403);
        JsonNode disabled = server.post("/api/v1/users/mia/disable").token(server.operatorToken())
                .json(Map.of("reason", "left the lab")).expect(200);
        assertThat(disabled.path("disabled_at").asText()).isNotEmpty();
        TestServer.Response refused = server.get("/api/v1/whoami").token(member).send();
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.json().path("code").asText()).isEqualTo("account_disabled");
        assertThat(refused.json().path("detail").asText()).contains("'mia' was disabled");
        assertThat(server.commit(member, "models/lab/work", Map.of("a.txt", "after")).send().status()).isEqualTo(401);
        assertThat(server.get("/api/v1/audit-events").token(server.operatorToken()).expect(200).toString())
                .contains("user.disable").contains("left the lab");
        TestServer.Response self = server.post("/api/v1/users/admin/disable").token(server.operatorToken())
                .json(Map.of("reason", "oops")).send();
        assertThat(self.status()).isEqualTo(400);
        assertThat(self.text()).contains("your own account");
    }

    @Test
    void jettysOwnRefusalsAreProblemDetails() throws Exception {
        try (Socket socket = new Socket(server.url().getHost(), server.url().getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write("GET /api/v1/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 400");
            assertThat(answer.toLowerCase(java.util.Locale.ROOT)).contains("content-type: application/problem+json");
            assertThat(answer).contains("\"status\":400");
        }
    }

    @Test
    void aMemberWhoCanNotReadAPrivateRepositoryLearnsNothingOfItsContent() {
        // The admin's private repository (owner and admins only) holds a file the member never had.
        server.post("/api/v1/repos").token(admin).json(Map.of("kind", "model", "namespace", "lab", "name", "secret",
                "visibility", "private")).expect(201);
        String secret = "the secret weights ".repeat(100);
        server.commit(admin, "models/lab/secret", Map.of("w.bin", secret)).expect(200);
        server.get("/api/models/lab/secret").token(member).expect(404);
        String oid = Hashes.sha256(secret.getBytes(StandardCharsets.UTF_8));

        // LFS batch: the object is not "already stored" for her repository; she is asked to upload it.
        JsonNode batch = server.post("/lab/work.git/info/lfs/objects/batch").token(member).json(Map.of("operation",
                "upload", "objects", List.of(Map.of("oid", oid, "size", secret.length())))).expect(200);
        assertThat(batch.path("objects").get(0).has("actions")).isTrue();
        // Committing its SHA-256 as an LFS pointer reveals neither existence nor size, and gives no read.
        TestServer.Response pointer = server.post("/api/models/lab/work/commit/main").token(member)
                .raw("application/x-ndjson", "{\"key\":\"header\",\"value\":{\"summary\":\"x\"}}\n"
                        + "{\"key\":\"lfsFile\",\"value\":{\"path\":\"stolen.bin\",\"oid\":\"" + oid
                        + "\",\"size\":1}}\n").send();
        assertThat(pointer.status()).isEqualTo(400);
        assertThat(pointer.text()).contains("was not uploaded").doesNotContain(Integer.toString(secret.length()));
        // Native negotiation: every chunk of it is "missing" for her repository (the organisation's, readable by
        // every member).
        JsonNode missing = server.post("/api/v1/repos/model/lab/work/chunks/missing").token(member)
                .json(Map.of("chunks", List.of(oid))).expect(200);
        assertThat(missing.path("missing").toString()).contains(oid);
    }

    @Test
    void aFloodOfAnonymousRequestsDoesNotFloodTheAuditLog() {
        long before = auditEvents();
        for (int i = 0; i < 300; i++) {
            server.get("/api/v1/orgs/lab").header("X-Request-Id", "flood-" + i).send();
            server.post("/api/v1/orgs").header("Authorization", "Bearer inc_forged" + i).json(Map.of()).send();
        }
        long after = auditEvents();
        assertThat(after - before).as("600 anonymous failures leave at most a summary or two").isLessThanOrEqualTo(2);
        // An authenticated caller's denial is still recorded, each one.
        server.get("/api/v1/repos/model/lab/missing-" + 1).token(member).send();
        server.post("/api/v1/orgs").token(member).json(Map.of("name", "x", "display_name", "X", "kind", "lab")).send();
        assertThat(auditEvents() - after).isGreaterThanOrEqualTo(1);
    }

    private long auditEvents() {
        return server.get("/api/v1/audit/tree-head").token(server.operatorToken()).expect(200).path("tree_size")
                .asLong();
    }

    @Test
    void lineageLeavesOutWhatTheCallerCanNotSee() {
        server.createOrg("hospital");
        server.createUser("doc");
        server.addMember("hospital", "doc", "admin");
        String doc = server.tokenFor("doc", "read", "write", "admin");
        server.post("/api/v1/repos").token(doc).json(Map.of("kind", "dataset", "namespace", "hospital", "name",
                "notes", "visibility", "organisation")).expect(201);
        server.commit(doc, "datasets/hospital/notes", Map.of("README.md", "---\nlicense: cc-by-nc-4.0\n---\n"))
                .expect(200);
        server.commit(member, "models/lab/work", Map.of("README.md", "---\nlicense: mit\ndatasets: [hospital/notes]"
                + "\n---\n")).expect(200);
        JsonNode lineage = server.get("/api/v1/repos/model/lab/work/lineage").token(member).expect(200);
        assertThat(lineage.toString()).doesNotContain("hospital/notes").doesNotContain("cc-by-nc");
        JsonNode seen = server.get("/api/v1/repos/model/lab/work/lineage").token(server.operatorToken()).expect(200);
        assertThat(seen.toString()).contains("hospital/notes");

        // Publishing answers as if the hidden upstream did not exist, exactly as for a name that exists nowhere.
        server.post("/api/repos/create").token(admin).json(Map.of("name", "lab/claims-hidden")).expect(200);
        server.post("/api/repos/create").token(admin).json(Map.of("name", "lab/claims-nothing")).expect(200);
        server.commit(admin, "models/lab/claims-hidden", Map.of("README.md", "---\nlicense: mit\ndatasets:"
                + " [hospital/notes]\n---\n")).expect(200);
        server.commit(admin, "models/lab/claims-nothing", Map.of("README.md", "---\nlicense: mit\ndatasets:"
                + " [hospital/none-such]\n---\n")).expect(200);
        TestServer.Response hidden = server.request("PUT", "/api/models/lab/claims-hidden/settings").token(admin)
                .json(Map.of("private", false)).send();
        TestServer.Response nothing = server.request("PUT", "/api/models/lab/claims-nothing/settings").token(admin)
                .json(Map.of("private", false)).send();
        assertThat(hidden.status()).as(hidden.text()).isEqualTo(nothing.status()).isEqualTo(200);
        assertThat(hidden.text()).doesNotContain("hospital").doesNotContain("cc-by-nc");
        // Where the caller can see the restricted upstream, it still binds.
        server.addMember("hospital", "boss", "member");
        String boss = server.tokenFor("boss", "read", "write", "admin");
        TestServer.Response seenByBoss = server.commit(boss, "models/lab/claims-hidden", Map.of("README.md",
                "---\nlicense: mit\ndatasets: [hospital/notes]\ntags: [v2]\n---\n")).send();
        assertThat(seenByBoss.status()).as(seenByBoss.text()).isEqualTo(403);
        assertThat(seenByBoss.text()).contains("hospital/notes");
    }
}
