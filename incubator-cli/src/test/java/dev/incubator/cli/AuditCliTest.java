package dev.incubator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.incubator.server.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log is verifiable: an export checks out offline, and editing, deleting or swapping stored events
 * (behind the server's back, triggers dropped) makes {@code incubator audit verify} fail naming the leaf index.
 */
class AuditCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private TestServer server;


    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(temp.resolve("data"));
        IncubatorCommand.useEnvironment(Map.of("XDG_CONFIG_HOME", temp.resolve("config").toString(),
                "INCUBATOR_URL", server.url().toString(), "INCUBATOR_TOKEN", server.operatorToken()));
        for (int i = 0; i < 20; i++) {
            server.createOrg("org-" + i);
        }
    }

    @AfterEach
    void stop() {
        server.close();
        IncubatorCommand.useEnvironment(System.getenv());
    }

    @Test
    void anExportVerifiesAndAHeadSavedEarlierIsExtended() throws Exception {
        Path head = temp.resolve("head.json");
        CliRun saved = run("audit", "head", "-o", "json");
        assertThat(saved.exitCode()).as(saved.err()).isZero();
        Files.writeString(head, saved.out());
        long savedSize = JSON.readTree(saved.out()).path("tree_size").asLong();
        assertThat(savedSize).isGreaterThanOrEqualTo(20);

        server.createOrg("later");
        Path export = temp.resolve("export.json");
        CliRun exported = run("audit", "export", "--trusted-head", head.toString(), "--out", export.toString());
        assertThat(exported.exitCode()).as(exported.err()).isZero();
        String key = JSON.readTree(server.get("/api/v1/audit/public-key").send().body()).path("public_key").asText();
        CliRun verified = run("audit", "verify", export.toString(), "--public-key", key, "--trusted-head", head.toString());
        assertThat(verified.exitCode()).as(verified.err()).isZero();
        assertThat(verified.out()).startsWith("OK: ").contains("extending the trusted head");

        JsonNode proof = JSON.readTree(run("audit", "proof", "3", "-o", "json").out());
        assertThat(proof.path("leaf_index").asLong()).isEqualTo(2);
        assertThat(proof.path("audit_path").size()).isPositive();
        assertThat(run("audit", "proof", "3").out()).as("a table for people").contains("leaf index")
                .contains("event 3 is in the signed tree").doesNotContain("{");
        JsonNode verdict = JSON.readTree(run("audit", "verify", export.toString(), "--public-key", key, "-o", "json")
                .out());
        assertThat(verdict.path("ok").asBoolean()).isTrue();
    }

    @Test
    void anEditedExportIsCaughtAtItsIndex() throws Exception {
        Path export = temp.resolve("export.json");
        assertThat(run("audit", "export", "--out", export.toString()).exitCode()).isZero();
        ObjectNode bundle = (ObjectNode) JSON.readTree(export.toFile());
        ((ObjectNode) bundle.path("entries").get(9).path("event")).put("actor", "user:mallory");
        Files.writeString(export, bundle.toString());
        CliRun run = run("audit", "verify", export.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("FAILED at leaf index 9");
    }

    @Test
    void anEditedStoredEventIsNamedByItsLeafIndex() throws Exception {
        server.get("/api/v1/audit/tree-head").token(server.operatorToken()).expect(200); // integrate everything
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + temp.resolve("data/incubator.db"))) {
            var statement = db.createStatement();
            statement.execute("DROP TRIGGER audit_events_no_update");
            statement.execute("DROP TRIGGER audit_events_no_delete");
            statement.execute("UPDATE audit_events SET actor = 'user:mallory' WHERE seq = 5");
        }
        assertThat(verifyFreshExport()).contains("FAILED at leaf index 4");

        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + temp.resolve("data/incubator.db"))) {
            db.createStatement().execute("UPDATE audit_events SET actor = 'user:admin' WHERE seq = 5");
        }
        Path export = temp.resolve("restored.json");
        assertThat(run("audit", "export", "--out", export.toString()).exitCode()).isZero();
        assertThat(run("audit", "verify", export.toString()).exitCode()).as("the original restored verifies again")
                .isZero();
    }

    @Test
    void aDeletedEventIsNamedAsMissing() throws Exception {
        server.get("/api/v1/audit/tree-head").token(server.operatorToken()).expect(200);
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + temp.resolve("data/incubator.db"))) {
            var statement = db.createStatement();
            statement.execute("DROP TRIGGER audit_events_no_delete");
            statement.execute("DELETE FROM audit_events WHERE seq = 8");
        }
        assertThat(verifyFreshExport()).contains("FAILED at leaf index 7").contains("missing");
    }

    @Test
    void swappedEventsAreNamedAtTheFirstOfThem() throws Exception {
        server.get("/api/v1/audit/tree-head").token(server.operatorToken()).expect(200);
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + temp.resolve("data/incubator.db"))) {
            var statement = db.createStatement();
            statement.execute("DROP TRIGGER audit_events_no_update");
            statement.execute("UPDATE audit_events SET target_id = 'tmp' WHERE seq = 11");
            statement.execute("UPDATE audit_events SET target_id = (SELECT target_id FROM audit_events WHERE seq = 12)"
                    + " WHERE seq = 11");
            statement.execute("UPDATE audit_events SET details = (SELECT details FROM audit_events WHERE seq = 12)"
                    + " WHERE seq = 11");
        }
        assertThat(verifyFreshExport()).contains("FAILED at leaf index 10");
    }

    private String verifyFreshExport() throws Exception {
        Path export = temp.resolve("export-" + System.nanoTime() + ".json");
        CliRun exported = run("audit", "export", "--out", export.toString());
        assertThat(exported.exitCode()).as(exported.err()).isZero();
        CliRun verified = run("audit", "verify", export.toString());
        assertThat(verified.exitCode()).as(verified.out()).isEqualTo(1);
        return verified.err();
    }

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }
}
