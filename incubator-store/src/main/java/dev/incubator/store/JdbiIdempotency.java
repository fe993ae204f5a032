package dev.incubator.store;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.tenancy.port.IdempotencyRepository;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

final class JdbiIdempotency implements IdempotencyRepository {
    private final Handle handle;

    JdbiIdempotency(Handle handle) {
        this.handle = handle;
    }

    @Override
    public Optional<StoredResponse> find(String principal, String key) {
        return handle.createQuery("""
                        SELECT principal, idempotency_key, request_fingerprint, status, body, created_at
                        FROM idempotency_keys WHERE principal = :principal AND idempotency_key = :key""")
                .bind("principal", principal).bind("key", key)
                .map((rs, ctx) -> new StoredResponse(rs.getString("principal"), rs.getString("idempotency_key"),
                        rs.getString("request_fingerprint"), rs.getInt("status"), rs.getString("body"),
                        Sql.instant(rs, "created_at")))
                .findOne();
    }

    @Override
    public void save(StoredResponse response) {
        try {
            handle.createUpdate("""
                            INSERT INTO idempotency_keys (principal, idempotency_key, request_fingerprint, status, body,
                                                          created_at)
                            VALUES (:principal, :key, :fingerprint, :status, :body, :createdAt)""")
                    .bind("principal", response.principal())
                    .bind("key", response.key())
                    .bind("fingerprint", response.requestFingerprint())
                    .bind("status", response.status())
                    .bind("body", response.body())
                    .bind("createdAt", response.createdAt().toEpochMilli())
                    .execute();
        } catch (RuntimeException e) {
            if (Sql.isUniqueViolation(e)) {
                throw new IncubatorException(ErrorCode.IDEMPOTENCY_KEY_IN_USE, "another request with idempotency key '"
                        + response.key() + "' completed first; retry to receive its response");
            }
            throw e;
        }
    }

    @Override
    public int purgeOlderThan(Instant before) {
        return handle.createUpdate("DELETE FROM idempotency_keys WHERE created_at < :before")
                .bind("before", before.toEpochMilli()).execute();
    }
}
