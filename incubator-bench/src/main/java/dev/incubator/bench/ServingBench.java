package dev.incubator.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.replica.ReplicaServer;
import dev.incubator.server.IncubatorServer;
import dev.incubator.server.config.ServerConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The gateway against the engine called directly, in the same run, on the same checkpoint (a random 3M-parameter
 * llama of the toolkit): a server on its embedded defaults runs the deployment's replica as a local job; the same
 * replica server also runs in this process, on the same files and CPUs, as the direct peer. Reports the gateway's
 * overhead on a short completion, time to first token and tokens/s per stream and in total for N concurrent
 * streaming clients, and the cold start of a deployment scaled to zero (first call's latency and the replica's
 * measured start).
 *
 * <pre>
 * ./bench ServingBench [--requests 30] [--tokens 64] [--clients 1,2,4,8] [--cold-starts 3] [--cpus 2]
 * </pre>
 */
public final class ServingBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private ServingBench() {
    }

    /** Writes the benchmarks' random checkpoint (serving_model.py) to {@code modelDir}; returns its parameter count. */
    static String writeCheckpoint(Path work, Path modelDir) throws IOException, InterruptedException {
        Path script = work.resolve("serving_model.py");
        try (InputStream in = ServingBench.class.getResourceAsStream("/serving_model.py")) {
            Files.copy(in, script);
        }
        String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        Process process = new ProcessBuilder(python, script.toString(), Path.of("toolkits").toAbsolutePath()
                .toString(), modelDir.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String parameters = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (process.waitFor() != 0) {
            throw new IllegalStateException("writing the checkpoint failed");
        }
        return parameters;
    }

    public static void main(String[] args) throws Exception {
        BenchOptions options = BenchOptions.parse("ServingBench", args, BenchOptions.defaults("--requests", "30",
                "--tokens", "64", "--clients", "1,2,4,8", "--cold-starts", "3", "--cpus", "2"));
        int requests = options.integer("--requests");
        int tokens = options.integer("--tokens");
        int cpus = options.integer("--cpus");
        Path work = Files.createTempDirectory("incubator-serving-bench");
        // Replica jobs run as the organisation's account: it must pass through to the data directory.
        Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        Path modelDir = work.resolve("model");
        String parameters = writeCheckpoint(work, modelDir);

        Path dataDir = work.resolve("data");
        ServerConfig config = ServerConfig.load(Optional.empty(), Map.of(), Map.of("data-dir", dataDir.toString(),
                "server.port", "0", "server.access-log", "false", "compute.virtual-gpus", "4",
                "compute.cycle-interval-ms", "200"));
        IncubatorServer server = IncubatorServer.start(config);
        ReplicaServer direct = null;
        try {
            String base = server.url().toString().replaceAll("/$", "");
            String operator = Files.readString(dataDir.resolve("bootstrap-token")).strip();
            call(base, operator, "POST", "/api/v1/orgs", Map.of("name", "lab", "display_name", "Lab", "kind", "lab"));
            call(base, operator, "POST", "/api/v1/users", Map.of("name", "ada", "display_name", "Ada", "email",
                    "ada@example.org"));
            call(base, operator, "POST", "/api/v1/orgs/lab/members", Map.of("user", "ada", "role", "admin"));
            call(base, operator, "POST", "/api/v1/orgs/lab/grants", Map.of("programme", "bench", "gpu_hours",
                    Map.of("any", 1000), "starts_on", "2026-01-01", "ends_on", "2099-12-31"));
            String ada = call(base, operator, "POST", "/api/v1/users/ada/tokens", Map.of("name", "bench", "scopes",
                    List.of("read", "write"))).path("secret").asText();
            call(base, ada, "POST", "/api/v1/repos", Map.of("kind", "model", "namespace", "lab", "name", "bench"));
            commit(base, ada, "models/lab/bench", modelDir);
            call(base, ada, "POST", "/api/v1/orgs/lab/deployments", Map.of("name", "warm", "model",
                    "models/lab/bench", "replicas", "1", "cpus", cpus));
            long waitUntil = System.nanoTime() + 120_000_000_000L;
            while (call(base, ada, "GET", "/api/v1/orgs/lab/deployments/warm", null).path("ready").asInt() < 1) {
                if (System.nanoTime() > waitUntil) {
                    throw new IllegalStateException("the replica did not become ready in 120 s");
                }
                Thread.sleep(200);
            }
            direct = ReplicaServer.start(new ReplicaServer.Settings(modelDir, "lab/warm", "127.0.0.1", 0, "direct",
                    cpus, 16));
            String directBase = "http://127.0.0.1:" + direct.port();
            System.out.printf(Locale.ROOT, "checkpoint: %s parameters; replica: %d CPU(s), %d at once; %d requests"
                    + " per point, %d tokens each%n%n", parameters, cpus, cpus, requests, tokens);

            // 1. Overhead: the same short completion, sequentially, through the gateway and directly.
            Map<String, Object> shortCompletion = Map.of("model", "lab/warm", "prompt", "三加四等于", "max_tokens", 8,
                    "temperature", 0);
            for (int i = 0; i < 5; i++) {
                latency(base, ada, shortCompletion);
                latency(directBase, "direct", shortCompletion);
            }
            List<Double> viaGateway = new ArrayList<>();
            List<Double> viaDirect = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                viaGateway.add(latency(base, ada, shortCompletion));
                viaDirect.add(latency(directBase, "direct", shortCompletion));
            }
            double gatewayMedian = median(viaGateway);
            double directMedian = median(viaDirect);
            System.out.println("| completion of 8 tokens | median ms | p90 ms |");
            System.out.println("|---|---:|---:|");
            System.out.printf(Locale.ROOT, "| engine directly (replica server in process) | %.2f | %.2f |%n",
                    directMedian, percentile(viaDirect, 0.9));
            System.out.printf(Locale.ROOT, "| through the gateway (replica job) | %.2f | %.2f |%n", gatewayMedian,
                    percentile(viaGateway, 0.9));
            System.out.printf(Locale.ROOT, "| gateway overhead | %.2f | |%n%n", gatewayMedian - directMedian);

            // 2. Concurrent streaming clients.
            System.out.println("| clients | path | TTFT median ms | TTFT p90 ms | tokens/s per stream (median) |"
                    + " tokens/s total |");
            System.out.println("|---:|---|---:|---:|---:|---:|");
            for (String count : options.string("--clients").split(",")) {
                int clients = Integer.parseInt(count.strip());
                for (String path : List.of("direct", "gateway")) {
                    String url = path.equals("direct") ? directBase : base;
                    String key = path.equals("direct") ? "direct" : ada;
                    Streams result = streams(url, key, clients, Math.max(clients, requests / 3), tokens);
                    System.out.printf(Locale.ROOT, "| %d | %s | %.1f | %.1f | %.1f | %.1f |%n", clients, path,
                            median(result.ttft), percentile(result.ttft, 0.9), median(result.perStream),
                            result.total);
                }
            }
            System.out.println();

            // 3. Cold starts of a deployment that scales to zero (the warm one gives its CPUs back first).
            call(base, ada, "DELETE", "/api/v1/orgs/lab/deployments/warm", null);
            while (!call(base, ada, "GET", "/api/v1/queue", null).path("items").isEmpty()) {
                Thread.sleep(200);
            }
            call(base, ada, "POST", "/api/v1/orgs/lab/deployments", Map.of("name", "cold", "model",
                    "models/lab/bench", "replicas", "0..1", "cpus", cpus, "idle_seconds", 10));
            Map<String, Object> coldCall = Map.of("model", "lab/cold", "prompt", "三加四等于", "max_tokens", 8);
            List<Double> firstCall = new ArrayList<>();
            List<Double> measured = new ArrayList<>();
            for (int round = 0; round < options.integer("--cold-starts"); round++) {
                while (call(base, ada, "GET", "/api/v1/orgs/lab/deployments/cold", null).path("replicas").size() > 0) {
                    Thread.sleep(500);
                }
                firstCall.add(latency(base, ada, coldCall));
                measured.add(call(base, ada, "GET", "/api/v1/orgs/lab/deployments/cold", null).path("replicas")
                        .get(0).path("cold_start_seconds").asDouble() * 1000);
                latency(base, ada, coldCall);
            }
            System.out.println("| cold start (scaled to zero) | median ms | all ms |");
            System.out.println("|---|---:|---|");
            System.out.printf(Locale.ROOT, "| first call's latency | %.0f | %s |%n", median(firstCall),
                    format(firstCall));
            System.out.printf(Locale.ROOT, "| replica job submitted to ready | %.0f | %s |%n", median(measured),
                    format(measured));
        } finally {
            if (direct != null) {
                direct.close();
            }
            server.close();
        }
    }

    private record Streams(List<Double> ttft, List<Double> perStream, double total) {
    }

    /** {@code total} streamed chat completions, {@code clients} at a time. */
    private static Streams streams(String base, String key, int clients, int total, int tokens) throws Exception {
        List<Double> ttft = new ArrayList<>();
        List<Double> perStream = new ArrayList<>();
        long generated = 0;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long started = System.nanoTime();
        try {
            List<Future<double[]>> futures = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                int seed = i;
                futures.add(pool.submit(() -> stream(base, key, tokens, seed)));
            }
            for (Future<double[]> future : futures) {
                double[] one = future.get();
                ttft.add(one[0]);
                perStream.add(one[1]);
                generated += (long) one[2];
            }
        } finally {
            pool.shutdown();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        return new Streams(ttft, perStream, generated / seconds);
    }

    /** One streamed chat: time to the first content, tokens/s after it, and tokens. */
    private static double[] stream(String base, String key, int tokens, int seed) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", "lab/warm");
        body.put("messages", List.of(Map.of("role", "user", "content", "星期一之后是")));
        body.put("max_tokens", tokens);
        body.put("temperature", 0.8);
        body.put("seed", seed);
        body.put("stream", true);
        body.put("stream_options", Map.of("include_usage", true));
        long started = System.nanoTime();
        HttpResponse<InputStream> response = HTTP.send(request(base + "/v1/chat/completions", key, "POST", body),
                HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("stream answered " + response.statusCode() + ": "
                    + new String(response.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        long first = 0;
        int completion = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
                    continue;
                }
                JsonNode chunk = JSON.readTree(line.substring(6));
                if (first == 0 && chunk.path("choices").path(0).path("delta").path("content").asText("").length()
                        > 0) {
                    first = System.nanoTime();
                }
                if (chunk.path("usage").isObject()) {
                    completion = chunk.path("usage").path("completion_tokens").asInt();
                }
            }
        }
        long ended = System.nanoTime();
        if (first == 0) {
            first = ended;
        }
        double afterFirst = Math.max(1e-9, (ended - first) / 1e9);
        return new double[] {(first - started) / 1e6, Math.max(0, completion - 1) / afterFirst, completion};
    }

    private static double latency(String base, String key, Map<String, Object> body) throws Exception {
        long started = System.nanoTime();
        HttpResponse<String> response = HTTP.send(request(base + "/v1/completions", key, "POST", body),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("completion answered " + response.statusCode() + ": " + response.body());
        }
        return (System.nanoTime() - started) / 1e6;
    }

    private static JsonNode call(String base, String token, String method, String path, Object body)
            throws Exception {
        HttpResponse<String> response = HTTP.send(request(base + path, token, method, body),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
    }

    private static HttpRequest request(String url, String token, String method, Object body) throws IOException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer "
                + token);
        if (body == null) {
            return builder.method(method, HttpRequest.BodyPublishers.noBody()).build();
        }
        return builder.header("Content-Type", "application/json").method(method,
                HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build();
    }

    /** The checkpoint's files as one Hugging Face commit (NDJSON, base64). */
    private static void commit(String base, String token, String repo, Path folder) throws Exception {
        StringBuilder body = new StringBuilder("{\"key\":\"header\",\"value\":{\"summary\":\"bench checkpoint\"}}\n");
        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                "generation_config.json")) {
            if (Files.exists(folder.resolve(file))) {
                body.append(JSON.createObjectNode().put("key", "file").set("value", JSON.createObjectNode()
                        .put("path", file).put("encoding", "base64").put("content", Base64.getEncoder()
                                .encodeToString(Files.readAllBytes(folder.resolve(file))))).toString()).append('\n');
            }
        }
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/" + repo
                        + "/commit/main")).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(
                        body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("commit answered " + response.statusCode() + ": " + response.body());
        }
    }

    private static double median(List<Double> values) {
        return percentile(values, 0.5);
    }

    private static double percentile(List<Double> values, double q) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(q * (sorted.size() - 1) + 0.5)));
    }

    private static String format(List<Double> values) {
        List<String> parts = new ArrayList<>();
        values.forEach(value -> parts.add(String.format(Locale.ROOT, "%.0f", value)));
        return String.join(", ", parts);
    }
}
