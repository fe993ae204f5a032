package dev.incubator.cli;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

/** A small client of the HTTP API: JSON in and out, problem details turned into {@link CliException}s. */
final class ApiClient {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .setNodeFactory(com.fasterxml.jackson.databind.node.JsonNodeFactory.withExactBigDecimals(true));

    private final URI base;
    private final Optional<String> token;
    /**
     * Only for PATCH, which HttpURLConnection refuses: building an HttpClient initialises TLS (some 300 ms on this
     * kind of machine), so it is made on first use and every other call goes through HttpURLConnection.
     */
    private static final class Patching {
        static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .version(HttpClient.Version.HTTP_1_1).build();
    }

    ApiClient(URI base, Optional<String> token) {
        this.base = requireNonNull(base, "base is null");
        this.token = requireNonNull(token, "token is null");
    }

    JsonNode get(String path, Map<String, String> query) {
        String more = queryString(query);
        return send("GET", path + (path.contains("?") && !more.isEmpty() ? "&" + more.substring(1) : more), null);
    }

    JsonNode get(String path) {
        return send("GET", path, null);
    }

    /** Creates are sent with a fresh idempotency key, so a retried create never makes two resources. */
    JsonNode post(String path, Object body) {
        return send("POST", path, body);
    }

    JsonNode patch(String path, Object body) {
        return send("PATCH", path, body);
    }

    JsonNode put(String path, Object body) {
        return send("PUT", path, body);
    }

    JsonNode delete(String path) {
        return send("DELETE", path, null);
    }

    /**
     * Posts a binary body (chunk uploads); the answer is JSON. Bulk transfers use HttpURLConnection, which moves
     * large bodies about twice as fast as HttpClient's publishers and subscribers (measured on loopback).
     */
    JsonNode postBytes(String path, String contentType, byte[] body, int length) {
        try {
            java.net.HttpURLConnection connection = open(path);
            connection.setRequestMethod("POST");
            connection.setDoOutput(true);
            connection.setFixedLengthStreamingMode(length);
            connection.setRequestProperty("Content-Type", contentType);
            try (java.io.OutputStream out = connection.getOutputStream()) {
                out.write(body, 0, length);
            }
            return answer(connection);
        } catch (ConnectException e) {
            throw unreachable();
        } catch (IOException e) {
            throw new CliException("upload to " + base + " failed: " + e.getMessage());
        }
    }

    /** The JSON answer of a sent request; a problem answer becomes a CliException. */
    private static JsonNode answer(java.net.HttpURLConnection connection) throws IOException {
        int status = connection.getResponseCode();
        byte[] answer;
        try (java.io.InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
            answer = in == null ? new byte[0] : in.readAllBytes();
        }
        JsonNode json = answer.length == 0 ? JSON.createObjectNode() : parse(answer);
        if (status >= 400) {
            throw CliException.fromProblem(status, json);
        }
        return json;
    }

    private java.net.HttpURLConnection open(String path) throws IOException {
        java.net.HttpURLConnection connection = (java.net.HttpURLConnection) base.resolve(path).toURL().openConnection();
        connection.setConnectTimeout(10_000);
        connection.setReadTimeout(30 * 60_000);
        connection.setRequestProperty("Accept", "application/json");
        token.ifPresent(value -> connection.setRequestProperty("Authorization", "Bearer " + value));
        return connection;
    }

    /**
     * A download in progress: its status, body, and the terms the read was granted under (the agreement's id and
     * what the reader took on with it), when the repository is gated.
     */
    record Download(int status, java.io.InputStream body, Optional<String> agreement, Optional<String> terms) {
    }

    /** The terms headers of a file's download, without its body (a HEAD request). */
    Download head(String path) {
        try {
            java.net.HttpURLConnection connection = open(path);
            connection.setRequestMethod("HEAD");
            int status = connection.getResponseCode();
            if (status >= 400) {
                throw CliException.fromProblem(status, JSON.createObjectNode().put("title", "HTTP " + status));
            }
            return new Download(status, java.io.InputStream.nullInputStream(),
                    Optional.ofNullable(connection.getHeaderField("X-Incubator-Agreement")),
                    Optional.ofNullable(connection.getHeaderField("X-Incubator-Terms")).map(ApiClient::unescape));
        } catch (ConnectException e) {
            throw unreachable();
        } catch (IOException e) {
            throw new CliException("request to " + base + " failed: " + e.getMessage());
        }
    }

