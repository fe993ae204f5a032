package dev.incubator.s3;

import dev.incubator.hub.blob.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The blob store on an S3-compatible object store. Objects are written once (a put or a completed multipart
 * upload is atomic in S3), read by byte range, listed by prefix. Packs larger than the part size go up as
 * multipart uploads; an upload that fails is aborted so no parts linger.
 */
public final class S3BlobStore implements BlobStore, AutoCloseable {
    /** Where and how to reach the store. */
    public record Settings(Optional<URI> endpoint, String region, String bucket, String prefix, boolean pathStyle,
                           Optional<String> accessKey, Optional<String> secretKey, long partSize) {
        public Settings {
            if (bucket == null || bucket.length() < 3) {
                throw new IllegalArgumentException("hub.s3.bucket must name a bucket of at least 3 characters");
            }
            if (partSize < 5L * 1024 * 1024) {
                throw new IllegalArgumentException("the multipart part size must be at least 5 MiB (an S3 minimum)");
            }
            prefix = prefix == null || prefix.isEmpty() ? "" : prefix.endsWith("/") ? prefix : prefix + "/";
        }
    }

    private final S3Client client;
    private final Settings settings;

    public S3BlobStore(Settings settings) {
        this.settings = settings;
        var builder = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .region(Region.of(settings.region()))
                .forcePathStyle(settings.pathStyle());
        settings.endpoint().ifPresent(builder::endpointOverride);
        if (settings.accessKey().isPresent() && settings.secretKey().isPresent()) {
            builder.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                    settings.accessKey().get(), settings.secretKey().get())));
        } else {
            builder.credentialsProvider(DefaultCredentialsProvider.builder().build());
        }
        this.client = builder.build();
    }

    /** Creates the bucket when it does not exist yet. */
    public void ensureBucket() throws IOException {
        try {
            client.headBucket(request -> request.bucket(settings.bucket()));
        } catch (NoSuchBucketException e) {
            call(() -> client.createBucket(request -> request.bucket(settings.bucket())));
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw new IOException("bucket " + settings.bucket() + " is not reachable: " + e.getMessage(), e);
            }
            call(() -> client.createBucket(request -> request.bucket(settings.bucket())));
        } catch (SdkException e) {
            throw new IOException("S3 store at " + describe() + " is not reachable: " + e.getMessage(), e);
        }
    }

    @Override
    public void put(String key, Path file) throws IOException {
        long size = Files.size(file);
        if (size <= settings.partSize()) {
            call(() -> client.putObject(request -> request.bucket(settings.bucket()).key(name(key)),
                    RequestBody.fromFile(file)));
            return;
        }
        String uploadId = call(() -> client.createMultipartUpload(request -> request.bucket(settings.bucket())
                .key(name(key)))).uploadId();
        try (var channel = java.nio.channels.FileChannel.open(file)) {
            List<CompletedPart> parts = new ArrayList<>();
            int number = 1;
            for (long offset = 0; offset < size; offset += settings.partSize(), number++) {
                int length = (int) Math.min(settings.partSize(), size - offset);
                java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(length);
                while (buffer.hasRemaining()) {
                    channel.read(buffer, offset + buffer.position());
                }
                buffer.flip();
                int partNumber = number;
                String etag = call(() -> client.uploadPart(request -> request.bucket(settings.bucket())
                        .key(name(key)).uploadId(uploadId).partNumber(partNumber), RequestBody.fromByteBuffer(buffer)))
                        .eTag();
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
            }
            call(() -> client.completeMultipartUpload(request -> request.bucket(settings.bucket()).key(name(key))
                    .uploadId(uploadId).multipartUpload(CompletedMultipartUpload.builder().parts(parts).build())));
        } catch (IOException | RuntimeException e) {
            try {
                client.abortMultipartUpload(request -> request.bucket(settings.bucket()).key(name(key))
                        .uploadId(uploadId));
            } catch (SdkException abortFailure) {
                e.addSuppressed(abortFailure);
            }
            throw e;
        }
    }

    @Override
    public void put(String key, byte[] bytes) throws IOException {
        call(() -> client.putObject(request -> request.bucket(settings.bucket()).key(name(key)),
                RequestBody.fromBytes(bytes)));
    }

    @Override
    public byte[] read(String key, long offset, int length) throws IOException {
        if (length == 0) {
            return new byte[0];
        }
        ResponseBytes<GetObjectResponse> response;
        try {
            response = client.getObjectAsBytes(request -> request.bucket(settings.bucket()).key(name(key))
                    .range("bytes=" + offset + "-" + (offset + length - 1)));
        } catch (NoSuchKeyException e) {
            throw new BlobNotFoundException(key);
        } catch (S3Exception e) {
            if (e.statusCode() == 416) {
                throw new IOException("range " + offset + "+" + length + " is outside '" + key + "'", e);
            }
            throw new IOException("S3 read of '" + key + "' failed: " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new IOException("S3 read of '" + key + "' failed: " + e.getMessage(), e);
        }
        byte[] bytes = response.asByteArray();
        if (bytes.length != length) {
            throw new IOException("range " + offset + "+" + length + " is outside '" + key + "' (got " + bytes.length
                    + " bytes)");
        }
        return bytes;
    }

    @Override
    public InputStream open(String key) throws IOException {
        try {
            return client.getObject(request -> request.bucket(settings.bucket()).key(name(key)));
        } catch (NoSuchKeyException e) {
            throw new BlobNotFoundException(key);
        } catch (SdkException e) {
            throw new IOException("S3 read of '" + key + "' failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<BlobInfo> stat(String key) throws IOException {
        try {
            HeadObjectResponse head = client.headObject(request -> request.bucket(settings.bucket()).key(name(key)));
            return Optional.of(new BlobInfo(key, head.contentLength(), head.lastModified()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw new IOException("S3 stat of '" + key + "' failed: " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new IOException("S3 stat of '" + key + "' failed: " + e.getMessage(), e);
        }
    }

    @Override
    public List<BlobInfo> list(String prefix) throws IOException {
        List<BlobInfo> found = new ArrayList<>();
        try {
            for (S3Object object : client.listObjectsV2Paginator(request -> request.bucket(settings.bucket())
                    .prefix(name(prefix))).contents()) {
                found.add(new BlobInfo(object.key().substring(settings.prefix().length()), object.size(),
                        object.lastModified()));
            }
        } catch (SdkException e) {
            throw new IOException("S3 listing of '" + prefix + "' failed: " + e.getMessage(), e);
        }
        found.sort(java.util.Comparator.comparing(BlobInfo::key));
        return found;
    }

    @Override
    public void delete(String key) throws IOException {
        call(() -> client.deleteObject(request -> request.bucket(settings.bucket()).key(name(key))));
    }

    @Override
    public String describe() {
        return "s3://" + settings.bucket() + "/" + settings.prefix()
                + settings.endpoint().map(uri -> " at " + uri).orElse("");
    }

    @Override
    public void close() {
        client.close();
    }

    private String name(String key) {
        return settings.prefix() + key;
    }

    private interface S3Call<T> {
        T run();
    }

    private <T> T call(S3Call<T> call) throws IOException {
        try {
            return call.run();
        } catch (SdkException e) {
            throw new IOException("S3 request to " + describe() + " failed: " + e.getMessage(), e);
        }
    }
}
