package dev.incubator.replica;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The process a replica job runs: {@code java -cp ... dev.incubator.replica.ReplicaMain --model DIR --name ORG/NAME}.
 * Loads the model, listens (loopback, or every interface with {@code --host 0.0.0.0} on a cluster), then tells the
 * platform its endpoint with the job's own credential ({@code POST $INCUBATOR_URL/api/v1/jobs/$INCUBATOR_JOB_ID/endpoint});
 * only callers presenting that credential are answered. On SIGTERM (scale-down, cancel, preemption) it stops taking
 * requests and lets those in flight finish within the grace period.
 */
public final class ReplicaMain {
    private ReplicaMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        Map<String, String> env = System.getenv();
        String bearer = required(env, "INCUBATOR_JOB_TOKEN");
        String job = required(env, "INCUBATOR_JOB_ID");
        String platform = options.getOrDefault("register", env.getOrDefault("INCUBATOR_URL", ""));
        // A relative --model is a mount: models/ORG/NAME under $INCUBATOR_MOUNTS (a job's argv is not expanded).
        Path model = Path.of(options.getOrDefault("model", "."));
        if (!model.isAbsolute() && env.containsKey("INCUBATOR_MOUNTS")) {
            model = Path.of(env.get("INCUBATOR_MOUNTS")).resolve(model);
        }
        if (options.containsKey("command")) {
            supervise(List.of(options.get("command").split("\u001f")), model, bearer, job, platform);
            return;
        }
        if (!Files.isRegularFile(model.resolve("config.json"))) {
            fail("no config.json in " + model + ": --model must be the model's folder (the deployment's mount)");
        }
        int cpus = Runtime.getRuntime().availableProcessors();
        ReplicaServer.Settings settings = new ReplicaServer.Settings(model, options.getOrDefault("name", "model"),
                options.getOrDefault("host", "127.0.0.1"), Integer.parseInt(options.getOrDefault("port", "0")), bearer,
                Integer.parseInt(options.getOrDefault("parallel", Integer.toString(Math.max(1, cpus)))),
                Integer.parseInt(options.getOrDefault("queue", "16")));
        ReplicaServer server = ReplicaServer.start(settings);
        Duration grace = Duration.ofSeconds(Long.parseLong(options.getOrDefault("drain-seconds", "20")));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("replica: draining (up to " + grace.toSeconds() + " s for requests in flight)");
            server.drain(grace);
            server.close();
            System.out.println("replica: stopped");
        }, "replica-drain"));
        String host = settings.host().equals("0.0.0.0") ? java.net.InetAddress.getLocalHost().getHostName()
                : settings.host();
        String endpoint = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + server.port();
        System.out.printf("replica: %s (%,d parameters, kernels %s) loaded in %.2f s, listening on %s%n",
                settings.modelName(), server.model().parameters(), dev.incubator.engine.LlamaModel.kernels(),
                server.loadTime().toMillis() / 1000.0, endpoint);
        if (!platform.isEmpty()) {
            register(platform, job, bearer, endpoint, server.loadTime().toMillis() / 1000.0,
                    server.model().parameters());
        }
        Thread.currentThread().join(); // serve until the job is stopped
    }

    /**
     * The command engine: runs the member's OpenAI-compatible server with {model_dir}, {port}, {host} and {api_key}
     * filled in, waits until its /v1/models answers with the job's credential as the key, registers it, and passes
     * SIGTERM on (the server drains as it does). The job ends when the server does.
     */
    private static void supervise(List<String> template, Path model, String bearer, String job, String platform)
            throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        List<String> command = new java.util.ArrayList<>();
        for (String part : template) {
            command.add(part.replace("{model_dir}", model.toString()).replace("{port}", Integer.toString(port))
                    .replace("{host}", "127.0.0.1").replace("{api_key}", bearer));
        }
        java.time.Instant began = java.time.Instant.now();
        Process server = new ProcessBuilder(command).inheritIO().start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.destroy();
            try {
                server.waitFor(25, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            server.destroyForcibly();
        }, "replica-stop"));
        String endpoint = "http://127.0.0.1:" + port;
        System.out.println("replica: started " + command.get(0) + " (pid " + server.pid() + "), waiting for "
                + endpoint + "/v1/models");
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest probe = HttpRequest.newBuilder(URI.create(endpoint + "/v1/models")).timeout(Duration.ofSeconds(5))
                .header("Authorization", "Bearer " + bearer).GET().build();
        while (true) {
            if (!server.isAlive()) {
                fail("the server exited with code " + server.exitValue() + " before it answered " + endpoint
                        + "/v1/models");
            }
            try {
                if (client.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    break;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        double seconds = Duration.between(began, java.time.Instant.now()).toMillis() / 1000.0;
        System.out.printf("replica: the server answers on %s after %.1f s%n", endpoint, seconds);
        if (!platform.isEmpty()) {
            register(platform, job, bearer, endpoint, seconds, 0);
        }
        System.exit(server.waitFor());
    }

    private static void register(String platform, String job, String bearer, String endpoint, double loadSeconds,
                                 long parameters) throws IOException, InterruptedException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode body = json.createObjectNode();
        body.put("url", endpoint);
        body.put("load_seconds", loadSeconds);
        body.put("parameters", parameters);
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(platform.replaceAll("/+$", "") + "/api/v1/jobs/" + job
                        + "/endpoint")).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + bearer)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body))).build();
        IOException last = null;
        for (int attempt = 1; attempt <= 5; attempt++) {
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() / 100 == 2) {
                    System.out.println("replica: registered with the platform");
                    return;
                }
                fail("the platform refused the endpoint (" + response.statusCode() + "): " + response.body());
            } catch (IOException e) {
                last = e;
                Thread.sleep(500L * attempt);
            }
        }
        fail("could not reach the platform at " + platform + ": " + last);
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                fail("usage: ReplicaMain --model DIR [--name ORG/NAME] [--host H] [--port P] [--parallel N]"
                        + " [--queue N] [--register URL] [--drain-seconds S]; '" + args[i] + "' is not understood");
            }
            options.put(args[i].substring(2), args[++i]);
        }
        return options;
    }

    private static String required(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            fail(name + " is not set: a replica runs as a job of the platform, which sets it");
        }
        return value;
    }

    private static void fail(String message) {
        System.err.println("replica: " + message);
        System.exit(2);
    }
}
