package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's webhook: every notice is POSTed as JSON signed the Standard Webhooks way, tried again with backoff
 * while the receiver fails (same webhook-id each time), and given up after the configured attempts; counted in
 * /metrics.
 */
class WebhookTest {
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    /** What the receiver got: headers and body of each request. */
    record Received(Map<String, String> headers, String body) {
    }

    @TempDir
    Path dataDir;
    private final MutableClock clock = new MutableClock(Instant.now());
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private HttpServer receiver;
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        receiver.stop(0);
    }

    private void start(int failures, int maxAttempts) throws Exception {
        failuresLeft.set(failures);
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hooks/T0KEN", exchange -> {
            Map<String, String> headers = new java.util.HashMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), values.get(0)));
            received.add(new Received(headers, new String(exchange.getRequestBody().readAllBytes(),
                    StandardCharsets.UTF_8)));
            int status = failuresLeft.getAndDecrement() > 0 ? 503 : 204;
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
        URI url = URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks/T0KEN");
        server = TestServer.start(dataDir, clock, Optional.empty(), Optional.empty(), config ->
                config.withNotifications(config.notifications().withInterval(Duration.ofMillis(100))
                        .withWebhook(url, SECRET, maxAttempts)));
        server.createOrg("hospital");
        server.createOrg("uni");
        server.createUser("steward");
        server.createUser("ada");
        server.addMember("hospital", "steward", "steward");
        server.addMember("uni", "ada", "member");
        String steward = server.tokenFor("steward", "read", "write");
        String ada = server.tokenFor("ada", "read", "write");
        server.post("/api/v1/repos").token(steward).json(Map.of("kind", "dataset", "namespace", "hospital",
                "name", "stroke-notes", "visibility", "gated")).expect(201);
        server.post("/api/v1/repos/dataset/hospital/stroke-notes/access-requests").token(ada).json(Map.of(
                "purpose", "general-research", "justification", "outcomes of stroke care across three provinces"))
                .expect(201);
    }

    @Test
    void aNoticeIsSignedAndRetriedWithBackoffUntilTheReceiverTakesIt() throws Exception {
        start(2, 8);
        awaitAttempts(1);
        clock.advance(Duration.ofSeconds(5));
        Thread.sleep(500);
        assertThat(received).as("not before the first backoff of 10 s").hasSize(1);
        clock.advance(Duration.ofSeconds(6));
        awaitAttempts(2);
        clock.advance(Duration.ofSeconds(31));
        awaitAttempts(3);
        clock.advance(Duration.ofHours(1));
        Thread.sleep(500);
        assertThat(received).as("delivered: no more attempts").hasSize(3);

        assertThat(received).extracting(request -> request.headers().get("webhook-id")).as("one id for retries")
                .containsOnly(received.get(0).headers().get("webhook-id"));
        for (Received request : received) {
            assertThat(request.headers().get("webhook-signature")).as("verifiable with the secret alone")
                    .isEqualTo(expectedSignature(request));
            assertThat(request.headers().get("content-type")).isEqualTo("application/json");
        }
        JsonNode payload = TestServer.JSON.readTree(received.get(2).body());
        assertThat(payload.path("type").asText()).isEqualTo("access.request");
        assertThat(payload.path("data").path("id").asText()).isEqualTo(received.get(0).headers().get("webhook-id"));
        assertThat(payload.path("data").path("title").asText())
                .isEqualTo("ada asks for access to datasets/hospital/stroke-notes");
        assertThat(payload.path("data").path("organisation").asText()).isEqualTo("hospital");
        assertThat(payload.path("data").path("recipients").toString()).isEqualTo("[\"steward\"]");
        String metrics = server.get("/metrics").send().text();
        assertThat(metrics).contains("incubator_webhook_deliveries_total{outcome=\"retry\"} 2.0")
                .contains("incubator_webhook_deliveries_total{outcome=\"delivered\"} 1.0")
                .contains("incubator_webhook_pending 0.0");
    }

    @Test
    void aReceiverThatNeverAnswersIsGivenUpAfterTheConfiguredAttempts() throws Exception {
        start(1_000, 2);
        awaitAttempts(1);
        clock.advance(Duration.ofSeconds(11));
        awaitAttempts(2);
        clock.advance(Duration.ofDays(1));
        Thread.sleep(500);
        assertThat(received).hasSize(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.get("/metrics").send().text()
                .contains("incubator_webhook_deliveries_total{outcome=\"failed\"} 1.0"));
        assertThat(server.get("/metrics").send().text()).contains("incubator_webhook_pending 0.0");
    }

    private void awaitAttempts(int count) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() ->
                received.size() >= count);
        assertThat(received).hasSize(count);
    }

    /** The Standard Webhooks signature, computed here from the specification, not with the server's code. */
    private static String expectedSignature(Received request) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(SECRET.substring("whsec_".length())), "HmacSHA256"));
        String signed = request.headers().get("webhook-id") + "." + request.headers().get("webhook-timestamp") + "."
                + request.body();
        return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
    }
}
