package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The official Hugging Face Python client, unmodified from ../shared/clients/python, against a real server: a
 * user's whole session through its API and its command line (hf-client-test/python_session.py), for the newest 0.x
 * and the newest 1.x. Needs Debian's python3 with the packages .ci/run installs; skipped without them on a
 * developer machine, required under CI.
 */
class HuggingFacePythonClientTest {
    @TempDir
    Path dataDir;

    @TempDir
    Path home;

    @ParameterizedTest(name = "huggingface_hub {0}")
    @ValueSource(strings = {"0.36.2", "1.28.0"})
    void theOfficialPythonClientRunsAUserSession(String version) throws Exception {
        Path shared = ClientScripts.projectRoot().resolve("../shared/clients/python").normalize();
        String pythonPath = version.startsWith("0.") ? shared.resolve("huggingface_hub-" + version).toString()
                : shared.resolve("site-" + version) + ":" + shared.resolve("huggingface_hub-" + version);
        if (!clientImports(pythonPath)) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException("CI must provide python3 and the packages huggingface_hub " + version
                        + " needs (see ../shared/clients/python/README.md and .ci/run)");
            }
            assumeTrue(false, "python3 with huggingface_hub " + version + "'s dependencies is not installed");
        }
        try (TestServer server = TestServer.start(dataDir)) {
            server.createOrg("open-lab");
            server.createOrg("rival-lab");
            server.createUser("researcher");
            server.createUser("stranger");
            server.addMember("open-lab", "researcher", "admin");
            server.addMember("rival-lab", "stranger", "owner");
            String token = server.tokenFor("researcher", "read", "write", "admin");
            String other = server.tokenFor("stranger", "read", "write");
            server.post("/api/v1/repos").token(token).json(Map.of("kind", "model", "namespace", "open-lab",
                    "name", "gated-corpus", "visibility", "gated")).expect(201);
            server.commit(token, "models/open-lab/gated-corpus", Map.of("README.md",
                    "---\nlicense: cc-by-nc-4.0\n---\n# Gated\n")).expect(200);

            ProcessBuilder builder = new ProcessBuilder("/usr/bin/python3",
                    ClientScripts.projectRoot().resolve("hf-client-test/python_session.py").toString()).redirectErrorStream(true);
            Map<String, String> env = builder.environment();
            env.put("PYTHONPATH", pythonPath);
            env.put("HF_ENDPOINT", server.url().toString().replaceAll("/$", ""));
            env.put("HF_HOME", home.toString());
            env.put("HF_HUB_DISABLE_TELEMETRY", "1");
            env.put("HF_HUB_DISABLE_PROGRESS_BARS", "1");
            env.put("HF_TOKEN", "hf_" + token);
            env.put("OTHER_TOKEN", "hf_" + other);
            env.put("HF_ORG", "open-lab");
            env.put("GATED_REPO", "open-lab/gated-corpus");
            List<String> lines = ClientScripts.run(builder, "hf-python " + version, 10, "\"step\": \"done\"");
            assertThat(lines).anySatisfy(line -> assertThat(line).contains("\"step\": \"refusals\"")
                    .contains("request access"));

            // What the session did is in the audit log: the refusal of the gated read, by the stranger.
            List<String> denied = new ArrayList<>();
            String cursor = "";
            do {
                var page = server.get("/api/v1/audit-events?limit=500" + (cursor.isEmpty() ? "" : "&cursor=" + cursor))
                        .token(server.operatorToken()).expect(200);
                page.path("items").forEach(event -> {
                    if (event.path("action").asText().equals("access.deny")
                            && event.path("details").path("repository").asText().endsWith("open-lab/gated-corpus")) {
                        denied.add(event.path("actor").asText());
                    }
                });
                cursor = page.path("next_cursor").asText("");
            } while (!cursor.isEmpty());
            assertThat(denied).contains("user:stranger");
        }
    }

    private static boolean clientImports(String pythonPath) throws InterruptedException {
        try {
            ProcessBuilder builder = new ProcessBuilder("/usr/bin/python3", "-c",
                    "import huggingface_hub, huggingface_hub.hf_api").redirectErrorStream(true);
            builder.environment().put("PYTHONPATH", pythonPath);
            Process process = builder.start();
            process.getInputStream().readAllBytes();
            return process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }

}
