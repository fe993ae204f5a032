package dev.incubator.bench;

import dev.incubator.server.IncubatorServer;
import dev.incubator.server.config.ServerConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * End-to-end throughput and latency of authenticated API calls on loopback, against the same server's
 * unauthenticated {@code /healthz} (HTTP stack only, no token check, no database) as the ceiling.
 *
 * <pre>
 * ./bench ApiThroughputBench [--seconds 10] [--concurrency 8] [--rounds 3]
 * </pre>
 */
public final class ApiThroughputBench {
    private record Result(double requestsPerSecond, double p50Millis, double p99Millis, long errors) {
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    public static void main(String[] args) throws Exception {
        BenchOptions options = BenchOptions.parse("ApiThroughputBench", args, BenchOptions.defaults("--seconds", "10",
                "--concurrency", "8", "--rounds", "3", "--synchronous", "FULL", "--store-url", ""));
        new ApiThroughputBench().run(options.integer("--seconds"), options.integer("--concurrency"),
                options.integer("--rounds"), options.string("--synchronous"), options.string("--store-url"));
    }

    /** {@code storeUrl}: empty for the embedded SQLite, else a JDBC URL such as a fresh PostgreSQL database. */
    private void run(int seconds, int concurrency, int rounds, String synchronous, String storeUrl) throws Exception {
        Path dataDir = Files.createTempDirectory("incubator-bench");
        Map<String, String> settings = new LinkedHashMap<>(Map.of(
                "data-dir", dataDir.toString(), "server.port", "0", "server.access-log", "false",
                "store.sqlite.synchronous", synchronous, "server.rate-limit-per-minute", "0",
                "server.rate-limit-per-organisation-per-minute", "0"));
        if (!storeUrl.isEmpty()) {
            settings.put("store.url", storeUrl);
        }
        ServerConfig config = ServerConfig.load(java.util.Optional.empty(), Map.of(), settings);
        try (IncubatorServer server = IncubatorServer.start(config)) {
            URI base = server.url();
            String token = Files.readString(dataDir.resolve("bootstrap-token")).strip();
            send(base, token, "POST", "/api/v1/orgs", "{\"name\":\"bench\",\"display_name\":\"Bench\",\"kind\":\"lab\"}");
            String grant = send(base, token, "POST", "/api/v1/orgs/bench/grants", "{\"programme\":\"bench\","
                    + "\"gpu_hours\":{\"any\":100000000},\"starts_on\":\"2026-01-01\",\"ends_on\":\"2099-12-31\"}");
            String grantId = grant.replaceAll(".*\"id\":\"(grt_[a-z0-9]+)\".*", "$1");

            Map<String, Operation> workloads = new LinkedHashMap<>();
            workloads.put("GET /healthz (peer: HTTP only, no auth, no DB)",
                    http(i -> HttpRequest.newBuilder(base.resolve("/healthz")).build()));
            workloads.put("GET /api/v1/orgs/bench (auth + 3 reads)", http(i -> authorised(base, token,
                    "/api/v1/orgs/bench").GET().build()));
            workloads.put("POST usage debit (auth + ledger + audit, 1 commit)", http(i -> authorised(base, token,
                    "/api/v1/orgs/bench/grants/" + grantId + "/usage")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"gpu_type\":\"a100\",\"gpu_hours\":0.001,"
                            + "\"reference\":\"bench-" + i + "\"}")).build()));
            workloads.put("peer: bare SQLite commit (1 insert, same synchronous, no HTTP)",
                    bareCommits(dataDir.resolve("peer.db"), synchronous));

