package dev.incubator.tenancy.port;

import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.tenancy.Ids.GrantId;
import dev.incubator.tenancy.LedgerEntry;
import java.time.Instant;
import java.util.List;

/**
 * The append-only grant ledger. Implementations MUST NOT offer or allow update or delete of an entry: the
 * storage itself refuses them.
 */
public interface LedgerRepository {
    /** Appends and returns the entry with its sequence number. */
    LedgerEntry append(LedgerEntry entry);

    /**
     * Sums of the grant's entries by kind and GPU type, and its usage in {@code (since, until]}: exactly
     * {@link dev.incubator.tenancy.LedgerTotals#of} over every entry.
     */
    dev.incubator.tenancy.LedgerTotals totals(GrantId grantId, Instant since, Instant until);

    Page<LedgerEntry> list(GrantId grantId, PageRequest page);

    /** Records that usage crossed {@code percent}; returns false if that was already recorded. */
    boolean recordThreshold(GrantId grantId, int percent, Instant at);

    /** Thresholds already crossed, ascending. */
    List<Integer> thresholds(GrantId grantId);
}
