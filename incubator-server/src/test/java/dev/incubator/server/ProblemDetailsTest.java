package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incubator.server.TestServer.Response;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of bad input gets a clear RFC 9457 answer with the right status, never a 500 or a stack trace. */
class ProblemDetailsTest {
    @TempDir
    Path dataDir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-05-01T09:00:00Z"));
    private TestServer server;
    private String token;

    @BeforeEach
    void start() {
        server = TestServer.start(dataDir, clock, Optional.empty());
        token = server.operatorToken();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void malformedJsonSaysWhereItBroke() {
        Response response = server.post("/api/v1/orgs").token(token).raw("application/json", "{\"name\": ").send();
        assertProblem(response, 400, "malformed_request");
        assertThat(response.json().path("detail").asText()).contains("not valid JSON").contains("line 1");
    }

    @Test
    void unknownFieldsWrongTypesAndMissingFieldsAreAllListedAtOnce() {
        Response response = server.post("/api/v1/orgs").token(token)
                .json(Map.of("name", 42, "kind", "castle", "colour", "blue")).send();
        assertProblem(response, 400, "validation_failed");
        assertThat(response.json().path("errors").findValuesAsText("field"))
                .containsExactlyInAnyOrder("colour", "name", "display_name", "kind");
    }

    @Test
    void domainRulesAreReportedTogetherWithShapeErrors() {
        Response response = server.post("/api/v1/users").token(token)
                .json(Map.of("name", "Bad Name!", "display_name", " ", "email", "nobody", "platform_roles",
                        java.util.List.of("king"))).send();
        assertProblem(response, 400, "validation_failed");
        assertThat(response.json().path("errors").findValuesAsText("field"))
                .containsExactlyInAnyOrder("name", "display_name", "email", "platform_roles");
    }

    @Test
    void domainRulesNameTheFieldAndTheFix() {
        Response response = server.post("/api/v1/orgs").token(token)
                .json(Map.of("name", "Bad Name!", "display_name", "x", "kind", "lab")).send();
        assertProblem(response, 400, "validation_failed");
        assertThat(response.json().path("errors").get(0).path("message").asText()).contains("lower-case letters");
    }

    @Test
    void aBodyThatIsNotAnObjectIsRefused() {
        assertProblem(server.post("/api/v1/orgs").token(token).raw("application/json", "[1,2]").send(), 400,
                "validation_failed");
        assertProblem(server.post("/api/v1/orgs").token(token).raw("application/json", "").send(), 400,
                "validation_failed");
    }

    @Test
    void oversizedBodiesAreRefusedBeforeParsing() {
        byte[] huge = new byte[2 * 1024 * 1024];
        java.util.Arrays.fill(huge, (byte) ' ');
        assertProblem(server.post("/api/v1/orgs").token(token).raw("application/json", huge).send(), 413,
                "payload_too_large");
    }

    @Test
    void aBodyInAnotherFormatIsRefused() {
        assertProblem(server.post("/api/v1/orgs").token(token).raw("text/plain", "name=x").send(), 415,
                "unsupported_media_type");
    }

    @Test
    void badTokensAreRefusedWithTheReason() {
        assertProblem(server.get("/api/v1/whoami").send(), 401, "unauthenticated");
        assertProblem(server.get("/api/v1/whoami").header("Authorization", "Basic YTpi").send(), 401, "unauthenticated");
        assertProblem(server.get("/api/v1/whoami").token("not-a-token").send(), 401, "token_invalid");
        assertProblem(server.get("/api/v1/whoami").token("inc_" + "A".repeat(43)).send(), 401, "token_invalid");
        Response response = server.get("/api/v1/whoami").token("nope").send();
        assertThat(response.header("WWW-Authenticate")).contains("Bearer realm=\"incubator\"");
    }

    @Test
    void expiredTokensStopWorkingAtTheirExpiry() {
        server.createUser("ada");
        String shortLived = server.post("/api/v1/users/ada/tokens").token(token)
                .json(Map.of("name", "short", "expires_in_days", 1)).expect(201).path("secret").asText();
        server.get("/api/v1/whoami").token(shortLived).expect(200);
        clock.advance(Duration.ofDays(1).plusSeconds(1));
        Response response = server.get("/api/v1/whoami").token(shortLived).send();
        assertProblem(response, 401, "token_expired");
        assertThat(response.json().path("detail").asText()).contains("create a new one");
    }

    @Test
    void revokedTokensStopWorkingOnTheNextRequest() {
        var issued = server.post("/api/v1/tokens").token(token).json(Map.of("name", "laptop")).expect(201);
        String secret = issued.path("secret").asText();
        server.get("/api/v1/whoami").token(secret).expect(200);
        server.request("DELETE", "/api/v1/tokens/" + issued.path("token").path("id").asText()).token(token).expect(200);
        assertProblem(server.get("/api/v1/whoami").token(secret).send(), 401, "token_revoked");
    }

    @Test
    void unknownRoutesAndMethodsAnswerAsProblems() {
        assertProblem(server.get("/api/v1/no-such-thing").token(token).send(), 404, "route_not_found");
        assertProblem(server.request("PUT", "/api/v1/orgs").token(token).send(), 405, "method_not_allowed");
    }

    @Test
    void badPaginationParametersAreExplained() {
        Response response = server.get("/api/v1/orgs?limit=0&cursor=!!!").token(token).send();
        assertProblem(response, 400, "validation_failed");
        assertThat(response.json().path("errors").findValuesAsText("field")).containsExactlyInAnyOrder("limit", "cursor");
    }

    @Test
    void badIfMatchIsExplained() {
        server.createOrg("deep-lab");
        Response response = server.request("PATCH", "/api/v1/orgs/deep-lab").token(token).header("If-Match", "banana")
                .json(Map.of("display_name", "x")).send();
        assertProblem(response, 400, "validation_failed");
    }

    private static void assertProblem(Response response, int status, String code) {
        assertThat(response.status()).as(response.text()).isEqualTo(status);
        assertThat(response.header("Content-Type")).hasValueSatisfying(type ->
                assertThat(type).startsWith("application/problem+json"));
        assertThat(response.json().path("code").asText()).isEqualTo(code);
        assertThat(response.json().path("status").asInt()).isEqualTo(status);
        assertThat(response.json().path("type").asText()).startsWith("/problems/");
        assertThat(response.json().path("request_id").asText()).isNotBlank();
        assertThat(response.text()).doesNotContain("Exception").doesNotContain("\tat ");
    }
}
