package dev.incubator.store;

import dev.incubator.hub.port.StorageAccounts;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

final class JdbiStorageAccounts implements StorageAccounts {
    private final Handle handle;

    JdbiStorageAccounts(Handle handle) {
        this.handle = handle;
    }

    @Override
    public Account find(String account) {
        return handle.createQuery("SELECT bytes, quota_bytes FROM hub_storage WHERE account = :account")
                .bind("account", account)
                .map((rs, ctx) -> {
                    long bytes = rs.getLong("bytes");
                    long quota = rs.getLong("quota_bytes");
                    return new Account(account, bytes, rs.wasNull() ? Optional.empty() : Optional.of(quota));
                })
                .findOne().orElse(new Account(account, 0, Optional.empty()));
    }

    @Override
    public void setQuota(String account, Optional<Long> quotaBytes) {
        handle.createUpdate("INSERT INTO hub_storage (account, bytes, quota_bytes) VALUES (:account, 0, :quota)"
                        + " ON CONFLICT (account) DO UPDATE SET quota_bytes = excluded.quota_bytes")
                .bind("account", account).bind("quota", quotaBytes.orElse(null)).execute();
    }

    /** Adds {@code bytes} (negative to credit back) to an account, in the caller's transaction. */
    static void charge(Handle handle, String account, long bytes) {
        handle.createUpdate("INSERT INTO hub_storage (account, bytes) VALUES (:account, :bytes)"
                        + " ON CONFLICT (account) DO UPDATE SET bytes = hub_storage.bytes + excluded.bytes")
                .bind("account", account).bind("bytes", bytes).execute();
    }
}
