package dev.incubator.slurm;

import static java.util.Objects.requireNonNull;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;

/**
 * A small client for slurmrestd (OpenAPI v0.0.38 by default, the version a setting). It authenticates with JWT:
 * either a token given to it, or short-lived HS256 tokens it signs itself with the cluster's shared key
 * ({@code AuthAltParameters=jwt_key=...}), renewed before they expire.
 */
public final class SlurmClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TOKEN_LIFE = Duration.ofMinutes(10);

    private final URI base;
    private final String version;
    private final String user;
    private final Optional<Algorithm> signer;
    private final Optional<String> fixedToken;
    private final Clock clock;
    private final HttpClient http;
    private String token;
    private Instant tokenExpires = Instant.EPOCH;

    private SlurmClient(URI base, String version, String user, Optional<Algorithm> signer, Optional<String> fixedToken,
                        Clock clock, Duration timeout) {
        this.base = requireNonNull(base, "base is null");
        this.version = requireNonNull(version, "version is null");
        this.user = requireNonNull(user, "user is null");
        this.signer = signer;
        this.fixedToken = fixedToken;
        this.clock = clock;
        // HTTP/1.1 only: slurmrestd answers the HTTP/2 upgrade request with a header Java cannot parse.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    }

    /** Signs its own tokens with the JWT key file shared with slurmctld. */
    public static SlurmClient withKey(URI base, String version, String user, Path keyFile, Clock clock) {
        try {
            byte[] key = Files.readAllBytes(keyFile);
            if (key.length < 32) {
                throw new SlurmException("the JWT key " + keyFile + " has " + key.length + " bytes; Slurm needs 32 or"
                        + " more");
            }
            return new SlurmClient(base, version, user, Optional.of(Algorithm.HMAC256(key)), Optional.empty(), clock,
                    Duration.ofSeconds(5));
        } catch (IOException e) {
            throw new SlurmException("cannot read the Slurm JWT key " + keyFile + ": " + e.getMessage(), e);
        }
    }

    /** Uses a token obtained elsewhere (e.g. {@code scontrol token}). */
    public static SlurmClient withToken(URI base, String version, String user, String token) {
        return new SlurmClient(base, version, user, Optional.empty(), Optional.of(token), Clock.systemUTC(),
                Duration.ofSeconds(5));
    }

    public String version() {
        return version;
    }

    public JsonNode get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET(), path);
    }

    public JsonNode post(String path, ObjectNode body) {
        try {
            return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))), path);
        } catch (IOException e) {
            throw new SlurmException("cannot encode the request to " + path, e);
        }
    }

    public JsonNode delete(String path) {
        return send(HttpRequest.newBuilder(uri(path)).DELETE(), path);
    }

    public ObjectNode object() {
        return JSON.createObjectNode();
    }

    /** A path under the versioned API, e.g. {@code job/submit} becomes {@code /slurm/v0.0.38/job/submit}. */
    private URI uri(String path) {
        return base.resolve("/slurm/" + version + "/" + path);
    }

    private JsonNode send(HttpRequest.Builder request, String path) {
        HttpResponse<String> response;
        try {
            response = http.send(request.timeout(Duration.ofSeconds(30)).header("X-SLURM-USER-NAME", user)
                    .header("X-SLURM-USER-TOKEN", token()).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new SlurmUnreachableException("slurmrestd at " + base + " is unreachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SlurmUnreachableException("interrupted while calling slurmrestd", e);
        }
        JsonNode body;
        try {
            body = response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new SlurmException("slurmrestd answered " + path + " with HTTP " + response.statusCode()
                    + " and a body that is not JSON: " + abbreviate(response.body()));
        }
        if (response.statusCode() == 404 || (response.statusCode() >= 400 && errorsMention(body, "Invalid job id"))) {
            throw new SlurmNotFoundException(path + ": " + errors(body));
        }
        if (response.statusCode() == 502 || response.statusCode() == 503 || response.statusCode() == 504) {
            throw new SlurmUnreachableException("slurmrestd answered HTTP " + response.statusCode() + " for " + path);
        }
        if (response.statusCode() >= 400) {
            throw new SlurmException("slurmrestd refused " + path + " (HTTP " + response.statusCode() + "): "
                    + errors(body));
        }
        return body;
    }

    private synchronized String token() {
        if (fixedToken.isPresent()) {
            return fixedToken.get();
        }
        Instant now = clock.instant();
        if (token == null || now.isAfter(tokenExpires.minusSeconds(60))) {
            tokenExpires = now.plus(TOKEN_LIFE);
            token = JWT.create().withIssuedAt(Date.from(now)).withExpiresAt(Date.from(tokenExpires))
                    .withClaim("sun", user).sign(signer.orElseThrow());
        }
        return token;
    }

    private static boolean errorsMention(JsonNode body, String text) {
        return errors(body).contains(text);
    }

    private static String errors(JsonNode body) {
        StringBuilder out = new StringBuilder();
        for (JsonNode error : body.path("errors")) {
            if (!out.isEmpty()) {
                out.append("; ");
            }
            out.append(error.path("error").asText(error.path("description").asText(error.toString())));
        }
        return out.isEmpty() ? abbreviate(body.toString()) : out.toString();
    }

    private static String abbreviate(String text) {
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }
}
