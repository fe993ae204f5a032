package dev.incubator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incubator.server.TestServer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code incubator app} and {@code incubator review} as people type them: a medical application is registered and
 * classified, reviewed by a committee of seven (a conflicted reviewer is refused), decided and shown.
 */
class ReviewCliTest {
    @TempDir
    Path temp;

    private TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.start(temp.resolve("data"));
        server.createOrg("clinic");
        server.createUser("ada");
        server.addMember("clinic", "ada", "admin");
        for (int i = 1; i <= 7; i++) {
            server.createUser("reviewer-" + i, "reviewer");
        }
        server.createUser("dr-clinic", "reviewer");
        server.addMember("clinic", "dr-clinic", "viewer");
    }

    @AfterEach
    void stop() {
        server.close();
        IncubatorCommand.useEnvironment(System.getenv());
    }

    @Test
    void anApplicationIsClassifiedReviewedAndDecided() throws Exception {
        as("ada");
        CliRun created = CliRun.of("app", "create", "clinic/triage", "--purpose", "Triage advice for walk-in"
                + " patients", "--audience", "public", "--domain", "medical");
        assertThat(created.exitCode()).as(created.err()).isZero();
        assertThat(created.out()).contains("application clinic/triage: high risk", "medical use", "exposure:",
                "has not been reviewed");
        CliRun opened = CliRun.of("app", "review", "clinic/triage");
        assertThat(opened.out()).contains("is open", "more than half");
        String review = CliRun.of("app", "show", "clinic/triage", "-o", "json").json().path("reviews").get(0)
                .path("id").asText();

        as("dr-clinic");
        CliRun conflicted = CliRun.of("review", "vote", review, "--choice", "approve");
        assertThat(conflicted.exitCode()).isEqualTo(1);
        assertThat(conflicted.err()).contains("conflict of interest");

        as("reviewer-1");
        assertThat(CliRun.of("review", "queue").out()).contains(review, "clinic/triage", "open");
        for (int i = 1; i <= 5; i++) {
            as("reviewer-" + i);
            CliRun voted = i == 1 ? CliRun.of("review", "vote", review, "--choice", "approve", "--comment",
                    "triage only", "--condition", "a clinician reads every answer")
                    : CliRun.of("review", "vote", review, "--choice", i == 5 ? "reject" : "approve");
            assertThat(voted.exitCode()).as(voted.err()).isZero();
        }
        assertThat(CliRun.of("review", "show", review).out()).contains("reviewer-1 approve: triage only"
                + " [conditions: a clinician reads every answer]", "reviewer-5 reject");
        CliRun decided = CliRun.of("review", "decide", review);
        assertThat(decided.exitCode()).as(decided.err()).isZero();
        assertThat(decided.out()).contains("approved (4 for, 1 against", "valid until");

        as("ada");
        CliRun shown = CliRun.of("app", "show", "clinic/triage");
        assertThat(shown.out()).contains("high risk", "exposure  cleared: application clinic/triage was approved",
                "review    " + review + " approved");
        assertThat(CliRun.of("app", "list", "--org", "clinic").out()).contains("triage", "medical", "cleared");
        CliRun pack = CliRun.of("app", "dossier", "clinic/triage", "--contact", "ai-safety@clinic.example", "--out",
                temp.resolve("pack").toString());
        assertThat(pack.exitCode()).as(pack.err()).isZero();
        assertThat(pack.out()).contains("dossier.json", "dossier.md", "audit event");
        assertThat(java.nio.file.Files.readString(temp.resolve("pack/dossier.md"))).contains("# Filing pack / 备案材料:"
                + " clinic/triage", "approved", "ai-safety@clinic.example", "not a filing or a certification");
        assertThat(java.nio.file.Files.readString(temp.resolve("pack/dossier.json"))).contains("\"risk\" : \"high\"");

        // A new purpose is not what the committee approved.
        CliRun updated = CliRun.of("app", "update", "clinic/triage", "--purpose", "Triage and prescriptions for"
                + " walk-in patients");
        assertThat(updated.exitCode()).as(updated.err()).isZero();
        assertThat(updated.out()).contains("application clinic/triage updated", "the purpose changed",
                "needs a re-review");
        assertThat(CliRun.of("app", "update", "clinic/triage").err()).contains("nothing to change");
    }

    private void as(String user) {
        IncubatorCommand.useEnvironment(Map.of("XDG_CONFIG_HOME", temp.resolve("config").toString(),
                "INCUBATOR_URL", server.url().toString(), "INCUBATOR_TOKEN", server.tokenFor(user, "read", "write")));
    }
}
