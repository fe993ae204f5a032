package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.incubator.server.TestServer.Response;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scenarios of the tenancy API as clients live them. */
class TenancyApiTest {
    @TempDir
    Path dataDir;

    private TestServer server;
    private String operator;

    @BeforeEach
    void start() {
        server = startServer(dataDir);
        operator = server.operatorToken();
    }

    /** The server under test; subclasses run the same scenarios on another store. */
    protected TestServer startServer(Path directory) {
        return TestServer.start(directory);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void retryingACreateWithTheSameIdempotencyKeyReturnsTheFirstResult() {
        String key = UUID.randomUUID().toString();
        Map<String, Object> body = Map.of("name", "deep-lab", "display_name", "Deep Lab", "kind", "lab");
        Response first = server.post("/api/v1/orgs").token(operator).header("Idempotency-Key", key).json(body).send();
        Response retry = server.post("/api/v1/orgs").token(operator).header("Idempotency-Key", key).json(body).send();
        assertThat(first.status()).isEqualTo(201);
        assertThat(retry.status()).isEqualTo(201);
        assertThat(retry.json()).isEqualTo(first.json());
        assertThat(retry.header("Idempotent-Replayed")).contains("true");

        Response reused = server.post("/api/v1/orgs").token(operator).header("Idempotency-Key", key)
                .json(Map.of("name", "other-lab", "display_name", "Other", "kind", "lab")).send();
        assertThat(reused.status()).isEqualTo(422);
        assertThat(reused.json().path("code").asText()).isEqualTo("idempotency_key_reused");
        assertThat(server.get("/api/v1/orgs").token(operator).expect(200).path("items").findValuesAsText("name"))
                .containsExactlyInAnyOrder("operators", "deep-lab");
    }

    @Test
    void aFailedCreateDoesNotConsumeItsIdempotencyKey() {
        String key = UUID.randomUUID().toString();
        server.post("/api/v1/orgs").token(operator).header("Idempotency-Key", key)
                .json(Map.of("name", "x", "display_name", "x", "kind", "lab", "owner", "nobody")).send();
        Response fixed = server.post("/api/v1/orgs").token(operator).header("Idempotency-Key", key)
                .json(Map.of("name", "x", "display_name", "x", "kind", "lab")).send();
        assertThat(fixed.status()).isEqualTo(201);
    }

    @Test
    void concurrentEditsAreDetectedWithETags() {
        Response created = server.post("/api/v1/orgs").token(operator)
                .json(Map.of("name", "deep-lab", "display_name", "Deep Lab", "kind", "lab")).send();
        String etag = created.header("ETag").orElseThrow();
        assertThat(etag).isEqualTo("\"1\"");
        Response first = server.request("PATCH", "/api/v1/orgs/deep-lab").token(operator).header("If-Match", etag)
                .json(Map.of("display_name", "First")).send();
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.header("ETag")).contains("\"2\"");
        Response stale = server.request("PATCH", "/api/v1/orgs/deep-lab").token(operator).header("If-Match", etag)
                .json(Map.of("display_name", "Second")).send();
        assertThat(stale.status()).isEqualTo(412);
        assertThat(stale.json().path("code").asText()).isEqualTo("version_mismatch");
        assertThat(server.get("/api/v1/orgs/deep-lab").token(operator).expect(200).path("display_name").asText())
                .isEqualTo("First");
    }

