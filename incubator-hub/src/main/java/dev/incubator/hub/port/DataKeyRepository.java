package dev.incubator.hub.port;

import java.time.Instant;
import java.util.Optional;

/** Each encryption domain's data key, wrapped by the master key; deleting one crypto-shreds the domain. */
public interface DataKeyRepository {
    record WrappedKey(String domain, String wrapperId, byte[] wrapped, Instant createdAt) {
    }

    Optional<WrappedKey> find(String domain);

    /** Stores the key unless the domain already has one; returns the key the domain has afterwards. */
    WrappedKey insertIfAbsent(WrappedKey key);

    boolean delete(String domain);
}
