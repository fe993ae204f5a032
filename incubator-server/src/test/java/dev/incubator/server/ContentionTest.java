package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tenants competing for the live service's 4 GPUs, each guaranteed 2: a stream of short borrowed jobs of one tenant
 * does not starve the other's job within its guarantee (the GPUs freed between two of them go to that job).
 */
class ContentionTest {
    @TempDir
    Path dataDir;
    private TestServer server;
    private String alpha;
    private String beta;

    @BeforeEach
    void start() {
        // Cycles of one second and jobs that end at once: each borrowed job is gone before the next cycle, so a
        // reclaim never finds a victim; only the order in which freed GPUs are handed out can help.
        server = TestServer.start(dataDir, java.time.Clock.systemUTC(), java.util.Optional.empty(),
                java.util.Optional.empty(), config -> config.withCompute(new dev.incubator.server.config.ServerConfig
                        .Compute(4, "FAIR_SHARE", Duration.ofSeconds(1), Duration.ofSeconds(1), 0.5703,
                        Duration.ofHours(168), java.util.Optional.empty()).withLocal(TestServer.LOCAL)));
        // alpha is the older organisation: ties between tenants below their guarantee used to go to it.
        for (String org : List.of("alpha", "beta")) {
            server.createOrg(org);
            server.createUser(org + "-user");
            server.addMember(org, org + "-user", "member");
            server.awardGrant(org, Map.of("any", 1000));
        }
        alpha = server.tokenFor("alpha-user", "read", "write");
        beta = server.tokenFor("beta-user", "read", "write");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aStreamOfShortBorrowedJobsDoesNotStarveAnotherTenantsGuarantee() {
        List<String> stream = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            stream.add(submit(alpha, "alpha", "stream-" + i, 4, "0"));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> state("alpha", stream.get(0)).equals("succeeded"));
        Instant asked = Instant.now();
        String small = submit(beta, "beta", "within-guarantee", 1, "1");
        await().atMost(Duration.ofSeconds(30)).until(() -> !List.of("pending", "admitted")
                .contains(state("beta", small)));
        JsonNode started = job("beta", small);
        assertThat(started.path("borrowed").asBoolean()).as("within its guarantee").isFalse();
        long stillWaiting = stream.stream().filter(id -> state("alpha", id).equals("pending")).count();
        assertThat(stillWaiting).as("it started while the stream still had jobs waiting, not after it").isPositive();
        assertThat(Duration.between(asked, Instant.parse(started.path("started_at").asText())))
                .isLessThan(Duration.ofSeconds(8));
    }

    @Test
    void aGuaranteeBeyondTheClusterIsWarnedOfAtAwardAndInTheClusterView() {
        JsonNode cluster = server.get("/api/v1/cluster").token(server.operatorToken()).expect(200);
        assertThat(cluster.path("guaranteed_gpus").asInt()).isEqualTo(4);
        assertThat(cluster.hasNonNull("warning")).as("2 + 2 of 4: nothing to warn of").isFalse();
        server.createOrg("greedy");
        java.util.Map<String, Object> body = new java.util.LinkedHashMap<>(Map.of("programme", "big promise",
                "gpu_hours", Map.of("any", 10), "starts_on", "2026-01-01", "ends_on", "2099-12-31",
                "guaranteed_gpus", 123));
        JsonNode awarded = server.post("/api/v1/orgs/greedy/grants").token(server.operatorToken()).json(body)
                .expect(201);
        assertThat(awarded.path("warnings").get(0).asText()).contains("guarantees 123 GPUs but the cluster has 4");
        assertThat(awarded.path("warnings").get(1).asText()).contains("guarantee 127 GPUs on a cluster of 4")
                .contains("oversubscribed by 123");
        cluster = server.get("/api/v1/cluster").token(alpha).expect(200);
        assertThat(cluster.path("guaranteed_gpus").asInt()).isEqualTo(127);
        assertThat(cluster.path("warning").asText()).contains("oversubscribed by 123");
        assertThat(server.get("/api/v1/orgs/greedy/grants/" + awarded.path("id").asText())
                .token(server.operatorToken()).expect(200).path("warnings")).hasSize(2);
    }

    private String submit(String token, String org, String name, int gpus, String seconds) {
        return server.post("/api/v1/orgs/" + org + "/jobs").token(token).json(Map.of("name", name,
                "command", List.of("sleep", seconds), "gpus_per_node", gpus, "time_limit_minutes", 10))
                .expect(201).path("id").asText();
    }

    private JsonNode job(String org, String id) {
        return server.get("/api/v1/orgs/" + org + "/jobs/" + id).token(server.operatorToken()).expect(200);
    }

    private String state(String org, String id) {
        return job(org, id).path("state").asText();
    }
}
