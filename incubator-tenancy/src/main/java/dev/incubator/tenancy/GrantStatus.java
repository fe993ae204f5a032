package dev.incubator.tenancy;

import static java.util.Objects.requireNonNull;

import dev.incubator.common.GpuHours;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A grant with its burn-down, derived only from its ledger entries: the balance is always the sum of the
 * entries, never a stored number.
 */
public record GrantStatus(
        Grant grant,
        State state,
        GpuHours awarded,
        GpuHours adjustments,
        GpuHours used,
        GpuHours expired,
        GpuHours balance,
        Map<String, GpuHours> balanceByGpuType,
        BigDecimal usedPercent,
        GpuHours burnRatePerDay,
        Optional<LocalDate> projectedExhaustion,
        List<Integer> thresholdsCrossed) {

    public enum State { SCHEDULED, ACTIVE, EXHAUSTED, EXPIRED }

    /** Usage thresholds, in percent of entitlement, that raise an event once each. */
    public static final List<Integer> THRESHOLDS = List.of(50, 80, 100);
    /** Burn rate is measured over this trailing window. */
    public static final Duration BURN_WINDOW = Duration.ofDays(7);

    public GrantStatus {
        requireNonNull(grant, "grant is null");
        balanceByGpuType = Map.copyOf(balanceByGpuType);
        thresholdsCrossed = List.copyOf(thresholdsCrossed);
    }

    /** The burn-down of {@code grant} from its ledger totals, whose recent usage covers {@link #BURN_WINDOW}. */
    public static GrantStatus of(Grant grant, LedgerTotals totals, List<Integer> thresholdsCrossed, Instant now) {
        GpuHours awarded = GpuHours.ZERO;
        GpuHours adjustments = GpuHours.ZERO;
        GpuHours used = GpuHours.ZERO;
        GpuHours expired = GpuHours.ZERO;
        Map<String, GpuHours> byType = new TreeMap<>();
        for (LedgerTotals.Sum sum : totals.sums()) {
            byType.merge(sum.gpuType(), sum.amount(), GpuHours::plus);
            switch (sum.kind()) {
                case AWARD -> awarded = awarded.plus(sum.amount());
                case ADJUSTMENT -> adjustments = adjustments.plus(sum.amount());
                case USAGE -> used = used.minus(sum.amount());
                case EXPIRY -> expired = expired.minus(sum.amount());
            }
        }
        GpuHours recentUsage = totals.recentUsage();
        GpuHours balance = byType.values().stream().reduce(GpuHours.ZERO, GpuHours::plus);
        GpuHours entitlement = awarded.plus(adjustments);
        BigDecimal usedPercent = percent(used, entitlement);
        GpuHours burnRate = GpuHours.ofMilli(recentUsage.milli() / BURN_WINDOW.toDays());
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);

        State state;
        if (expired.isPositive() || today.isAfter(grant.endsOn())) {
            state = State.EXPIRED;
        } else if (today.isBefore(grant.startsOn())) {
            state = State.SCHEDULED;
        } else if (!balance.isPositive()) {
            state = State.EXHAUSTED;
        } else {
            state = State.ACTIVE;
        }

        Optional<LocalDate> exhaustion = Optional.empty();
        if (state == State.ACTIVE && burnRate.isPositive()) {
            // Projected only within the grant's period: past its end the grant expires first, whatever the date.
            long days = ceilDiv(balance.milli(), burnRate.milli());
            long left = java.time.temporal.ChronoUnit.DAYS.between(today, grant.endsOn());
            exhaustion = days <= left ? Optional.of(today.plusDays(days)) : Optional.empty();
        } else if (state == State.EXHAUSTED) {
            exhaustion = Optional.of(today);
        }
        return new GrantStatus(grant, state, awarded, adjustments, used, expired, balance, byType, usedPercent,
                burnRate, exhaustion, thresholdsCrossed);
    }

    /** Thresholds reached by usage that have not been recorded yet. */
    public List<Integer> newlyCrossedThresholds() {
        GpuHours entitlement = awarded.plus(adjustments);
        return THRESHOLDS.stream()
                .filter(threshold -> !thresholdsCrossed.contains(threshold))
                .filter(threshold -> entitlement.isPositive()
                        ? BigDecimal.valueOf(used.milli()).multiply(BigDecimal.valueOf(100))
                                .compareTo(BigDecimal.valueOf(entitlement.milli()).multiply(BigDecimal.valueOf(threshold))) >= 0
                        : used.isPositive())
                .toList();
    }

    /** True when the projected exhaustion falls after the grant's end: the grant expires with hours left. */
    public boolean expiresBeforeExhaustion() {
        return projectedExhaustion.map(day -> day.isAfter(grant.endsOn())).orElse(state == State.ACTIVE);
    }

    private static BigDecimal percent(GpuHours part, GpuHours whole) {
        if (!whole.isPositive()) {
            return part.isPositive() ? BigDecimal.valueOf(100).setScale(1) : BigDecimal.ZERO.setScale(1);
        }
        return BigDecimal.valueOf(part.milli()).multiply(BigDecimal.valueOf(100))
                .divide(BigDecimal.valueOf(whole.milli()), 1, RoundingMode.HALF_UP);
    }

    private static long ceilDiv(long numerator, long denominator) {
        return -Math.floorDiv(-numerator, denominator);
    }
}
