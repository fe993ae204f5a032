package dev.incubator.server;

import dev.incubator.hub.blob.TestS3;
import dev.incubator.server.config.ServerConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;

/**
 * The hub scenarios with packs in a real S3-compatible store: the S3Proxy that scripts/s3proxy.sh starts (or the
 * one INCUBATOR_TEST_S3_URL names); skipped without one on a developer machine, required under CI.
 */
class S3HubApiTest extends HubApiTest {
    private final String bucket = "hub-" + UUID.randomUUID().toString().substring(0, 12);

    @Override
    protected TestServer startServer(Path dataDir) {
        return TestServer.startWithS3(dataDir, new ServerConfig.S3(Optional.of(URI.create(TestS3.endpoint())),
                "us-east-1", bucket, "incubator", true, Optional.of(TestS3.accessKey()), Optional.of(TestS3.secretKey()),
                5L * 1024 * 1024));
    }
}
