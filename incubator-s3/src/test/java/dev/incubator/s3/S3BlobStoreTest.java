package dev.incubator.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.incubator.hub.blob.BlobStore;
import dev.incubator.hub.blob.BlobStoreContract;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The blob store conformance suite against a real S3-compatible server: the S3Proxy that scripts/s3proxy.sh
 * starts (or the one INCUBATOR_TEST_S3_URL names). Without one the suite is skipped on a developer machine and
 * fails under CI, where it must be there.
 */
class S3BlobStoreTest extends BlobStoreContract {
    private static String endpoint;
    private S3BlobStore store;

    @Override
    protected BlobStore store() throws IOException {
        String url = endpoint();
        store = new S3BlobStore(new S3BlobStore.Settings(Optional.of(URI.create(url)), "us-east-1",
                "t-" + UUID.randomUUID().toString().substring(0, 12), "incubator", true,
                Optional.of(env("INCUBATOR_TEST_S3_ACCESS_KEY", "incubator-test")),
                Optional.of(env("INCUBATOR_TEST_S3_SECRET_KEY", "incubator-test-secret")), 5L * 1024 * 1024));
        store.ensureBucket();
        return store;
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    @Test
    void packsLargerThanAPartGoUpAsOneMultipartObject() throws IOException {
        BlobStore s3 = store();
        Path file = temp.resolve("pack");
        byte[] data = random(9, 11 * 1024 * 1024);
        Files.write(file, data);
        s3.put("packs/d/multi.pack", file);
        assertThat(s3.read("packs/d/multi.pack", 6 * 1024 * 1024 - 5, 10))
                .isEqualTo(java.util.Arrays.copyOfRange(data, 6 * 1024 * 1024 - 5, 6 * 1024 * 1024 + 5));
        assertThat(s3.list("packs/d/")).singleElement().satisfies(info -> assertThat(info.size()).isEqualTo(data.length));
        assertThat(s3.describe()).startsWith("s3://");
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
