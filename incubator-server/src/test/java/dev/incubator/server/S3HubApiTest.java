package dev.incubator.server;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.incubator.server.config.ServerConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The hub scenarios with packs in a real S3-compatible store: the S3Proxy that scripts/s3proxy.sh starts (or the
 * one INCUBATOR_TEST_S3_URL names); skipped without one on a developer machine, required under CI.
 */
class S3HubApiTest extends HubApiTest {
    private static String endpoint;
    private final String bucket = "hub-" + UUID.randomUUID().toString().substring(0, 12);

    @Override
    protected TestServer startServer(Path dataDir) {
        return TestServer.startWithS3(dataDir, new ServerConfig.S3(Optional.of(URI.create(endpoint())), "us-east-1",
                bucket, "incubator", true, Optional.of(env("INCUBATOR_TEST_S3_ACCESS_KEY", "incubator-test")),
                Optional.of(env("INCUBATOR_TEST_S3_SECRET_KEY", "incubator-test-secret")), 5L * 1024 * 1024));
    }

    private static synchronized String endpoint() {
        if (endpoint == null) {
            String configured = System.getenv("INCUBATOR_TEST_S3_URL");
            endpoint = configured != null && !configured.isBlank() ? configured : startScript();
        }
        if (endpoint.isEmpty()) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException("an S3-compatible server is required under CI: run scripts/s3proxy.sh"
                        + " start or set INCUBATOR_TEST_S3_URL");
            }
            assumeTrue(false, "no S3-compatible server: run scripts/s3proxy.sh start or set INCUBATOR_TEST_S3_URL");
        }
        return endpoint;
    }

    private static String startScript() {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.exists(root.resolve("scripts/s3proxy.sh"))) {
            root = root.getParent();
        }
        if (root == null) {
            return "";
        }
        try {
            Process process = new ProcessBuilder("bash", root.resolve("scripts/s3proxy.sh").toString(), "start")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
                return "";
            }
            return out.lines().reduce((first, second) -> second).orElse("");
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
