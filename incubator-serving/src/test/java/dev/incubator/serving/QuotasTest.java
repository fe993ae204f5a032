package dev.incubator.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class QuotasTest {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-01T10:00:15Z"));
    private final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };

    @Test
    void requestsPerMinuteAreCountedPerKeyAndTheWindowRestartsOnTheMinute() {
        Quotas quotas = new Quotas(clock);
        Deployment.Limits two = new Deployment.Limits(2, 0, 0);
        assertThat(quotas.admit("tok_a", two)).isEmpty();
        assertThat(quotas.admit("tok_a", two)).isEmpty();
        var refused = quotas.admit("tok_a", two).orElseThrow();
        assertThat(refused.limit()).isEqualTo("requests");
        assertThat(refused.retryAfterSeconds()).as("45 s to 10:01:00").isEqualTo(45);
        assertThat(quotas.admit("tok_b", two)).as("another key has its own window").isEmpty();
        now.set(Instant.parse("2026-12-01T10:01:00Z"));
        assertThat(quotas.admit("tok_a", two)).isEmpty();
    }

    @Test
    void tokensCountAfterTheAnswerAndRefuseTheNextRequest() {
        Quotas quotas = new Quotas(clock);
        Deployment.Limits hundred = new Deployment.Limits(0, 100, 0);
        assertThat(quotas.admit("tok", hundred)).isEmpty();
        quotas.charge("tok", 60);
        assertThat(quotas.admit("tok", hundred)).isEmpty();
        quotas.charge("tok", 60);
        assertThat(quotas.admit("tok", hundred).orElseThrow().limit()).isEqualTo("tokens");
        assertThat(quotas.admit("tok", Deployment.Limits.NONE)).as("no limit, no refusal").isEmpty();
    }

    @Test
    void aMonthlyBudgetCountsFromTheFirstOfTheMonthInUtc() {
        assertThat(Quotas.monthStart(Instant.parse("2026-12-31T23:59:59Z")))
                .isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
    }
}
