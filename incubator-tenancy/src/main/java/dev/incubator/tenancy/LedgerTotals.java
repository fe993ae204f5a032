package dev.incubator.tenancy;

import static java.util.Objects.requireNonNull;

import dev.incubator.common.GpuHours;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sums of a grant's ledger entries by kind and GPU type, plus the usage of a recent window: everything the
 * burn-down needs, computed by the store without shipping every entry.
 */
public record LedgerTotals(List<Sum> sums, GpuHours recentUsage) {
    public record Sum(LedgerEntry.Kind kind, String gpuType, GpuHours amount) {
        public Sum {
            requireNonNull(kind, "kind is null");
            requireNonNull(gpuType, "gpuType is null");
            requireNonNull(amount, "amount is null");
        }
    }

    public LedgerTotals {
        sums = List.copyOf(sums);
        requireNonNull(recentUsage, "recentUsage is null");
    }

    /**
     * The reference definition: totals of {@code entries}, with the usage recorded in {@code (since, until]}
     * (as a positive amount). Stores must compute exactly this.
     */
    public static LedgerTotals of(List<LedgerEntry> entries, Instant since, Instant until) {
        Map<LedgerEntry.Kind, Map<String, GpuHours>> grouped = new TreeMap<>();
        GpuHours recent = GpuHours.ZERO;
        for (LedgerEntry entry : entries) {
            grouped.computeIfAbsent(entry.kind(), kind -> new TreeMap<>())
                    .merge(entry.gpuType(), entry.amount(), GpuHours::plus);
            if (entry.kind() == LedgerEntry.Kind.USAGE && entry.occurredAt().isAfter(since)
                    && !entry.occurredAt().isAfter(until)) {
                recent = recent.minus(entry.amount());
            }
        }
        List<Sum> sums = grouped.entrySet().stream().flatMap(byKind -> byKind.getValue().entrySet().stream()
                .map(byType -> new Sum(byKind.getKey(), byType.getKey(), byType.getValue()))).toList();
        return new LedgerTotals(sums, recent);
    }

    /** These totals with one more entry, appended at the end of the recent window. */
    public LedgerTotals plus(LedgerEntry entry) {
        List<Sum> updated = new java.util.ArrayList<>();
        boolean merged = false;
        for (Sum sum : sums) {
            if (sum.kind() == entry.kind() && sum.gpuType().equals(entry.gpuType())) {
                updated.add(new Sum(sum.kind(), sum.gpuType(), sum.amount().plus(entry.amount())));
                merged = true;
            } else {
                updated.add(sum);
            }
        }
        if (!merged) {
            updated.add(new Sum(entry.kind(), entry.gpuType(), entry.amount()));
        }
        GpuHours recent = entry.kind() == LedgerEntry.Kind.USAGE ? recentUsage.minus(entry.amount()) : recentUsage;
        return new LedgerTotals(updated, recent);
    }

    /** True when the grant awarded hours specifically for {@code gpuType}. */
    public boolean hasAwardFor(String gpuType) {
        return sums.stream().anyMatch(sum -> sum.kind() == LedgerEntry.Kind.AWARD && sum.gpuType().equals(gpuType));
    }
}
