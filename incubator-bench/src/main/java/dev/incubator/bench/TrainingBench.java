package dev.incubator.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.server.IncubatorServer;
import dev.incubator.server.config.ServerConfig;
import dev.incubator.toolkit.template.TemplateCatalog;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Training throughput of the pretrain template against the same model and batches in a bare PyTorch loop (no
 * metrics, no checkpoints, no signal handling), and of the template run as a job on the platform (isolation,
 * mounts, the metrics file tailed), in the same run, interleaved round by round. Each prints "trained N steps in S s
 * (T tokens/s)" for its training loop alone (not imports or tokenisation); medians and ratios are reported.
 *
 * <pre>
 * ./bench TrainingBench [--steps 150] [--rounds 3] [--checkpoint-every 50]
 * </pre>
 */
public final class TrainingBench {
    private static final Pattern RATE = Pattern.compile("trained (\\d+) steps in [0-9.]+ s \\((\\d+) tokens/s\\)");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The system's Python, as jobs get it (a python3 earlier on the caller's PATH may lack PyTorch). */
    private static final String PYTHON = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3"
            : "python3";

    public static void main(String[] args) throws Exception {
        BenchOptions options = BenchOptions.parse("TrainingBench", args, BenchOptions.defaults("--steps", "150",
                "--rounds", "3", "--checkpoint-every", "50"));
        int steps = options.integer("--steps");
        int rounds = options.integer("--rounds");
        Path toolkits = Path.of("toolkits").toAbsolutePath();
        Path corpus = toolkits.resolve("examples/corpus/zh-en.txt");
        if (!Files.isRegularFile(corpus)) {
            throw new IllegalStateException("run from the project root: " + corpus + " is missing");
        }
        Path work = Files.createTempDirectory("incubator-training-bench");
        // Jobs run as their organisation's account when the service runs as root: they pass through to their folder.
        Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        Path bare = work.resolve("bare_loop.py");
        try (InputStream in = TrainingBench.class.getResourceAsStream("/bare_loop.py")) {
            Files.copy(in, bare);
        }
        Map<String, String> parameters = Map.of("data", "datasets/bench/corpus", "steps", Integer.toString(steps),
                "checkpoint_every", options.string("--checkpoint-every"), "log_every", "10", "eval_every", "50");
        var filled = TemplateCatalog.fill(TemplateCatalog.builtIn().get("pretrain"), parameters);

        ServerConfig config = ServerConfig.load(java.util.Optional.empty(), Map.of(), Map.of("data-dir",
                work.resolve("data").toString(), "server.port", "0", "server.access-log", "false",
                "compute.virtual-gpus", "4"));
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        try (IncubatorServer server = IncubatorServer.start(config)) {
            Api api = new Api(server.url().toString(), Files.readString(work.resolve("data/bootstrap-token")).strip());
            api.send("POST", "/api/v1/orgs", "{\"name\":\"bench\",\"display_name\":\"Bench\",\"kind\":\"lab\"}");
            api.send("POST", "/api/v1/orgs/bench/grants", "{\"programme\":\"bench\",\"gpu_hours\":{\"any\":1000},"
                    + "\"starts_on\":\"2026-01-01\",\"ends_on\":\"2099-12-31\"}");
            api.send("POST", "/api/v1/repos", "{\"kind\":\"dataset\",\"namespace\":\"bench\",\"name\":\"corpus\","
                    + "\"visibility\":\"organisation\"}");
            api.send("POST", "/api/datasets/bench/corpus/commit/main", "{\"key\":\"header\",\"value\":{\"summary\":"
                    + "\"corpus\"}}\n{\"key\":\"file\",\"value\":{\"path\":\"zh-en.txt\",\"encoding\":\"base64\","
                    + "\"content\":\"" + Base64.getEncoder().encodeToString(Files.readAllBytes(corpus)) + "\"}}\n");
            for (int round = 1; round <= rounds; round++) {
                rates.computeIfAbsent("bare PyTorch loop (peer)", key -> new ArrayList<>()).add(rate(run(List.of(
                        PYTHON, bare.toString(), toolkits.toString(), corpus.toString(), Integer.toString(steps)),
                        work)));
                Path standalone = Files.createDirectories(work.resolve("standalone-" + round));
                Path mounted = Files.createDirectories(standalone.resolve("mounts/datasets/bench/corpus"));
                Files.copy(corpus, mounted.resolve("zh-en.txt"));
                Files.writeString(standalone.resolve("params.json"), JSON.writeValueAsString(filled.params()));
                rates.computeIfAbsent("template, outside the platform (metrics file, checkpoints every "
                        + options.string("--checkpoint-every") + " steps)", key -> new ArrayList<>()).add(rate(run(
                        List.of(PYTHON, toolkits.resolve("pretrain/pretrain.py").toString(), "--params",
                                "params.json"), standalone)));
                String body = JSON.writeValueAsString(Map.of("template", "pretrain", "parameters", parameters));
                String job = api.send("POST", "/api/v1/orgs/bench/template-jobs", body).path("id").asText();
                while (!List.of("succeeded", "failed", "cancelled", "timeout").contains(api.send("GET",
                        "/api/v1/jobs/" + job, null).path("state").asText())) {
                    Thread.sleep(1000);
                }
                rates.computeIfAbsent("template as a job on the platform (isolated, mounted, metrics tailed)",
                        key -> new ArrayList<>()).add(rate(api.text("/api/v1/jobs/" + job + "/logs")));
                System.err.printf(Locale.ROOT, "round %d of %d done%n", round, rounds);
            }
        }
        double peer = BenchOptions.median(rates.values().iterator().next());
        System.out.printf(Locale.ROOT, "pretrain template, default model (0.13M parameters), %d steps of 16 x 64"
                + " tokens, %d rounds%n%n", steps, rounds);
        System.out.printf(Locale.ROOT, "| how | median tokens/s | rounds | x bare loop |%n|---|---:|---|---:|%n");
        rates.forEach((label, values) -> System.out.printf(Locale.ROOT, "| %s | %.0f | %s | %.2f |%n", label,
                BenchOptions.median(values), values.stream().map(value -> String.format(Locale.ROOT, "%.0f", value)).toList(),
                BenchOptions.median(values) / peer));
    }

    private static double rate(String output) {
        Matcher matcher = RATE.matcher(output);
        if (!matcher.find()) {
            throw new IllegalStateException("no 'trained ... tokens/s' line in:\n" + output);
        }
        return Double.parseDouble(matcher.group(2));
    }

    private static String run(List<String> command, Path directory) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
        }
        return output;
    }


    private record Api(String url, String token) {
        JsonNode send(String method, String path, String body) throws IOException, InterruptedException {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url.replaceAll("/$", "") + path))
                    .header("Authorization", "Bearer " + token);
            if (body != null) {
                request.header("Content-Type", path.contains("/commit/") ? "application/x-ndjson" : "application/json");
            }
            HttpResponse<String> response = HttpClient.newHttpClient().send(request.method(method, body == null
                    ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 300) {
                throw new IllegalStateException(method + " " + path + ": " + response.statusCode() + " "
                        + response.body());
            }
            return JSON.readTree(response.body());
        }

        String text(String path) throws IOException, InterruptedException {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url.replaceAll("/$", "") + path))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).body();
        }
    }
}
