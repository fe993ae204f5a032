package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official Hugging Face JavaScript client ({@code @huggingface/hub}, pinned in hf-client-test/package.json)
 * against a real server: create a repository, upload a multi-file model with a file over 50 MB, list it and
 * download every file byte-identical. Needs Node.js and {@code npm ci --prefix hf-client-test}; skipped without
 * them on a developer machine, required under CI.
 */
class HuggingFaceClientTest {
    @TempDir
    Path dataDir;

    @Test
    void theOfficialJavaScriptClientRoundTripsAModel() throws Exception {
        requireClient();
        try (TestServer server = TestServer.start(dataDir)) {
            server.createOrg("open-lab");
            server.createUser("researcher");
            server.addMember("open-lab", "researcher", "member");
            String token = server.tokenFor("researcher", "read", "write");

            List<String> lines = node(server, "roundtrip.mjs", Map.of("HF_TOKEN", "hf_" + token,
                    "HF_REPO", "open-lab/roundtrip-7b"));
            assertThat(lines.stream().filter(line -> line.contains("\"step\":\"download\""))).hasSize(5);

            JsonNode tree = server.get("/api/v1/repos/model/open-lab/roundtrip-7b/tree/main").token(token).expect(200);
            assertThat(tree.path("files").findValuesAsText("path")).contains("model-00001.safetensors");
            JsonNode repo = server.get("/api/v1/repos/model/open-lab/roundtrip-7b").token(token).expect(200);
            assertThat(repo.path("repository").path("card").path("license").asText()).isEqualTo("apache-2.0");
        }
    }

    @Test
    void theOfficialJavaScriptClientRunsAUserSession() throws Exception {
        requireClient();
        try (TestServer server = TestServer.start(dataDir)) {
            server.createOrg("open-lab");
            server.createOrg("rival-lab");
            server.createUser("researcher");
            server.createUser("stranger");
            server.addMember("open-lab", "researcher", "admin");
            server.addMember("rival-lab", "stranger", "owner");
            String token = server.tokenFor("researcher", "read", "write", "admin");
            server.post("/api/v1/repos").token(token).json(Map.of("kind", "model", "namespace", "open-lab",
                    "name", "gated-corpus", "visibility", "gated")).expect(201);
            server.commit(token, "models/open-lab/gated-corpus", Map.of("README.md",
                    "---\nlicense: cc-by-nc-4.0\n---\n# Gated\n")).expect(200);

            List<String> lines = node(server, "session.mjs", Map.of("HF_TOKEN", "hf_" + token, "OTHER_TOKEN", "hf_"
                    + server.tokenFor("stranger", "read", "write"), "HF_ORG", "open-lab", "GATED_REPO",
                    "open-lab/gated-corpus"));
            assertThat(lines).anySatisfy(line -> assertThat(line).contains("\"step\":\"refusals\""));
        }
    }

    @Test
    void theOfficialJavaScriptClientPushesAFineTuneSeriesOverXet() throws Exception {
        requireClient();
        try (TestServer server = TestServer.start(dataDir)) {
            server.createOrg("open-lab");
            server.createOrg("lfs-lab");
            server.createOrg("rival-lab");
            server.createUser("researcher");
            server.createUser("stranger");
            server.addMember("open-lab", "researcher", "member");
            server.addMember("lfs-lab", "researcher", "member");
            server.addMember("rival-lab", "stranger", "owner");
            List<String> lines = node(server, "xet.mjs", Map.of("HF_TOKEN", "hf_" + server.tokenFor("researcher",
                    "read", "write"), "OTHER_TOKEN", "hf_" + server.tokenFor("stranger", "read", "write"), "HF_ORG",
                    "open-lab", "LFS_ORG", "lfs-lab", "BLOB_DIR", dataDir.resolve("blobs").toString()));
            JsonNode summary = TestServer.JSON.readTree(lines.stream().filter(line -> line.contains("\"summary\""))
                    .findFirst().orElseThrow());
            long model = summary.path("modelBytes").asLong();
            long versions = summary.path("versions").asLong() - 1;
            // Each later version rewrites 2 MiB: over Xet only about that travels and is stored; over LFS the whole
            // file travels each time (the server's own chunking dedups what it stores).
            assertThat(summary.path("xetSentAfterBase").asLong()).isLessThan(versions * model / 4);
            assertThat(summary.path("lfsSentAfterBase").asLong()).isGreaterThanOrEqualTo(versions * model);
            assertThat(summary.path("xetStoredAfterBase").asLong()).isLessThan(versions * model / 4);
        }
    }

    private static void requireClient() {
        boolean installed = Files.isDirectory(ClientScripts.projectRoot()
                .resolve("hf-client-test/node_modules/@huggingface/hub"));
        if (!installed || !nodeAvailable()) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException("CI must run 'npm ci --prefix hf-client-test' with Node.js installed");
            }
            assumeTrue(false, "run 'npm ci --prefix hf-client-test' (Node.js 18+) to drive the official client");
        }
    }

    /** Runs one of hf-client-test's scripts against the server; its lines, once it has succeeded to the end. */
    private static List<String> node(TestServer server, String script, Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("node", ClientScripts.projectRoot().resolve("hf-client-test/"
                + script).toString());
        builder.environment().put("HUB_URL", server.url().toString().replaceAll("/$", ""));
        builder.environment().putAll(env);
        List<String> lines = ClientScripts.run(builder, "hf-client " + script, 5, "\"step\":\"done\"");
        return lines;
    }

    private static boolean nodeAvailable() {
        try {
            Process process = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

}
