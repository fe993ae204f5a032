package dev.incubator.tenancy.port;

import java.time.Instant;
import java.util.Optional;

/**
 * Remembers the response to a create call made with an idempotency key, so a retry gets the same answer
 * instead of a second resource. Keys are scoped to the caller.
 */
public interface IdempotencyRepository {
    record StoredResponse(String principal, String key, String requestFingerprint, int status, String body,
                          Instant createdAt) {
    }

    Optional<StoredResponse> find(String principal, String key);

    /** Fails with {@code IDEMPOTENCY_KEY_IN_USE} when a response for the key was stored concurrently. */
    void save(StoredResponse response);

    /** Forgets responses older than {@code before}; returns how many. */
    int purgeOlderThan(Instant before);
}