    @Test
    void listsArePagedWithCursors() {
        for (int i = 0; i < 5; i++) {
            server.createOrg("org-" + i);
        }
        List<String> names = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = server.get("/api/v1/orgs?limit=2" + (cursor == null ? "" : "&cursor=" + cursor))
                    .token(operator).expect(200);
            page.path("items").forEach(item -> names.add(item.path("name").asText()));
            cursor = page.path("next_cursor").isNull() ? null : page.path("next_cursor").asText();
        } while (cursor != null);
        assertThat(names).containsExactly("operators", "org-0", "org-1", "org-2", "org-3", "org-4");
    }

    @Test
    void membersSeeOnlyTheirOrganisations() {
        server.createOrg("alpha");
        server.createOrg("beta");
        server.createUser("ada");
        server.addMember("alpha", "ada", "member");
        String ada = server.tokenFor("ada", "read");
        assertThat(server.get("/api/v1/orgs").token(ada).expect(200).path("items").findValuesAsText("name"))
                .containsExactly("alpha");
        Response foreign = server.get("/api/v1/orgs/beta").token(ada).send();
        Response missing = server.get("/api/v1/orgs/gamma").token(ada).send();
        assertThat(foreign.status()).isEqualTo(404);
        // Existence does not leak: a foreign organisation answers exactly like one that does not exist.
        assertThat(foreign.json().path("detail").asText()).isEqualTo("organisation 'beta' not found");
        assertThat(missing.json().path("detail").asText()).isEqualTo("organisation 'gamma' not found");
    }

    @Test
    void anOrganisationKeepsAtLeastOneOwner() {
        server.createUser("ada");
        server.post("/api/v1/orgs").token(operator)
                .json(Map.of("name", "solo", "display_name", "Solo", "kind", "startup", "owner", "ada")).expect(201);
        Response response = server.request("DELETE", "/api/v1/orgs/solo/members/ada").token(operator).send();
        assertThat(response.status()).isEqualTo(409);
        assertThat(response.json().path("detail").asText()).contains("at least one owner");
    }

    @Test
    void anAdminCanNotCrownAnOwner() {
        server.createOrg("alpha");
        server.createUser("ada");
        server.createUser("bob");
        server.addMember("alpha", "ada", "admin");
        String ada = server.tokenFor("ada", "read", "write", "admin");
        Response response = server.post("/api/v1/orgs/alpha/members").token(ada)
                .json(Map.of("user", "bob", "role", "owner")).send();
        assertThat(response.status()).isEqualTo(403);
        server.post("/api/v1/orgs/alpha/members").token(ada).json(Map.of("user", "bob", "role", "member")).expect(201);
    }

    @Test
    void tokensAreShownOnceAndStoredOnlyAsHashes() throws Exception {
        JsonNode issued = server.post("/api/v1/tokens").token(operator)
                .json(Map.of("name", "ci", "scopes", List.of("read", "write"))).expect(201);
        String secret = issued.path("secret").asText();
        assertThat(secret).startsWith("inc_");
        JsonNode listed = server.get("/api/v1/tokens").token(operator).expect(200);
        assertThat(listed.toString()).doesNotContain(secret).doesNotContain("secret");
        List<String> stored = server.server().database().jdbi().withHandle(handle ->
                handle.createQuery("SELECT secret_hash FROM api_tokens").mapTo(String.class).list());
        assertThat(stored).doesNotContain(secret).allSatisfy(hash -> assertThat(hash).hasSize(64));
        Path sqlite = dataDir.resolve("incubator.db");
        if (java.nio.file.Files.exists(sqlite)) {
            assertThat(java.nio.file.Files.readAllBytes(sqlite))
                    .asString(java.nio.charset.StandardCharsets.ISO_8859_1).doesNotContain(secret);
        }
    }

    @Test
    void aTokenCanNotGrantMoreThanItHas() {
        String readOnly = server.tokenFor("admin", "read", "write");
        Response response = server.post("/api/v1/tokens").token(readOnly)
                .json(Map.of("name", "escalate", "scopes", List.of("admin"))).send();
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().path("errors").get(0).path("field").asText()).isEqualTo("scopes");
    }

    @Test
    void grantsBurnDownAndCrossThresholdsOnce() {
        server.createOrg("deep-lab");
        JsonNode grant = server.awardGrant("deep-lab", Map.of("any", 100, "a100-80g", 100));
        String path = "/api/v1/orgs/deep-lab/grants/" + grant.path("id").asText();
        assertThat(grant.path("balance_gpu_hours").decimalValue()).isEqualByComparingTo("200");
        server.post(path + "/usage").token(operator).json(Map.of("gpu_type", "a100-80g", "gpu_hours", 90)).expect(201);
        JsonNode afterUsage = server.post(path + "/usage").token(operator)
                .json(Map.of("gpu_type", "h100", "gpu_hours", 75.25, "reference", "job-7")).expect(201);
        assertThat(afterUsage.path("balance_by_gpu_type").path("a100-80g").decimalValue()).isEqualByComparingTo("10");
        assertThat(afterUsage.path("balance_by_gpu_type").path("any").decimalValue()).isEqualByComparingTo("24.75");
        assertThat(afterUsage.path("used_percent").decimalValue()).isEqualByComparingTo("82.6");
        assertThat(afterUsage.path("thresholds_crossed").toString()).isEqualTo("[50,80]");
        assertThat(afterUsage.path("burn_rate_gpu_hours_per_day").decimalValue()).isEqualByComparingTo("23.607");
        assertThat(afterUsage.path("projected_exhaustion").isNull()).isFalse();

        JsonNode ledger = server.get(path + "/ledger").token(operator).expect(200);
        assertThat(ledger.path("items").findValuesAsText("kind")).containsExactly("award", "award", "usage", "usage");
        java.math.BigDecimal sum = java.math.BigDecimal.ZERO;
        for (JsonNode entry : ledger.path("items")) {
            sum = sum.add(entry.path("gpu_hours").decimalValue());
        }
        assertThat(sum).isEqualByComparingTo(afterUsage.path("balance_gpu_hours").decimalValue());

        JsonNode events = server.get("/api/v1/orgs/deep-lab/audit-events").token(operator).expect(200);
        assertThat(events.path("items").findValuesAsText("action"))
                .filteredOn("grant.threshold_crossed"::equals).hasSize(2);
    }

    @Test
    void everyChangeIsAuditedWithActorRequestAndSource() {
        server.post("/api/v1/orgs").token(operator).header("X-Request-Id", "req-audit-1")
                .json(Map.of("name", "deep-lab", "display_name", "Deep Lab", "kind", "lab")).expect(201);
        server.post("/api/v1/orgs").token(operator).header("X-Request-Id", "req-audit-2")
                .json(Map.of("name", "deep-lab", "display_name", "Again", "kind", "lab")).send();
        JsonNode events = server.get("/api/v1/audit-events?limit=500").token(operator).expect(200).path("items");
        JsonNode created = find(events, "req-audit-1");
        assertThat(created.path("action").asText()).isEqualTo("organisation.create");
        assertThat(created.path("actor").asText()).isEqualTo("user:admin");
        assertThat(created.path("outcome").asText()).isEqualTo("success");
        assertThat(created.path("source_address").asText()).isEqualTo("127.0.0.1");
        JsonNode failed = find(events, "req-audit-2");
        assertThat(failed.path("outcome").asText()).isEqualTo("failed");
        assertThat(failed.path("details").path("code").asText()).isEqualTo("already_exists");
    }

    private static JsonNode find(JsonNode events, String requestId) {
        for (JsonNode event : events) {
            if (event.path("request_id").asText().equals(requestId)) {
                return event;
            }
        }
        throw new AssertionError("no audit event for " + requestId + " in " + events);
    }
}
