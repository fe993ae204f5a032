package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.incubator.hub.chunk.Frames;
import dev.incubator.hub.chunk.Hashes;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storage quotas per organisation: what it stores is counted once after deduplication, shown to its members, set
 * by operators only, enforced on every upload path with 507 naming what is used and allowed, and given back when
 * garbage collection removes content.
 */
class StorageQuotaTest {
    private static final int MIB = 1024 * 1024;

    @TempDir
    Path dataDir;

    private TestServer server;
    private String admin;
    private String member;
    private String rival;

    @BeforeEach
    void start() {
        server = TestServer.start(dataDir);
        server.createOrg("lab");
        server.createOrg("rivals");
        server.createUser("boss");
        server.createUser("mia");
        server.createUser("eve");
        server.addMember("lab", "boss", "admin");
        server.addMember("lab", "mia", "member");
        server.addMember("rivals", "eve", "member");
        admin = server.tokenFor("boss", "read", "write", "admin");
        member = server.tokenFor("mia", "read", "write");
        rival = server.tokenFor("eve", "read", "write");
        for (String repo : List.of("lab/one", "lab/two")) {
            server.post("/api/repos/create").token(member).json(Map.of("name", repo)).expect(200);
        }
        server.post("/api/repos/create").token(rival).json(Map.of("name", "rivals/theirs")).expect(200);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private JsonNode storage(String token) {
        return server.get("/api/v1/orgs/lab/storage").token(token).expect(200);
    }

    private TestServer.Response setQuota(String token, String quota) {
        return server.request("PUT", "/api/v1/orgs/lab/storage").token(token).json(Map.of("quota", quota)).send();
    }

    @Test
    void whatAnOrganisationStoresIsCountedOnceAfterDeduplication() {
        String weights = text(1, MIB);
        server.commit(member, "models/lab/one", Map.of("w.bin", weights)).expect(200);
        server.commit(member, "models/lab/two", Map.of("copy.bin", weights)).expect(200);
        JsonNode storage = storage(member);
        assertThat(storage.path("used_bytes").asLong()).isEqualTo(MIB);
        assertThat(storage.path("quota_bytes").asLong()).isEqualTo(1L << 40);
        assertThat(storage.path("quota_source").asText()).isEqualTo("default");
        assertThat(storage.path("used").asText()).isEqualTo("1.0 MiB");
        assertThat(server.get("/api/v1/orgs/rivals/storage").token(rival).expect(200).path("used_bytes").asLong())
                .isZero();
    }

    @Test
    void anUploadOverTheQuotaIsRefusedWith507AndStoresNothingWhileOthersPush() {
        assertThat(setQuota(server.operatorToken(), "1.5MiB").status()).isEqualTo(200);
        server.commit(member, "models/lab/one", Map.of("a.bin", text(2, MIB))).expect(200);

        TestServer.Response refused = server.commit(member, "models/lab/one", Map.of("b.bin", text(3, MIB))).send();
        assertThat(refused.status()).as(refused.text()).isEqualTo(507);
        assertThat(refused.json().path("code").asText()).isEqualTo("storage_quota_exceeded");
        assertThat(refused.json().path("detail").asText()).contains("organisation 'lab' stores 1.0 MiB of its 1.5 MiB"
                + " quota").contains("incubator org quota");
        assertThat(server.get("/api/models/lab/one/tree/main").token(member).expect(200).toString())
                .doesNotContain("b.bin");
        assertThat(storage(member).path("used_bytes").asLong()).isEqualTo(MIB);
        // Content it already stores still commits: it adds nothing.
        server.commit(member, "models/lab/two", Map.of("again.bin", text(2, MIB))).expect(200);
        // Another organisation is not held to this one's quota.
        server.commit(rival, "models/rivals/theirs", Map.of("c.bin", text(3, MIB))).expect(200);
    }

    @Test
    void anOrganisationAtItsQuotaIsRefusedOnEveryUploadPath() throws Exception {
        server.commit(member, "models/lab/one", Map.of("a.bin", text(4, MIB))).expect(200);
        assertThat(setQuota(server.operatorToken(), "1MiB").status()).isEqualTo(200);

        JsonNode batch = server.post("/lab/one.git/info/lfs/objects/batch").token(member).json(Map.of("operation",
                "upload", "objects", List.of(Map.of("oid", "b".repeat(64), "size", 20 * MIB)))).expect(200);
        JsonNode error = batch.path("objects").get(0).path("error");
        assertThat(error.path("code").asInt()).isEqualTo(507);
        assertThat(error.path("message").asText()).contains("1.0 MiB of its 1.0 MiB quota");

        byte[] chunk = text(5, 4096).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        Frames.write(frames, Hashes.sha256(chunk), chunk, 0, chunk.length);
        TestServer.Response native_ = server.post("/api/v1/repos/model/lab/one/chunks").token(member)
                .raw("application/octet-stream", frames.toByteArray()).send();
        assertThat(native_.status()).as(native_.text()).isEqualTo(507);
        assertThat(native_.header("Content-Type").orElse("")).contains("problem+json");

        assertThat(setQuota(server.operatorToken(), "default").status()).isEqualTo(200);
        server.commit(member, "models/lab/one", Map.of("b.bin", text(6, 4096))).expect(200);
    }

    @Test
    void onlyAnOperatorSetsAQuotaAndEveryChangeIsAudited() {
        assertThat(setQuota(admin, "10TiB").status()).as("the organisation's own admin").isEqualTo(403);
        assertThat(setQuota(member, "10TiB").status()).isEqualTo(403);
        assertThat(server.get("/api/v1/orgs/lab/storage").token(rival).send().status()).as("an outsider")
                .isEqualTo(404);
        TestServer.Response bad = setQuota(server.operatorToken(), "lots");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.text()).contains("quota").contains("500GiB");

        JsonNode set = server.request("PUT", "/api/v1/orgs/lab/storage").token(server.operatorToken())
                .json(Map.of("quota", "200GiB")).expect(200);
        assertThat(set.path("quota_bytes").asLong()).isEqualTo(200L << 30);
        assertThat(set.path("quota_source").asText()).isEqualTo("organisation");
        assertThat(storage(member).path("quota").asText()).isEqualTo("200.0 GiB");
        JsonNode events = server.get("/api/v1/orgs/lab/audit-events").token(admin).expect(200);
        assertThat(events.toString()).contains("hub.storage.quota").contains(String.valueOf(200L << 30));
    }

