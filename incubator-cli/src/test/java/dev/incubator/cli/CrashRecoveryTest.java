package dev.incubator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills {@code incubator serve} with SIGKILL in the middle of a burst of writes, restarts it, and checks that
 * every acknowledged write survived and the ledger still balances.
 */
class CrashRecoveryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path dataDir;

    @Test
    void noAcknowledgedWriteIsLostWhenTheServerIsKilled() throws Exception {
        int port = freePort();
        URI base = URI.create("http://127.0.0.1:" + port);
        Process server = startServer(port);
        String token;
        String grantPath;
        Set<String> acknowledgedUsage = ConcurrentHashMap.newKeySet();
        Set<String> acknowledgedOrgs = ConcurrentHashMap.newKeySet();
        try {
            awaitReady(base, server);
            token = Files.readString(dataDir.resolve("bootstrap-token")).strip();
            send(base, token, "POST", "/api/v1/orgs", Map.of("name", "lab", "display_name", "Lab", "kind", "lab"));
            JsonNode grant = send(base, token, "POST", "/api/v1/orgs/lab/grants", Map.of("programme", "p",
                    "gpu_hours", Map.of("any", 1_000_000), "starts_on", "2026-01-01", "ends_on", "2099-12-31"));
            grantPath = "/api/v1/orgs/lab/grants/" + grant.path("id").asText();

            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService writers = Executors.newFixedThreadPool(4);
            for (int w = 0; w < 4; w++) {
                int writer = w;
                writers.submit(() -> {
                    for (int i = 0; running.get() && i < 100_000; i++) {
                        String reference = "w" + writer + "-" + i;
                        try {
                            if (i % 5 == 0) {
                                String org = "org-" + writer + "-" + i;
                                send(base, token, "POST", "/api/v1/orgs", Map.of("name", org, "display_name", org,
                                        "kind", "startup"));
                                acknowledgedOrgs.add(org);
                            } else {
                                send(base, token, "POST", grantPath + "/usage", Map.of("gpu_type", "a100",
                                        "gpu_hours", 0.5, "reference", reference));
                                acknowledgedUsage.add(reference);
                            }
                        } catch (Exception e) {
                            return; // the server died under us: this write was never acknowledged
                        }
                    }
                });
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (acknowledgedUsage.size() < 150 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            server.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
            server.waitFor(10, TimeUnit.SECONDS);
            running.set(false);
            writers.shutdown();
            assertThat(writers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            server.destroyForcibly();
        }
        assertThat(acknowledgedUsage).hasSizeGreaterThanOrEqualTo(150);

        Process restarted = startServer(port);
        try {
            awaitReady(base, restarted);
            Set<String> references = new HashSet<>();
            BigDecimal sum = BigDecimal.ZERO;
            String cursor = null;
            do {
                JsonNode page = send(base, token, "GET", grantPath + "/ledger?limit=500"
                        + (cursor == null ? "" : "&cursor=" + cursor), null);
                for (JsonNode entry : page.path("items")) {
                    sum = sum.add(entry.path("gpu_hours").decimalValue());
                    if (!entry.path("reference").isNull()) {
                        references.add(entry.path("reference").asText());
                    }
                }
                cursor = page.path("next_cursor").isNull() ? null : page.path("next_cursor").asText();
            } while (cursor != null);
            assertThat(references).containsAll(acknowledgedUsage);
            JsonNode grant = send(base, token, "GET", grantPath, null);
            assertThat(grant.path("balance_gpu_hours").decimalValue()).isEqualByComparingTo(sum);
            assertThat(grant.path("used_gpu_hours").decimalValue())
                    .isEqualByComparingTo(new BigDecimal("0.5").multiply(BigDecimal.valueOf(references.size())));
            for (String org : acknowledgedOrgs) {
                send(base, token, "GET", "/api/v1/orgs/" + org, null);
            }
        } finally {
            restarted.destroy(); // SIGTERM: the shutdown hook stops the server cleanly
            assertThat(restarted.waitFor(20, TimeUnit.SECONDS)).as("server stops on SIGTERM").isTrue();
        }
        assertThat(Files.readString(dataDir.getParent().resolve("server-" + port + ".log")))
                .contains("shutting down").contains("stopped");
    }

    @Test
    void aPushCutShortByKillingTheServerResumesSendingOnlyMissingChunksAndLeavesTheStoreClean() throws Exception {
        Path model = dataDir.getParent().resolve("model");
        Files.createDirectories(model);
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 6; i++) {
            byte[] shard = new byte[48 * 1024 * 1024];
            random.nextBytes(shard);
            Files.write(model.resolve("model-0000" + i + ".safetensors"), shard);
        }
        int port = freePort();
        URI base = URI.create("http://127.0.0.1:" + port);
        Process server = startServer(port);
        String token;
        try {
            awaitReady(base, server);
            token = Files.readString(dataDir.resolve("bootstrap-token")).strip();
            send(base, token, "POST", "/api/v1/orgs", Map.of("name", "lab", "display_name", "Lab", "kind", "lab"));
            IncubatorCommand.useEnvironment(Map.of("XDG_CONFIG_HOME", dataDir.getParent().resolve("cfg").toString(),
                    "INCUBATOR_URL", base.toString(), "INCUBATOR_TOKEN", token));
            assertThat(cli("hub", "create", "lab/big").exitCode).isZero();
            ExecutorService pusher = Executors.newSingleThreadExecutor();
            var firstPush = pusher.submit(() -> cli("hub", "push", model.toString(), "lab/big"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (storedChunks() < 500 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(storedChunks()).as("some chunks were stored before the kill").isGreaterThanOrEqualTo(500);
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
            Cli interrupted = firstPush.get(60, TimeUnit.SECONDS);
            pusher.shutdown();
            assertThat(interrupted.exitCode).as("the push fails when the server dies").isEqualTo(1);
        } finally {
            server.destroyForcibly();
        }

        Process restarted = startServer(port);
        try {
            awaitReady(base, restarted);
            Cli resumed = cli("hub", "push", model.toString(), "lab/big", "-o", "json");
            assertThat(resumed.exitCode).as(resumed.err).isZero();
            JsonNode summary = JSON.readTree(resumed.out);
            assertThat(summary.path("chunks_sent").asInt()).as("only what the first push did not store travels")
                    .isLessThan(summary.path("chunks").asInt());
            Path copy = dataDir.getParent().resolve("copy");
            assertThat(cli("hub", "pull", "lab/big", copy.toString()).exitCode).isZero();
            for (int i = 0; i < 6; i++) {
                String name = "model-0000" + i + ".safetensors";
                assertThat(HubTransfer.sha256(copy.resolve(name))).isEqualTo(HubTransfer.sha256(model.resolve(name)));
            }
            Cli fsck = cli("hub", "fsck");
            assertThat(fsck.exitCode).as(fsck.out).isZero();
            assertThat(fsck.out).startsWith("clean");
        } finally {
            IncubatorCommand.useEnvironment(System.getenv());
            restarted.destroy();
            restarted.waitFor(20, TimeUnit.SECONDS);
        }
    }

    private record Cli(int exitCode, String out, String err) {
    }

    private static Cli cli(String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine commandLine = IncubatorCommand.commandLine();
        commandLine.setOut(new java.io.PrintWriter(out));
        commandLine.setErr(new java.io.PrintWriter(err));
        int exit = commandLine.execute(args);
        return new Cli(exit, out.toString(), err.toString());
    }

    /** Chunks the server has recorded as stored (read from its SQLite database while it runs). */
    private long storedChunks() {
        try (var connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("incubator.db")
                + "?open_mode=1");
             var result = connection.createStatement().executeQuery("SELECT count(*) FROM hub_chunks")) {
            return result.next() ? result.getLong(1) : 0;
        } catch (java.sql.SQLException notYet) {
            return 0;
        }
    }

    @Test
    void jobsRunningWhenTheServerIsKilledAreAccountedForAfterRestart() throws Exception {
        int port = freePort();
        URI base = URI.create("http://127.0.0.1:" + port);
        Process server = startServer(port);
        String token;
        String finishesWhileDown;
        String outlivesTheOutage;
        String waiting;
        try {
            awaitReady(base, server);
            token = Files.readString(dataDir.resolve("bootstrap-token")).strip();
            send(base, token, "POST", "/api/v1/orgs", Map.of("name", "lab", "display_name", "Lab", "kind", "lab"));
            finishesWhileDown = submit(base, token, "sleep 2; echo done");
            outlivesTheOutage = submit(base, token, "sleep 10; echo survived");
            waiting = submit(base, token, "echo finally");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!(state(base, token, finishesWhileDown).equals("running")
                    && state(base, token, outlivesTheOutage).equals("running")) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(state(base, token, waiting)).isEqualTo("pending");
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        } finally {
            server.destroyForcibly();
        }
        Thread.sleep(3_000); // the first job ends while no server watches it

        Process restarted = startServer(port);
        try {
            awaitReady(base, restarted);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            while (!(state(base, token, finishesWhileDown).equals("succeeded")
                    && state(base, token, outlivesTheOutage).equals("succeeded")
                    && state(base, token, waiting).equals("succeeded")) && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(state(base, token, finishesWhileDown)).isEqualTo("succeeded");
            assertThat(state(base, token, outlivesTheOutage)).isEqualTo("succeeded");
            assertThat(state(base, token, waiting)).isEqualTo("succeeded");
        } finally {
            restarted.destroy();
            restarted.waitFor(20, TimeUnit.SECONDS);
        }
    }

    private String submit(URI base, String token, String script) throws Exception {
        return send(base, token, "POST", "/api/v1/orgs/lab/jobs", Map.of("name", "job", "command",
                java.util.List.of("bash", "-c", script), "gpus_per_node", 1)).path("id").asText();
    }

    private String state(URI base, String token, String job) throws Exception {
        return send(base, token, "GET", "/api/v1/orgs/lab/jobs/" + job, null).path("state").asText();
    }

    private Process startServer(int port) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                IncubatorCommand.class.getName(), "serve", "--data-dir", dataDir.toString(), "--port",
                Integer.toString(port), "--set", "server.access-log=false", "--virtual-gpus", "2",
                "--set", "compute.cycle-interval-ms=200")
                .redirectErrorStream(true)
                .redirectOutput(dataDir.getParent().resolve("server-" + port + ".log").toFile())
                .start();
    }

    private void awaitReady(URI base, Process process) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            assertThat(process.isAlive()).as("server process exited early").isTrue();
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("/readyz")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        throw new AssertionError("server did not become ready");
    }

    private JsonNode send(URI base, String token, String method, String path, Object body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token);
        if (body != null) {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() >= 300) {
            throw new IOException(method + " " + path + " -> " + response.statusCode() + " " + new String(response.body()));
        }
        return JSON.readTree(response.body());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

}
