package dev.incubator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

/** Time left is estimated from the recent rate, and not at all in the first seconds. */
class ProgressTest {
    private long now;

    private Progress progress(long total) {
        return new Progress("pushing", total, new PrintStream(new ByteArrayOutputStream()), true, () -> now);
    }

    @Test
    void aSlowFirstMomentDoesNotPromiseHours() {
        Progress progress = progress(10L << 30);
        now += 500_000_000L;
        progress.add(1024);
        assertThat(progress.secondsLeft()).as("no guess in the first two seconds").isEmpty();
        // Then 100 MiB/s for three seconds: 10 GiB take about 100 s, not the 45 hours the first moment suggested.
        for (int i = 0; i < 30; i++) {
            now += 100_000_000L;
            progress.add(10L << 20);
        }
        assertThat(progress.secondsLeft()).isPresent();
        assertThat(progress.secondsLeft().getAsLong()).isBetween(90L, 130L);
    }

    @Test
    void theRateFollowsTheLastSecondsNotTheWholeTransfer() {
        Progress progress = progress(1L << 30);
        for (int i = 0; i < 100; i++) {
            now += 100_000_000L;
            progress.add(1L << 20);   // 10 MiB/s for 10 s
        }
        for (int i = 0; i < 60; i++) {
            now += 100_000_000L;
            progress.add(5L << 20);   // then 50 MiB/s for 6 s
        }
        assertThat(progress.rate() / (1 << 20)).isBetween(45.0, 51.0);
    }
}