            System.out.printf(Locale.ROOT, "Incubator API on loopback: %d client threads, %d s per run, %d rounds, "
                    + "store %s, %d cores%n%n", concurrency, seconds, rounds, storeUrl.isEmpty()
                            ? "SQLite synchronous=" + synchronous : storeUrl.replaceAll("\\?.*", ""),
                    Runtime.getRuntime().availableProcessors());
            Map<String, List<Result>> results = new LinkedHashMap<>();
            for (String name : workloads.keySet()) {
                measure(workloads.get(name), concurrency, 2); // warm-up
            }
            for (int round = 0; round < rounds; round++) {
                for (Map.Entry<String, Operation> workload : workloads.entrySet()) {
                    results.computeIfAbsent(workload.getKey(), k -> new ArrayList<>())
                            .add(measure(workload.getValue(), concurrency, seconds));
                }
            }
            double peer = median(results.values().iterator().next().stream().mapToDouble(Result::requestsPerSecond)
                    .toArray());
            double commitPeer = median(results.get("peer: bare SQLite commit (1 insert, same synchronous, no HTTP)")
                    .stream().mapToDouble(Result::requestsPerSecond).toArray());
            System.out.println("Ratios: GETs against /healthz; the POST against the bare SQLite commit rate.");
            System.out.println();
            System.out.println("| workload | req/s (median) | p50 ms | p99 ms | vs peer | errors |");
            System.out.println("|---|---:|---:|---:|---:|---:|");
            for (Map.Entry<String, List<Result>> entry : results.entrySet()) {
                List<Result> runs = entry.getValue();
                double rps = median(runs.stream().mapToDouble(Result::requestsPerSecond).toArray());
                double ratio = entry.getKey().startsWith("peer:") ? 1.0
                        : rps / (entry.getKey().startsWith("POST") ? commitPeer : peer);
                System.out.printf(Locale.ROOT, "| %s | %.0f | %.2f | %.2f | %.2f | %d |%n", entry.getKey(), rps,
                        median(runs.stream().mapToDouble(Result::p50Millis).toArray()),
                        median(runs.stream().mapToDouble(Result::p99Millis).toArray()), ratio,
                        runs.stream().mapToLong(Result::errors).sum());
            }
        }
    }

    /** One request of a workload; returns false when it failed. */
    @FunctionalInterface
    private interface Operation {
        boolean run(int sequence) throws IOException, InterruptedException;
    }

    private Operation http(IntFunction<HttpRequest> request) {
        return sequence -> http.send(request.apply(sequence), HttpResponse.BodyHandlers.ofByteArray()).statusCode() < 300;
    }

    /** The storage ceiling for writes: one-row transactions on a bare SQLite file, WAL, same durability. */
    private static Operation bareCommits(Path file, String synchronous) throws java.sql.SQLException {
        org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
        config.setJournalMode(org.sqlite.SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(org.sqlite.SQLiteConfig.SynchronousMode.valueOf(synchronous));
        config.setBusyTimeout(10_000);
        java.sql.Connection connection = config.createConnection("jdbc:sqlite:" + file);
        connection.createStatement().execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)");
        java.sql.PreparedStatement insert = connection.prepareStatement("INSERT INTO t (v) VALUES (?)");
        return sequence -> {
            synchronized (connection) {
                try {
                    insert.setString(1, "row-" + sequence);
                    insert.executeUpdate();
                    return true;
                } catch (java.sql.SQLException e) {
                    return false;
                }
            }
        };
    }

    private Result measure(Operation workload, int concurrency, int seconds) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        List<long[]> latencies = new ArrayList<>();
        AtomicLong errors = new AtomicLong();
        AtomicLong sequence = new AtomicLong();
        CountDownLatch done = new CountDownLatch(concurrency);
        for (int t = 0; t < concurrency; t++) {
            long[] samples = new long[2_000_000];
            latencies.add(samples);
            int[] count = new int[1];
            Thread thread = new Thread(() -> {
                try {
                    while (System.nanoTime() < end && count[0] < samples.length) {
                        int next = (int) sequence.incrementAndGet();
                        long start = System.nanoTime();
                        try {
                            if (!workload.run(next)) {
                                errors.incrementAndGet();
                            }
                        } catch (IOException e) {
                            errors.incrementAndGet();
                        }
                        samples[count[0]++] = System.nanoTime() - start;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    samples[samples.length - 1] = count[0];
                    done.countDown();
                }
            });
            thread.start();
        }
        done.await();
        long total = latencies.stream().mapToLong(samples -> samples[samples.length - 1]).sum();
        long[] all = new long[(int) total];
        int offset = 0;
        for (long[] samples : latencies) {
            int count = (int) samples[samples.length - 1];
            System.arraycopy(samples, 0, all, offset, count);
            offset += count;
        }
        Arrays.sort(all);
        return new Result(total / (double) seconds, all[(int) (all.length * 0.50)] / 1e6,
                all[(int) Math.min(all.length - 1, all.length * 0.99)] / 1e6, errors.get());
    }

    private static HttpRequest.Builder authorised(URI base, String token, String path) {
        return HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token);
    }

    private String send(URI base, String token, String method, String path, String body) throws Exception {
        HttpResponse<String> response = http.send(authorised(base, token, path).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(path + " -> " + response.statusCode() + " " + response.body());
        }
        return response.body();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
