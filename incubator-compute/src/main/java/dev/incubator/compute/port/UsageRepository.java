package dev.incubator.compute.port;

import dev.incubator.compute.UsageRecord;
import java.time.Instant;
import java.util.List;

/** Append-only record of metered job usage. */
public interface UsageRepository {
    void append(UsageRecord record);

    /** An organisation's usage records at or after {@code since}, oldest first. */
    List<UsageRecord> since(String orgId, Instant since);
}