    /** Undoes the server's percent-encoding of non-ASCII header text (only %XX; '+' stays '+'). */
    static String unescape(String text) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%' && i + 2 < text.length() && Character.digit(text.charAt(i + 1), 16) >= 0
                    && Character.digit(text.charAt(i + 2), 16) >= 0) {
                bytes.write(Character.digit(text.charAt(i + 1), 16) * 16 + Character.digit(text.charAt(i + 2), 16));
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** Posts JSON without an idempotency key (requests that are safe to repeat, or whose bodies are large). */
    JsonNode postPlain(String path, Object body) {
        return send("POST", path, body, false, 30 * 60_000);
    }

    /** Opens a download, from byte {@code offset} when positive; the caller reads and closes the stream. */
    Download download(String path, long offset) {
        try {
            java.net.HttpURLConnection connection = open(path);
            connection.setRequestProperty("Accept", "*/*");
            if (offset > 0) {
                connection.setRequestProperty("Range", "bytes=" + offset + "-");
            }
            int status = connection.getResponseCode();
            if (status >= 400) {
                byte[] body;
                try (java.io.InputStream in = connection.getErrorStream()) {
                    body = in == null ? new byte[0] : in.readAllBytes();
                }
                throw CliException.fromProblem(status, body.length == 0 ? JSON.createObjectNode() : parse(body));
            }
            return new Download(status, connection.getInputStream(),
                    Optional.ofNullable(connection.getHeaderField("X-Incubator-Agreement")),
                    Optional.ofNullable(connection.getHeaderField("X-Incubator-Terms")).map(ApiClient::unescape));
        } catch (ConnectException e) {
            throw unreachable();
        } catch (IOException e) {
            throw new CliException("download from " + base + " failed: " + e.getMessage());
        }
    }

    private JsonNode exchange(HttpRequest.Builder request) {
        try {
            HttpResponse<byte[]> response = Patching.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode json = response.body().length == 0 ? JSON.createObjectNode() : parse(response.body());
            if (response.statusCode() >= 400) {
                throw CliException.fromProblem(response.statusCode(), json);
            }
            return json;
        } catch (ConnectException e) {
            throw unreachable();
        } catch (IOException e) {
            throw new CliException("request to " + base + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }

    private CliException unreachable() {
        return new CliException("cannot reach the Incubator server at " + base
                + "; is 'incubator serve' running, and is the URL right (incubator login --url ...)?");
    }

    static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private JsonNode send(String method, String path, Object body) {
        if (method.equals("PATCH")) {
            HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
                    .header("Accept", "application/json").header("Content-Type", "application/json");
            token.ifPresent(value -> request.header("Authorization", "Bearer " + value));
            try {
                request.method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            return exchange(request);
        }
        return send(method, path, body, method.equals("POST"), 60_000);
    }

    /** One JSON call over HttpURLConnection; creates get a fresh Idempotency-Key when {@code idempotent}. */
    private JsonNode send(String method, String path, Object body, boolean idempotent, int readTimeoutMillis) {
        try {
            java.net.HttpURLConnection connection = open(path);
            connection.setReadTimeout(readTimeoutMillis);
            connection.setRequestMethod(method);
            if (body != null) {
                byte[] bytes = JSON.writeValueAsBytes(body);
                connection.setRequestProperty("Content-Type", "application/json");
                if (idempotent) {
                    connection.setRequestProperty("Idempotency-Key", UUID.randomUUID().toString());
                }
                connection.setDoOutput(true);
                connection.setFixedLengthStreamingMode(bytes.length);
                try (java.io.OutputStream out = connection.getOutputStream()) {
                    out.write(bytes);
                }
            }
            return answer(connection);
        } catch (ConnectException e) {
            throw unreachable();
        } catch (IOException e) {
            throw new CliException("request to " + base + " failed: " + e.getMessage());
        }
    }

    private static JsonNode parse(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new CliException("the server answered with something that is not JSON");
        }
    }

    private static String queryString(Map<String, String> query) {
        String joined = query.entrySet().stream().filter(entry -> entry.getValue() != null)
                .map(entry -> entry.getKey() + "=" + URLEncoder.encode(entry.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return joined.isEmpty() ? "" : "?" + joined;
    }
}
