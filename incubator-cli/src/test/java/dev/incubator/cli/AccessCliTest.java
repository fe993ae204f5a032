package dev.incubator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.server.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A data-use agreement from request to report, typed as a data steward and a researcher would. */
class AccessCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private TestServer server;
    private String steward;

    @BeforeEach
    void start() {
        server = TestServer.start(temp.resolve("data"));
        server.createOrg("hospital");
        server.createUser("ada");
        server.createUser("sam");
        as(server.operatorToken());
        CliRun made = run("member", "add", "hospital", "sam", "--role", "steward");
        assertThat(made.exitCode()).as(made.err()).isZero();
        assertThat(made.out()).contains("steward");
        steward = server.tokenFor("sam", "read", "write");
    }

    @AfterEach
    void stop() {
        server.close();
        IncubatorCommand.useEnvironment(System.getenv());
    }

    @Test
    void aResearcherGetsAccessByAgreementAndTheOwnerSeesTheReads() throws Exception {
        as(steward);
        assertThat(run("hub", "create", "datasets/hospital/notes", "--visibility", "gated").exitCode()).isZero();
        Path data = temp.resolve("notes");
        Files.createDirectories(data);
        Files.writeString(data.resolve("notes.txt"), "patient notes");
        Files.writeString(data.resolve("README.md"), "---\ngated_conditions: Never try to re-identify a patient.\n---\n");
        assertThat(run("hub", "push", data.toString(), "datasets/hospital/notes").exitCode()).isZero();

        as(server.tokenFor("ada", "read", "write"));
        CliRun refused = run("hub", "pull", "datasets/hospital/notes", temp.resolve("copy").toString());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("gated").contains("incubator access request");
        CliRun requested = run("access", "request", "datasets/hospital/notes", "--purpose", "health-medical-research",
                "--justification", "outcomes of stroke care in three provinces", "-o", "json");
        assertThat(requested.exitCode()).as(requested.err()).isZero();
        String id = JSON.readTree(requested.out()).path("id").asText();
        assertThat(JSON.readTree(requested.out()).path("conditions").asText())
                .isEqualTo("Never try to re-identify a patient.");

        as(steward);
        CliRun approved = run("access", "approve", "datasets/hospital/notes", id, "--expires-on",
                LocalDate.now().plusDays(30).toString(), "--attribution", "Hospital 2026");
        assertThat(approved.exitCode()).as(approved.err()).isZero();
        assertThat(approved.out()).contains("approved");

        as(server.tokenFor("ada", "read", "write"));
        CliRun pulled = run("hub", "pull", "datasets/hospital/notes", temp.resolve("copy").toString());
        assertThat(pulled.exitCode()).as(pulled.err()).isZero();
        assertThat(pulled.err()).as("the terms, on the pull that downloads").contains("terms of use (agreement ")
                .contains("Hospital 2026");
        assertThat(Files.readString(temp.resolve("copy/notes.txt"))).isEqualTo("patient notes");
        CliRun again = run("hub", "pull", "datasets/hospital/notes", temp.resolve("copy").toString());
        assertThat(again.err()).as("and on one that finds everything in place").contains("Hospital 2026");
        assertThat(run("access", "list").out()).contains(id).contains("approved");

        as(steward);
        assertThat(run("access", "report", "datasets/hospital/notes").out()).contains("user:ada").contains(id);
        assertThat(run("access", "revoke", "datasets/hospital/notes", id, "--reason", "study over").exitCode()).isZero();
        as(server.tokenFor("ada", "read", "write"));
        CliRun after = run("hub", "pull", "datasets/hospital/notes", temp.resolve("again").toString());
        assertThat(after.exitCode()).isEqualTo(1);
        assertThat(after.err()).contains("revoked").contains("study over");
    }

    @Test
    void aDerivedModelIsPublishedOnlyAfterTheDataOwnerAllowsIt() throws Exception {
        as(server.operatorToken());
        assertThat(run("hub", "create", "datasets/hospital/notes", "--visibility", "gated").exitCode()).isZero();
        assertThat(run("hub", "create", "hospital/notes-llm").exitCode()).isZero();
        Path model = temp.resolve("model");
        Files.createDirectories(model);
        Files.writeString(model.resolve("README.md"), "---\nlicense: apache-2.0\ndatasets: [hospital/notes]\n---\n");
        Files.writeString(model.resolve("weights.bin"), "weights");
        assertThat(run("hub", "push", model.toString(), "hospital/notes-llm").exitCode()).isZero();
        assertThat(run("hub", "lineage", "hospital/notes-llm").out())
                .contains("no-redistribution: datasets/hospital/notes -> models/hospital/notes-llm");
        CliRun refused = run("hub", "visibility", "hospital/notes-llm", "public");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("publishing models/hospital/notes-llm is refused");
        as(steward);
        assertThat(run("hub", "lineage-exception", "datasets/hospital/notes", "models/hospital/notes-llm",
                "--reason", "aggregate statistics only").exitCode()).isZero();
        as(server.operatorToken());
        CliRun published = run("hub", "visibility", "hospital/notes-llm", "public");
        assertThat(published.exitCode()).as(published.err()).isZero();
        assertThat(published.out()).contains("public");
        assertThat(run("hub", "pull", "hospital/notes-llm", temp.resolve("copy").toString()).exitCode()).isZero();
        assertThat(Files.readString(temp.resolve("copy/weights.bin"))).isEqualTo("weights");
    }

    private void as(String token) {
        IncubatorCommand.useEnvironment(Map.of("XDG_CONFIG_HOME", temp.resolve("config").toString(),
                "INCUBATOR_URL", server.url().toString(), "INCUBATOR_TOKEN", token));
    }

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }
}
