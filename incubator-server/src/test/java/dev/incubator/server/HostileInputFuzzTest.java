package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Walks the OpenAPI document and sends every operation hostile inputs: path parameters with escapes, traversal,
 * NUL, overlong and overflowing values; query parameters of the wrong type or out of range; bodies that are not
 * JSON, of the wrong shape, with each declared field of the wrong type or far too long, nested beyond reason, with
 * duplicate keys, and YAML bombs where a card is read. Every answer must be below 500 and an error must be JSON
 * (problem details, or the Hub's shape on its routes); an operation whose every variant was refused must leave the
 * platform's state as it was.
 */
class HostileInputFuzzTest {
    private static final long SEED = 20261201L;

    @TempDir
    Path dataDir;

    private TestServer server;
    private String token;

    @Test
    void everyOperationRefusesHostileInputsWithoutA5xxOrAChangeOfState() throws Exception {
        try (TestServer started = TestServer.start(dataDir)) {
            server = started;
            token = server.operatorToken();
            server.createOrg("own");
            server.createUser("target");
            server.addMember("own", "target", "member");
            server.awardGrant("own", Map.of("any", 10));
            server.post("/api/repos/create").token(token).json(Map.of("name", "own/probe", "private", true))
                    .expect(200);
            server.commit(token, "models/own/probe", Map.of("dir/file.txt", "hi")).expect(200);

            JsonNode document = server.get("/api/v1/openapi.json").expect(200);
            JsonNode schemas = document.path("components").path("schemas");
            Random random = new Random(SEED);
            List<String> failures = new ArrayList<>();
            int sent = 0;
            for (Iterator<Map.Entry<String, JsonNode>> paths = document.path("paths").fields(); paths.hasNext(); ) {
                Map.Entry<String, JsonNode> path = paths.next();
                for (Iterator<Map.Entry<String, JsonNode>> methods = path.getValue().fields(); methods.hasNext(); ) {
                    Map.Entry<String, JsonNode> method = methods.next();
                    String verb = method.getKey().toUpperCase(java.util.Locale.ROOT);
                    if (verb.equals("HEAD") || path.getKey().contains("shred") || path.getKey().endsWith("/gc")) {
                        continue; // HEAD has no body to check; shredding and collection destroy the fixture
                    }
                    String before = state();
                    boolean allRefused = true;
                    for (Variant variant : variants(path.getKey(), verb, method.getValue(), schemas, random)) {
                        TestServer.Request request = server.request(verb, variant.path()).token(token);
                        if (variant.body() != null) {
                            request = request.raw(variant.contentType(), variant.body());
                        }
                        TestServer.Response response = request.send();
                        sent++;
                        String where = verb + " " + variant.path().substring(0, Math.min(160, variant.path().length()))
                                + " [" + variant.what() + "]";
                        if (response.status() >= 500) {
                            failures.add(where + " -> " + response.status() + " " + abbreviate(response.text()));
                        } else if (response.status() >= 400 && !response.header("Content-Type").orElse("")
                                .contains("json")) {
                            failures.add(where + " -> " + response.status() + " not JSON: "
                                    + response.header("Content-Type").orElse("(none)"));
                        }
                        allRefused &= response.status() >= 400;
                    }
                    if (allRefused && !verb.equals("GET") && !state().equals(before)) {
                        failures.add(verb + " " + path.getKey() + ": refused every variant but the state changed");
                    }
                }
            }
            System.out.println("hostile-input fuzz: " + sent + " requests");
            assertThat(sent).isGreaterThan(1000);
            assertThat(failures).isEmpty();
        }
    }

    private record Variant(String path, String contentType, byte[] body, String what) {
    }

    private static final List<String> HOSTILE_SEGMENTS = List.of("%00", "..", "%2e%2e", "%252e", "a%2Fb", "%25zz",
            "x".repeat(3000), "\u4e2d\u6587\u540d", "-1", "99999999999999999999999", "'%20OR%201=1--", "%3Cscript%3E",
            "CON", "%F0%9F%98%80", "%C0%AF", "%20");
    private static final List<String> HOSTILE_QUERY = List.of("-1", "0", "abc", "99999999999999999999999",
            "%00", "x".repeat(5000), "%25zz", "1e309", "%5B%5D", "true");

    private List<Variant> variants(String template, String verb, JsonNode operation, JsonNode schemas, Random random) {
        List<Variant> variants = new ArrayList<>();
        String valid = fill(template);
        List<String> params = new ArrayList<>();
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("\\{([^}]+)}").matcher(template);
        while (matcher.find()) {
            params.add(matcher.group(1));
        }
        for (String param : params) {
            for (int i = 0; i < 4; i++) {
                String hostile = HOSTILE_SEGMENTS.get(random.nextInt(HOSTILE_SEGMENTS.size()));
                variants.add(new Variant(fill(template.replace("{" + param + "}", hostile)), null, null,
                        param + "=" + abbreviate(hostile)));
            }
        }
        for (JsonNode parameter : operation.path("parameters")) {
            if (parameter.path("in").asText().equals("query")) {
                for (int i = 0; i < 3; i++) {
                    String value = HOSTILE_QUERY.get(random.nextInt(HOSTILE_QUERY.size()));
                    variants.add(new Variant(valid + "?" + parameter.path("name").asText() + "=" + value, null, null,
                            "query " + parameter.path("name").asText() + "=" + abbreviate(value)));
                }
            }
        }
        boolean hasBody = operation.has("requestBody");
        boolean rawBody = !hasBody && !verb.equals("GET") && !verb.equals("DELETE")
                && operation.path("tags").toString().contains("huggingface");
        if (hasBody || rawBody) {
            for (Map.Entry<String, byte[]> body : hostileBodies(operation, schemas, random).entrySet()) {
                variants.add(new Variant(valid, body.getKey().startsWith("ndjson") ? "application/x-ndjson"
                        : body.getKey().startsWith("binary") ? "application/octet-stream" : "application/json",
                        body.getValue(), "body " + body.getKey()));
            }
        }
        return variants;
    }

    private Map<String, byte[]> hostileBodies(JsonNode operation, JsonNode schemas, Random random) {
        Map<String, byte[]> bodies = new LinkedHashMap<>();
        bodies.put("empty", new byte[0]);
        bodies.put("not json", "{\"a\": ".getBytes(StandardCharsets.UTF_8));
        bodies.put("array", "[1,2,3]".getBytes(StandardCharsets.UTF_8));
        bodies.put("nested", ("{\"a\":" + "[".repeat(2000) + "]".repeat(2000) + "}").getBytes(StandardCharsets.UTF_8));
        bodies.put("duplicate keys", "{\"name\":\"a\",\"name\":\"b\"}".getBytes(StandardCharsets.UTF_8));
        bodies.put("invalid utf-8", new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xc3, (byte) 0x28, '"', '}'});
        bodies.put("ndjson garbage", ("{\"key\":\"header\",\"value\":{\"summary\":\"x\"}}\n{\"key\":\"file\",\"value\":"
                + "{\"path\":\"../../etc/passwd\",\"encoding\":\"base64\",\"content\":\"@@@\"}}\n{oops\n")
                .getBytes(StandardCharsets.UTF_8));
        bodies.put("ndjson yaml bomb", ("{\"key\":\"header\",\"value\":{\"summary\":\"x\"}}\n{\"key\":\"file\","
                + "\"value\":{\"path\":\"README.md\",\"encoding\":\"utf-8\",\"content\":\"---\\na: &a [*a, *a, *a]\\n"
                + "b: &b [*a, *a, *a]\\nc: " + "[".repeat(3000) + "\\n---\\n\"}}\n").getBytes(StandardCharsets.UTF_8));
        byte[] binary = new byte[4096];
        random.nextBytes(binary);
        bodies.put("binary", binary);
        String ref = operation.path("requestBody").path("content").path("application/json").path("schema")
                .path("$ref").asText("");
        JsonNode properties = ref.isEmpty() ? null : schemas.path(ref.substring(ref.lastIndexOf('/') + 1))
                .path("properties");
        if (properties != null) {
            for (Iterator<String> names = properties.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                String type = properties.path(name).path("type").asText("string");
                List<String> wrong = switch (type) {
                    case "integer", "number" -> List.of("\"12\"", "1e400", "-99999999999999999999", "{}", "1.5");
                    case "boolean" -> List.of("\"yes\"", "2");
                    case "array" -> List.of("\"x\"", "[{}]", "[" + "\"x\",".repeat(20000) + "\"x\"]");
                    case "object" -> List.of("[]", "\"x\"");
                    default -> List.of("123", "{}", "\"" + "x".repeat(100_000) + "\"", "\"a\\u0000b\"",
                            "\"\\ud800\"", "\"../../x\"");
                };
                for (String value : wrong) {
                    bodies.put("field " + name + "=" + abbreviate(value), ("{\"" + name + "\":" + value + "}")
                            .getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        return bodies;
    }

    /** A path with every parameter filled with a value that exists, as a valid caller would. */
    private static String fill(String template) {
        return template.replace("{org}", "own").replace("{namespace}", "own").replace("{kind}", "model")
                .replace("{name}", "probe").replace("{revision}", "main").replace("{repo}", "probe.git")
                .replace("{user}", "target").replace("{path}", "dir/file.txt").replaceAll("\\{[^}]+}", "x")
                .replace("<path>", "dir/file.txt");
    }

    /** What a refused request must not change: organisations, members, repositories and refs, grants, jobs. */
    private String state() {
        return server.get("/api/v1/orgs?limit=500").token(token).send().text()
                + server.get("/api/v1/orgs/own/members?limit=500").token(token).send().text()
                + server.get("/api/v1/repos?limit=500").token(token).send().text()
                + server.get("/api/v1/repos/model/own/probe").token(token).send().text().replaceAll(
                        "\"updated_at\":\"[^\"]*\"", "")
                + server.get("/api/v1/orgs/own/grants").token(token).send().text()
                + server.get("/api/v1/orgs/own/jobs?limit=500").token(token).send().text().replaceAll(
                        "\"(state|reason|message|started_at|finished_at|elapsed_seconds|gpu_hours)\":[^,}]*", "");
    }

    private static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 60) + "...(" + text.length() + ")";
    }
}
