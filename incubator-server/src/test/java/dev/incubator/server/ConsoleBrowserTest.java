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
 * The console in real Chromium (Debian's {@code chromium}, driven by playwright-core from console-test), each role's
 * main path: a member watches a job's output arrive live, submits a pretraining run from a template and watches its
 * metrics drawn, browses a model and asks for a gated dataset, which its steward approves and the member then
 * downloads; an operator sees the cluster and awards a grant; a reviewer votes on a review. Chinese, the
 * accessibility basics at 1280x800 and on a phone, sign out; another organisation's member gets 404. Screenshots go
 * to target/console-screenshots (docs/console.md shows them).
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
            server.createOrg("commons");
            server.createUser("ada");
            server.createUser("bob");
            server.createUser("lea");
            server.createUser("sam");
            server.createUser("rita", "reviewer");
            server.addMember("lab", "ada", "member");
            server.addMember("lab", "lea", "admin");
            server.addMember("rivals", "bob", "member");
            server.addMember("commons", "sam", "steward");
            server.awardGrant("lab", Map.of("any", 40));
            String ada = server.tokenFor("ada", "read", "write");
            String lea = server.tokenFor("lea", "read", "write");
            String sam = server.tokenFor("sam", "read", "write");
            // What the member trains on and browses; a gated dataset of another organisation, with its steward.
            server.post("/api/v1/repos").token(ada).json(Map.of("kind", "dataset", "namespace", "lab", "name",
                    "corpus", "visibility", "organisation")).expect(201);
            server.commit(ada, "datasets/lab/corpus", Map.of("zh-en.txt", Files.readString(ClientScripts.projectRoot()
                    .resolve("toolkits/examples/corpus/zh-en.txt")))).expect(200);
            server.post("/api/v1/repos").token(ada).json(Map.of("kind", "model", "namespace", "lab", "name", "tiny",
                    "visibility", "public")).expect(201);
            server.commit(ada, "models/lab/tiny", Map.of("README.md", "---\nlicense: apache-2.0\nlanguage: [zh, en]\n"
                    + "---\n# Tiny\nA tiny bilingual model.\n", "config.json", "{\"hidden_size\": 64}")).expect(200);
            server.post("/api/v1/repos").token(sam).json(Map.of("kind", "dataset", "namespace", "commons", "name",
                    "dialogues", "visibility", "gated")).expect(201);
            server.commit(sam, "datasets/commons/dialogues", Map.of("README.md", "---\nlicense: cc-by-nc-4.0\n"
                    + "gated_conditions: for research on dialogue only\n---\nDialogues.\n", "dialogues.txt",
                    "A: 你好\nB: hello\n")).expect(200);
            // An application of the lab under review, for the committee's reviewer.
            server.post("/api/v1/orgs/lab/applications").token(lea).json(Map.of("name", "tutor", "purpose",
                    "A bilingual tutor for the lab's students", "audience", "public", "domain", "education"))
                    .expect(201);
            String review = server.post("/api/v1/orgs/lab/applications/tutor/reviews").token(lea).expect(201)
                    .path("id").asText();
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
            builder.environment().putAll(Map.of("STEWARD_TOKEN", sam, "OPERATOR_TOKEN", server.operatorToken(),
                    "REVIEWER_TOKEN", server.tokenFor("rita", "read", "write"), "REVIEW", review));
            List<String> lines = ClientScripts.run(builder, "console walk", 8, "\"step\":\"done\"");
            assertThat(String.join("\n", lines)).contains("\"step\":\"live-log\"", "\"step\":\"template-run\"", "\"step\":\"playground\"",
                    "\"step\":\"gated-download\"", "\"step\":\"operator\"", "\"step\":\"reviewer\"",
                    "\"step\":\"chinese\"", "\"step\":\"phone\"", "\"step\":\"outsider\"");

            // What the browser did is what the platform holds.
            assertThat(server.get("/api/v1/orgs/rivals/grants").token(server.operatorToken()).expect(200)
                    .path("items").get(0).path("programme").asText()).isEqualTo("Spring compute");
            assertThat(server.get("/api/v1/reviews/" + review).token(server.operatorToken()).expect(200)
                    .path("votes").get(0).path("conditions").get(0).asText()).isEqualTo("a teacher reads every log");
            for (String name : List.of("sign-in", "home", "jobs", "job", "template", "run", "playground", "repo", "access-request",
                    "steward", "cluster", "grant", "review", "home-zh", "job-phone", "not-found")) {
                assertThat(shots.resolve(name + ".png")).isNotEmptyFile();
            }
            server.post("/api/v1/orgs/lab/jobs/" + job + "/cancel").token(ada).expect(200);
        }
    }
}
