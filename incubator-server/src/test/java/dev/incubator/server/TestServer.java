package dev.incubator.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.server.config.ServerConfig;
import dev.incubator.store.StoreConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A real server on a free port with its own data directory, and a fluent HTTP client for scenarios. */
public final class TestServer implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();

    private final IncubatorServer server;
    private final String operatorToken;
    private final HttpClient http = HttpClient.newHttpClient();
    private int counter;

    /** Whether this process runs as root: then jobs run as an OS account per organisation, as in production. */
    public static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    /**
     * The local node of the scenarios: 16 CPUs offered (several jobs at once on a small machine), and single-tenant
     * only where the tests can not run as root (CI runs them as root, with an account per organisation).
     */
    public static final ServerConfig.Local LOCAL = new ServerConfig.Local(16, 1024, 61000, 61999, !ROOT);

    private TestServer(IncubatorServer server) {
        this.server = server;
        try {
            this.operatorToken = Files.readString(server.config().dataDir().resolve(IncubatorServer.BOOTSTRAP_TOKEN_FILE))
                    .strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts again on a data directory a previous server left behind. */
    public static TestServer startExisting(Path dataDir) {
        return start(dataDir);
    }

    public static TestServer start(Path dataDir) {
        return start(dataDir, Clock.systemUTC(), Optional.empty());
    }

    public static TestServer start(Path dataDir, Clock clock, Optional<StoreConfig> store) {
        return start(dataDir, clock, store, Optional.empty());
    }

    /** With {@code slurm}, jobs run on that Slurm instead of as local processes on 4 virtual GPUs. */
    public static TestServer start(Path dataDir, Clock clock, Optional<StoreConfig> store,
                                   Optional<ServerConfig.Slurm> slurm) {
        return start(dataDir, clock, store, slurm, config -> config);
    }

    /** As above, with the configuration changed by {@code adjust} (a limit, a setting under test). */
    public static TestServer start(Path dataDir, Clock clock, Optional<StoreConfig> store,
                                   Optional<ServerConfig.Slurm> slurm,
                                   java.util.function.UnaryOperator<ServerConfig> adjust) {
        passable(dataDir);
        // Scenarios move their clocks by days: the operator's token must outlive them unless a test says otherwise.
        ServerConfig defaults = ServerConfig.defaults(dataDir).withPort(0).withAccessLog(false)
                .withBootstrapTokenLifetime(Optional.empty());
        ServerConfig config = store.map(defaults::withStore).orElse(defaults)
                .withCompute(new ServerConfig.Compute(4, "FAIR_SHARE", java.time.Duration.ofMillis(200),
                        java.time.Duration.ofSeconds(1), 0.5703, java.time.Duration.ofHours(168), slurm)
                        .withLocal(LOCAL));
        return new TestServer(IncubatorServer.start(adjust.apply(config), clock));
    }

    /** With the hub's packs in the given S3-compatible store instead of the data directory. */
    public static TestServer startWithS3(Path dataDir, ServerConfig.S3 s3) {
        passable(dataDir);
        // Scenarios move their clocks by days: the operator's token must outlive them unless a test says otherwise.
        ServerConfig defaults = ServerConfig.defaults(dataDir).withPort(0).withAccessLog(false)
                .withBootstrapTokenLifetime(Optional.empty());
        ServerConfig.Hub hub = defaults.hub();
        ServerConfig config = defaults.withHub(new ServerConfig.Hub(java.util.Optional.of(s3), hub.blobDir(),
                hub.masterKey(), hub.masterKeyFile(), hub.packBytes(), hub.gcGrace(), hub.organisationQuotaBytes(),
                hub.userQuotaBytes()))
                .withCompute(new ServerConfig.Compute(4, "FAIR_SHARE", java.time.Duration.ofMillis(200),
                        java.time.Duration.ofSeconds(1), 0.5703, java.time.Duration.ofHours(168), Optional.empty())
                        .withLocal(LOCAL));
        return new TestServer(IncubatorServer.start(config, Clock.systemUTC()));
    }

    /**
     * As an operator must: where jobs run as other accounts, the folders above the data directory let them pass
     * (a JUnit temporary folder is 0700). Only folders under the system's temporary directory are changed.
     */
    private static void passable(Path dataDir) {
        if (!ROOT) {
            return;
        }
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
        for (Path parent = dataDir.toAbsolutePath().getParent(); parent != null && parent.startsWith(tmp)
                && !parent.equals(tmp); parent = parent.getParent()) {
            try {
                java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions =
                        Files.getPosixFilePermissions(parent);
                permissions.add(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE);
                Files.setPosixFilePermissions(parent, permissions);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public IncubatorServer server() {
        return server;
    }

    public URI url() {
        return server.url();
    }

    public String operatorToken() {
        return operatorToken;
    }

    /** A name unique within this server, for resources made by repeated scenario steps. */
    public String unique(String prefix) {
        return prefix + "-" + (++counter);
    }

    public Request request(String method, String path) {
        return new Request(method, path);
    }

    public Request get(String path) {
        return request("GET", path);
    }

    public Request post(String path) {
        return request("POST", path);
    }

    /**
     * A commit of small text files as the Hugging Face clients send it (NDJSON: a header, then each file inline in
     * base64) to {@code main} of {@code repo}, written as users do ("datasets/lab/corpus", "models/lab/llm").
     */
    public Request commit(String token, String repo, Map<String, String> files) {
        return post("/api/" + repo + "/commit/main").token(token).raw("application/x-ndjson", ndjson(files));
    }

    /** As {@link #commit}, with files of any bytes (a checkpoint's weights). */
    public Request commitBytes(String token, String repo, Map<String, byte[]> files) {
        StringBuilder body = new StringBuilder(JSON.createObjectNode().put("key", "header").set("value",
                JSON.createObjectNode().put("summary", "test commit")).toString()).append('\n');
        files.forEach((path, content) -> body.append(JSON.createObjectNode().put("key", "file").set("value",
                JSON.createObjectNode().put("path", path).put("encoding", "base64").put("content", java.util.Base64
                        .getEncoder().encodeToString(content))).toString()).append('\n'));
        return post("/api/" + repo + "/commit/main").token(token).raw("application/x-ndjson", body.toString());
    }

    /** The NDJSON body of such a commit. */
    public static String ndjson(Map<String, String> files) {
        StringBuilder body = new StringBuilder(JSON.createObjectNode().put("key", "header").set("value",
                JSON.createObjectNode().put("summary", "test commit")).toString()).append('\n');
        files.forEach((path, content) -> body.append(JSON.createObjectNode().put("key", "file").set("value",
                JSON.createObjectNode().put("path", path).put("encoding", "base64").put("content", java.util.Base64
                        .getEncoder().encodeToString(content.getBytes(java.nio.charset.StandardCharsets.UTF_8))))
                .toString()).append('\n'));
        return body.toString();
    }

    // ---- scenario helpers, all as the operator ------------------------------------------------------------

    public JsonNode createUser(String name, String... platformRoles) {
        return post("/api/v1/users").token(operatorToken).json(Map.of("name", name, "display_name", name,
                "email", name + "@example.org", "platform_roles", List.of(platformRoles))).expect(201);
    }

    /** Issues a token with the given scopes to {@code user} and returns its secret. */
    public String tokenFor(String user, String... scopes) {
        return post("/api/v1/users/" + user + "/tokens").token(operatorToken)
                .json(Map.of("name", "test", "scopes", List.of(scopes))).expect(201).path("secret").asText();
    }

    public JsonNode createOrg(String name) {
        return post("/api/v1/orgs").token(operatorToken)
                .json(Map.of("name", name, "display_name", "Org " + name, "kind", "startup")).expect(201);
    }

    public JsonNode addMember(String org, String user, String role) {
        return post("/api/v1/orgs/" + org + "/members").token(operatorToken)
                .json(Map.of("user", user, "role", role)).expect(201);
    }

    public JsonNode awardGrant(String org, Map<String, Object> gpuHours) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("programme", "seed");
        body.put("gpu_hours", gpuHours);
        body.put("starts_on", "2026-01-01");
        body.put("ends_on", "2099-12-31");
        body.put("guaranteed_gpus", 2);
        return post("/api/v1/orgs/" + org + "/grants").token(operatorToken).json(body).expect(201);
    }

    @Override
    public void close() {
        server.close();
    }

    public final class Request {
        private final HttpRequest.Builder builder;
        private final String method;
        private String contentType;
        private byte[] body = new byte[0];

        private Request(String method, String path) {
            this.method = method;
            this.builder = HttpRequest.newBuilder(server.url().resolve(path));
        }

        public Request token(String token) {
            builder.header("Authorization", "Bearer " + token);
            return this;
        }

        public Request header(String name, String value) {
            builder.header(name, value);
            return this;
        }

        public Request json(Object value) {
            try {
                return raw("application/json", JSON.writeValueAsBytes(value));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public Request raw(String type, byte[] bytes) {
            this.contentType = type;
            this.body = bytes;
            return this;
        }

        public Request raw(String type, String text) {
            return raw(type, text.getBytes(StandardCharsets.UTF_8));
        }

        public Response send() {
            if (contentType != null) {
                builder.header("Content-Type", contentType);
            }
            builder.method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
            try {
                HttpResponse<byte[]> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
                return new Response(response.statusCode(), response.headers().map(), response.body());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** Sends and returns the JSON body, failing with the whole response unless the status is {@code status}. */
        public JsonNode expect(int status) {
            Response response = send();
            if (response.status() != status) {
                throw new AssertionError(method + " expected " + status + " but got " + response.status() + ": "
                        + response.text());
            }
            return response.json();
        }
    }

    public record Response(int status, Map<String, List<String>> headers, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public JsonNode json() {
            try {
                return body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + text(), e);
            }
        }

        public Optional<String> header(String name) {
            return headers.entrySet().stream().filter(entry -> entry.getKey().equalsIgnoreCase(name))
                    .flatMap(entry -> entry.getValue().stream()).findFirst();
        }
    }
}
