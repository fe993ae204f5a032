package dev.incubator.tenancy;

import static java.util.Objects.requireNonNull;

import dev.incubator.common.GpuHours;
import dev.incubator.tenancy.Ids.GrantId;
import dev.incubator.tenancy.Ids.OrgId;
import java.time.Instant;
import java.util.Optional;

/**
 * One append-only ledger entry of a grant. Credits are positive, debits negative: an award is positive, usage
 * and expiry are negative, an adjustment may be either. {@code sequence} is assigned on append (0 before).
 */
public record LedgerEntry(long sequence, GrantId grantId, OrgId orgId, Kind kind, String gpuType, GpuHours amount,
                          Instant occurredAt, Optional<String> reference, Optional<String> note, String actor) {
    public enum Kind { AWARD, USAGE, ADJUSTMENT, EXPIRY }

    public LedgerEntry {
        requireNonNull(grantId, "grantId is null");
        requireNonNull(orgId, "orgId is null");
        requireNonNull(kind, "kind is null");
        requireNonNull(gpuType, "gpuType is null");
        requireNonNull(amount, "amount is null");
        requireNonNull(occurredAt, "occurredAt is null");
        requireNonNull(reference, "reference is null");
        requireNonNull(note, "note is null");
        requireNonNull(actor, "actor is null");
        switch (kind) {
            case AWARD -> check(amount.isPositive(), "an award must be positive");
            case USAGE, EXPIRY -> check(amount.milli() < 0, "usage and expiry entries must be negative");
            case ADJUSTMENT -> check(amount.milli() != 0, "an adjustment must not be zero");
        }
    }

    private static void check(boolean valid, String message) {
        if (!valid) {
            throw new IllegalArgumentException(message);
        }
    }
}
