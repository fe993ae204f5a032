package dev.incubator.hub.blob;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The S3-compatible server tests run against: the one INCUBATOR_TEST_S3_URL names, or the S3Proxy that
 * scripts/s3proxy.sh starts. Without one the calling test is skipped on a developer machine and fails under CI.
 */
public final class TestS3 {
    private static String endpoint;

    private TestS3() {
    }

    public static synchronized String endpoint() {
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

    public static String accessKey() {
        return env("INCUBATOR_TEST_S3_ACCESS_KEY", "incubator-test");
    }

    public static String secretKey() {
        return env("INCUBATOR_TEST_S3_SECRET_KEY", "incubator-test-secret");
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