    @Test
    void garbageCollectionGivesTheSpaceBack(@TempDir Path other) {
        try (TestServer collecting = TestServer.start(other, java.time.Clock.systemUTC(), java.util.Optional.empty(),
                java.util.Optional.empty(), config -> config.withHub(new dev.incubator.server.config.ServerConfig.Hub(
                        config.hub().s3(), config.hub().blobDir(), config.hub().masterKey(),
                        config.hub().masterKeyFile(), config.hub().packBytes(), java.time.Duration.ZERO,
                        config.hub().organisationQuotaBytes(), config.hub().userQuotaBytes())))) {
            collecting.createOrg("lab");
            collecting.createUser("mia");
            collecting.addMember("lab", "mia", "admin");
            String mia = collecting.tokenFor("mia", "read", "write", "admin");
            collecting.post("/api/repos/create").token(mia).json(Map.of("name", "lab/scratch")).expect(200);
            collecting.commit(mia, "models/lab/scratch", Map.of("w.bin", text(7, MIB))).expect(200);
            assertThat(collecting.get("/api/v1/orgs/lab/storage").token(mia).expect(200).path("used_bytes").asLong())
                    .isEqualTo(MIB);
            collecting.request("DELETE", "/api/v1/repos/model/lab/scratch").token(mia).expect(204);
            collecting.post("/api/v1/hub/gc").token(collecting.operatorToken()).expect(200);
            assertThat(collecting.get("/api/v1/orgs/lab/storage").token(mia).expect(200).path("used_bytes").asLong())
                    .isZero();
        }
    }

    /** Printable, incompressible-looking text of {@code size} bytes. */
    private static String text(long seed, int size) {
        Random random = new Random(seed);
        StringBuilder text = new StringBuilder(size);
        for (int i = 0; i < size; i++) {
            text.append((char) ('!' + random.nextInt(90)));
        }
        return text.toString();
    }
}
