package dev.incubator.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incubator.common.GpuHours;
import dev.incubator.tenancy.Ids.GrantId;
import dev.incubator.tenancy.Ids.OrgId;
import dev.incubator.tenancy.LedgerEntry.Kind;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GrantStatusTest {
    private static final Instant NOW = Instant.parse("2026-06-15T12:00:00Z");
    private static final Grant GRANT = new Grant(new GrantId("grt_1"), new OrgId("org_1"), "seed",
            LocalDate.parse("2026-01-01"), LocalDate.parse("2026-12-31"), 4, Instant.EPOCH, "user:op", 1);

    @Test
    void balanceIsTheSumOfEntriesAndBurnRateUsesOnlyTheLastSevenDays() {
        GrantStatus status = status(ledger()
                .award("any", 1000)
                .usage("any", 300, NOW.minus(Duration.ofDays(30)))
                .usage("any", 70, NOW.minus(Duration.ofDays(2)))
                .adjustment("any", -30)
                .entries, List.of(), NOW);
        assertThat(status.balance()).isEqualTo(hours(600));
        assertThat(status.used()).isEqualTo(hours(370));
        assertThat(status.burnRatePerDay()).isEqualTo(hours(10));
        assertThat(status.projectedExhaustion()).contains(LocalDate.parse("2026-08-14"));
        assertThat(status.usedPercent()).isEqualByComparingTo("38.1");
        assertThat(status.state()).isEqualTo(GrantStatus.State.ACTIVE);
        assertThat(status.newlyCrossedThresholds()).isEmpty();
    }

    @Test
    void aBalanceThatOutlastsTheGrantHasNoExhaustionDateButExpiresFirst() {
        // 1,000,000 GPU-h at a trickle would "run out" in the year 4422: the grant ends long before.
        GrantStatus status = status(ledger().award("any", 1_000_000).usage("any", 1, NOW.minus(Duration.ofDays(1)))
                .entries, List.of(), NOW);
        assertThat(status.burnRatePerDay().isPositive()).isTrue();
        assertThat(status.projectedExhaustion()).isEmpty();
        assertThat(status.expiresBeforeExhaustion()).isTrue();
        GrantStatus huge = status(ledger().award("any", Long.MAX_VALUE / 2000).usage("any", 1, NOW).entries,
                List.of(), NOW);
        assertThat(huge.projectedExhaustion()).as("no date overflow").isEmpty();
    }

    @Test
    void thresholdsAreReportedOnceEach() {
        List<LedgerEntry> entries = ledger().award("any", 100).usage("any", 85, NOW).entries;
        assertThat(status(entries, List.of(), NOW).newlyCrossedThresholds()).containsExactly(50, 80);
        assertThat(status(entries, List.of(50), NOW).newlyCrossedThresholds()).containsExactly(80);
    }

    @Test
    void aGrantWithNothingLeftIsExhaustedAndOnePastItsEndIsExpired() {
        assertThat(status(ledger().award("any", 10).usage("any", 10, NOW).entries, List.of(), NOW).state())
                .isEqualTo(GrantStatus.State.EXHAUSTED);
        assertThat(status(ledger().award("any", 10).entries, List.of(),
                Instant.parse("2027-01-01T00:00:00Z")).state()).isEqualTo(GrantStatus.State.EXPIRED);
        assertThat(status(ledger().award("any", 10).entries, List.of(),
                Instant.parse("2025-12-31T00:00:00Z")).state()).isEqualTo(GrantStatus.State.SCHEDULED);
    }

    private static GrantStatus status(List<LedgerEntry> entries, List<Integer> thresholds, Instant now) {
        return GrantStatus.of(GRANT, LedgerTotals.of(entries, now.minus(GrantStatus.BURN_WINDOW), now), thresholds, now);
    }

    private static GpuHours hours(long value) {
        return GpuHours.ofMilli(value * 1000);
    }

    private static Ledger ledger() {
        return new Ledger();
    }

    /** Builds ledgers for scenarios: {@code ledger().award("any", 100).usage("any", 5, at)}. */
    private static final class Ledger {
        private final List<LedgerEntry> entries = new ArrayList<>();

        Ledger award(String type, long amount) {
            return add(Kind.AWARD, type, amount, NOW.minus(Duration.ofDays(100)));
        }

        Ledger usage(String type, long amount, Instant at) {
            return add(Kind.USAGE, type, -amount, at);
        }

        Ledger adjustment(String type, long amount) {
            return add(Kind.ADJUSTMENT, type, amount, NOW.minus(Duration.ofDays(1)));
        }

        private Ledger add(Kind kind, String type, long amount, Instant at) {
            entries.add(new LedgerEntry(entries.size() + 1, GRANT.id(), GRANT.orgId(), kind, type, hours(amount), at,
                    Optional.empty(), Optional.empty(), "user:op"));
            return this;
        }
    }
}
