package dev.incubator.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incubator.hub.blob.BlobStore;
import dev.incubator.hub.blob.BlobStoreContract;
import dev.incubator.hub.blob.TestS3;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The blob store conformance suite against a real S3-compatible server: the S3Proxy that scripts/s3proxy.sh
 * starts (or the one INCUBATOR_TEST_S3_URL names). Without one the suite is skipped on a developer machine and
 * fails under CI, where it must be there.
 */
class S3BlobStoreTest extends BlobStoreContract {
    private S3BlobStore store;

    @Override
    protected BlobStore store() throws IOException {
        String url = TestS3.endpoint();
        store = new S3BlobStore(new S3BlobStore.Settings(Optional.of(URI.create(url)), "us-east-1",
                "t-" + UUID.randomUUID().toString().substring(0, 12), "incubator", true,
                Optional.of(TestS3.accessKey()), Optional.of(TestS3.secretKey()), 5L * 1024 * 1024));
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
}
