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
}
