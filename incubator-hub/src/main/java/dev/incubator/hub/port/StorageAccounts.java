package dev.incubator.hub.port;

import java.util.Optional;

/**
 * What each owner (an organisation or a user) stores: plaintext bytes of the chunks charged to it, counted once per
 * domain after deduplication, and the quota an operator set for it. The chunk index keeps the bytes current as
 * chunks are added and removed; accounts are {@code organisation:<id>} or {@code user:<id>}.
 */
public interface StorageAccounts {
    /** An owner's stored bytes and its own quota (empty: the platform default applies). */
    record Account(String id, long bytes, Optional<Long> quotaBytes) {
    }

    /** The account; zero bytes and no quota of its own when nothing was ever charged or set. */
    Account find(String account);

    void setQuota(String account, Optional<Long> quotaBytes);
}
