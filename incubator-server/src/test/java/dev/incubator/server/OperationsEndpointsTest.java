package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OperationsEndpointsTest {
    @TempDir
    Path dataDir;

    @Test
    void healthReadinessAndMetricsAreServedWithoutAToken() {
        try (TestServer server = TestServer.start(dataDir)) {
            assertThat(server.get("/healthz").expect(200).path("status").asText()).isEqualTo("ok");
            assertThat(server.get("/readyz").expect(200).path("checks").path("store").asText()).isEqualTo("ok");
            server.get("/api/v1/whoami").token(server.operatorToken()).expect(200);
            String metrics = server.get("/metrics").send().text();
            assertThat(metrics)
                    .contains("http_server_requests_seconds_count{method=\"GET\",route=\"/api/v1/whoami\",status=\"200\"}")
                    .contains("http_server_requests_seconds_bucket")
                    .contains("hikaricp_connections_active")
                    .contains("jvm_memory_used_bytes");
        }
    }

    @Test
    void theFirstStartWritesAPrivateBootstrapTokenAndLaterStartsKeepIt() throws Exception {
        String token;
        try (TestServer server = TestServer.start(dataDir)) {
            Path file = dataDir.resolve("bootstrap-token");
            assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            token = Files.readString(file).strip();
            server.get("/api/v1/whoami").token(token).expect(200);
        }
        try (TestServer again = TestServer.startExisting(dataDir)) {
            assertThat(again.server().bootstrapTokenFile()).isEmpty();
            again.get("/api/v1/whoami").token(token).expect(200);
        }
    }

    @Test
    void theBootstrapTokenExpiresAndRotatingItRevokesTheOldOne() throws Exception {
        MutableClock clock = new MutableClock(java.time.Instant.now());
        String first;
        try (TestServer server = TestServer.start(dataDir, clock, java.util.Optional.empty(), java.util.Optional.empty(),
                config -> config.withBootstrapTokenLifetime(java.util.Optional.of(java.time.Duration.ofHours(72))))) {
            first = Files.readString(dataDir.resolve("bootstrap-token")).strip();
            server.get("/api/v1/whoami").token(first).expect(200);
            clock.advance(java.time.Duration.ofHours(73));
            TestServer.Response expired = server.get("/api/v1/whoami").token(first).send();
            assertThat(expired.status()).isEqualTo(401);
            assertThat(expired.json().path("code").asText()).isEqualTo("token_expired");
        }
        Path file = dev.incubator.server.IncubatorServer.rotateBootstrapToken(
                dev.incubator.server.config.ServerConfig.defaults(dataDir));
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        String second = Files.readString(file).strip();
        assertThat(second).isNotEqualTo(first);
        try (TestServer again = TestServer.startExisting(dataDir)) {
            again.get("/api/v1/whoami").token(second).expect(200);
            assertThat(again.get("/api/v1/whoami").token(first).send().status()).isEqualTo(401);
        }
    }
}
