package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console in real Chromium (Debian's {@code chromium}, driven by playwright-core from console-test): a member's
 * main path with a job whose output arrives live, Chinese, the accessibility basics at 1280x800 and on a phone, sign
 * out; another organisation's member gets 404. Screenshots go to target/console-screenshots (docs/console.md shows
 * them).
 */
class ConsoleBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @Test
    void aMemberWalksTheConsoleAndAnOutsiderSeesNothingOfIt(@TempDir Path dataDir) throws Exception {
        Path script = ClientScripts.projectRoot().resolve("console-test/walk.mjs");
        boolean installed = Files.isDirectory(ClientScripts.projectRoot().resolve(
                "console-test/node_modules/playwright-core")) && Files.isExecutable(CHROMIUM);
        if (!installed) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException("CI must install chromium and run 'npm ci --prefix console-test'");
            }
            assumeTrue(false, "install Debian's chromium and run 'npm ci --prefix console-test'");
        }
        try (TestServer server = TestServer.start(dataDir)) {
            server.createOrg("lab");
            server.createOrg("rivals");
            server.createUser("ada");
            server.createUser("bob");
            server.addMember("lab", "ada", "member");
            server.addMember("rivals", "bob", "member");
            server.awardGrant("lab", Map.of("any", 40));
            String ada = server.tokenFor("ada", "read", "write");
            String job = server.post("/api/v1/orgs/lab/jobs").token(ada).json(Map.of("name", "ticker", "command",
                    List.of("bash", "-c", "for i in $(seq 1 120); do echo tick $i; sleep 1; done"))).expect(201)
                    .path("id").asText();
            await().atMost(Duration.ofSeconds(30)).until(() -> server.get("/api/v1/orgs/lab/jobs/" + job).token(ada)
                    .expect(200).path("state").asText().equals("running"));
            ProcessBuilder builder = new ProcessBuilder("node", script.toString());
            Path shots = ClientScripts.projectRoot().resolve("incubator-server/target/console-screenshots");
            builder.environment().putAll(Map.of("CONSOLE_URL", server.url().toString(), "MEMBER_TOKEN", ada,
                    "OUTSIDER_TOKEN", server.tokenFor("bob", "read", "write"), "ORG", "lab", "JOB", job,
                    "SCREENSHOTS", shots.toString(), "CHROMIUM", CHROMIUM.toString()));
            List<String> lines = ClientScripts.run(builder, "console walk", 4, "\"step\":\"done\"");
            assertThat(String.join("\n", lines)).contains("\"step\":\"live-log\"", "\"step\":\"chinese\"",
                    "\"step\":\"phone\"", "\"step\":\"outsider\"");
            for (String name : List.of("sign-in", "home", "jobs", "job", "home-zh", "job-phone", "not-found")) {
                assertThat(shots.resolve(name + ".png")).isNotEmptyFile();
            }
            server.post("/api/v1/orgs/lab/jobs/" + job + "/cancel").token(ada).expect(200);
        }
    }
}
