package dev.incubator.server.serving;

import dev.incubator.compute.ComputeService;
import dev.incubator.server.JobCredentials;
import dev.incubator.serving.Replica;
import dev.incubator.serving.ReplicaProbe;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * HTTP to replicas: each request carries the replica job's own credential (what its server accepts, and nobody
 * else holds), so another tenant's process on the same node can neither call it nor impersonate the gateway.
 */
final class ReplicaClient implements ReplicaProbe {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

    private final ComputeService compute;
    private final JobCredentials credentials;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
            .version(HttpClient.Version.HTTP_1_1).build();

    ReplicaClient(ComputeService compute, JobCredentials credentials) {
        this.compute = compute;
        this.credentials = credentials;
    }

    /** The bearer the replica's server accepts: its job's credential for the attempt that runs now. */
    Optional<String> bearer(Replica replica) {
        return compute.find(replica.jobId()).map(credentials::mint);
    }

    @Override
    public Optional<String> check(Replica replica) {
        Optional<String> bearer = bearer(replica);
        if (bearer.isEmpty() || replica.endpoint().isEmpty()) {
            return Optional.of("not registered");
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(replica.endpoint().get() + "/v1/models"))
                .timeout(PROBE_TIMEOUT).header("Authorization", "Bearer " + bearer.get()).GET().build();
        try {
            int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            return status == 200 ? Optional.empty() : Optional.of("health check answered " + status);
        } catch (IOException e) {
            return Optional.of("health check failed: " + Optional.ofNullable(e.getMessage()).orElse(e.getClass()
                    .getSimpleName()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
    }

    /** Posts a JSON body to the replica's {@code path}; the response streams (the caller closes its body). */
    HttpResponse<InputStream> post(Replica replica, String path, byte[] body, Duration timeout) throws IOException,
            InterruptedException {
        String bearer = bearer(replica).orElseThrow(() -> new IOException("the replica's job is gone"));
        HttpRequest request = HttpRequest.newBuilder(URI.create(replica.endpoint().orElseThrow(() ->
                        new IOException("the replica has no endpoint")) + path)).timeout(timeout)
                .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    }

}
