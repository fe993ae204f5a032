package dev.incubator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.incubator.server.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An outside witness, typed as one would run it from cron: it cosigns heads only while the log grows, and refuses
 * (exit 1) once the history it cosigned is contradicted.
 */
class AuditWitnessCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private TestServer server;
    private String witnessToken;

    @BeforeEach
    void start() {
        server = TestServer.start(temp.resolve("data"));
        server.createUser("watcher");
        witnessToken = server.tokenFor("watcher", "read");
        for (int i = 0; i < 5; i++) {
            server.createOrg("org-" + i);
        }
    }

    @AfterEach
    void stop() {
        server.close();
        IncubatorCommand.useEnvironment(System.getenv());
    }

    @Test
    void aWitnessCosignsHeadsWhileTheLogGrowsAndRefusesARewrittenHistory() throws Exception {
        Path key = temp.resolve("witness/key");
        Files.createDirectories(key.getParent());
        as(witnessToken);
        CliRun printed = run("audit", "witness", "--key", key.toString(), "--print-key");
        assertThat(printed.exitCode()).as(printed.err()).isZero();
        String publicKey = printed.out().strip();

        as(server.operatorToken());
        CliRun added = run("audit", "witness-add", "witness.example.org", "--public-key", publicKey);
        assertThat(added.exitCode()).as(added.err()).isZero();

        as(witnessToken);
        long first = awaitHeadBeyond(0);
        CliRun cosigned = run("audit", "witness", "witness.example.org", "--key", key.toString());
        assertThat(cosigned.exitCode()).as(cosigned.err()).isZero();
        assertThat(cosigned.out()).startsWith("cosigned the head of size ");
        JsonNode witnesses = JSON.readTree(run("audit", "witnesses", "-o", "json").out());
        assertThat(witnesses.path("items").get(0).path("latest").path("tree_size").asLong())
                .isGreaterThanOrEqualTo(first);

        server.createOrg("later");
        long grown = awaitHeadBeyond(witnesses.path("items").get(0).path("latest").path("tree_size").asLong());
        CliRun again = run("audit", "witness", "witness.example.org", "--key", key.toString());
        assertThat(again.exitCode()).as(again.err()).isZero();
        long cosignedSize = Long.parseLong(again.out().replaceAll("(?s)cosigned the head of size (\\d+).*", "$1"));
        assertThat(cosignedSize).isGreaterThanOrEqualTo(grown);
        JsonNode latest = JSON.readTree(run("audit", "witnesses", "-o", "json").out()).path("items").get(0)
                .path("latest");
        assertThat(latest.path("tree_size").asLong()).isEqualTo(cosignedSize);
        JsonNode export = JSON.readTree(server.get("/api/v1/audit/export?from=0&to=1&tree_size=" + cosignedSize)
                .token(server.operatorToken()).send().body());
        assertThat(export.path("tree_head").path("cosignatures").findValuesAsText("witness"))
                .as("the head travels with its cosignature").contains("witness.example.org");
        as(server.operatorToken());
        Path exported = temp.resolve("export.json");
        assertThat(run("audit", "export", "--tree-size", Long.toString(cosignedSize), "--out", exported.toString())
                .exitCode()).isZero();
        CliRun witnessed = run("audit", "verify", exported.toString(), "--witness-key", publicKey);
        assertThat(witnessed.exitCode()).as(witnessed.err()).isZero();
        assertThat(witnessed.out()).contains("cosigned by 1 witness(es)");
        String stranger = run("audit", "witness", "--key", temp.resolve("stranger.key").toString(), "--print-key")
                .out().strip();
        CliRun unwitnessed = run("audit", "verify", exported.toString(), "--witness-key", stranger);
        assertThat(unwitnessed.exitCode()).isEqualTo(1);
        assertThat(unwitnessed.err()).contains("no cosignature of the head of size " + cosignedSize);
        as(witnessToken);

        // The witness's record of what it cosigned now disagrees with the log: as if the log had rewritten it.
        Path state = temp.resolve("witness/key.state.json");
        ObjectNode saved = (ObjectNode) JSON.readTree(state.toFile());
        byte[] root = Base64.getDecoder().decode(saved.path("root_hash").asText());
        root[0] ^= 1;
        saved.put("root_hash", Base64.getEncoder().encodeToString(root));
        saved.put("tree_size", saved.path("tree_size").asLong() - 1);
        Files.writeString(state, saved.toString());
        server.createOrg("even-later");
        awaitHeadBeyond(grown);
        CliRun refused = run("audit", "witness", "witness.example.org", "--key", key.toString());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("FAILED").contains("history was rewritten");
    }

    @Test
    void theLogAcceptsOnlyCosignaturesThatVerifyWithARegisteredWitnessKey() throws Exception {
        Path key = temp.resolve("key");
        as(witnessToken);
        String publicKey = run("audit", "witness", "--key", key.toString(), "--print-key").out().strip();
        long size = awaitHeadBeyond(0);
        TestServer.Response unknown = server.post("/api/v1/audit/cosignatures").json(Map.of("witness", "nobody",
                "tree_size", size, "signature", "AAAA")).send();
        assertThat(unknown.status()).isEqualTo(404);
        server.post("/api/v1/audit/witnesses").token(server.operatorToken()).json(Map.of("name", "w1",
                "public_key", publicKey)).expect(201);
        TestServer.Response forged = server.post("/api/v1/audit/cosignatures").json(Map.of("witness", "w1",
                "tree_size", size, "signature", Base64.getEncoder().encodeToString(new byte[64]))).send();
        assertThat(forged.status()).isEqualTo(403);
        assertThat(forged.text()).contains("does not verify with the key of witness 'w1'");
        TestServer.Response badKey = server.post("/api/v1/audit/witnesses").token(server.operatorToken())
                .json(Map.of("name", "w2", "public_key", "not-a-key")).send();
        assertThat(badKey.status()).isEqualTo(400);
        assertThat(badKey.text()).contains("public_key");
    }

    private long awaitHeadBeyond(long size) {
        long[] seen = new long[1];
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
            seen[0] = server.get("/api/v1/audit/tree-head").token(server.operatorToken()).expect(200)
                    .path("tree_size").asLong();
            return seen[0] > size;
        });
        return seen[0];
    }

    private void as(String token) {
        IncubatorCommand.useEnvironment(Map.of("XDG_CONFIG_HOME", temp.resolve("config").toString(),
                "INCUBATOR_URL", server.url().toString(), "INCUBATOR_TOKEN", token));
    }

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }
}
