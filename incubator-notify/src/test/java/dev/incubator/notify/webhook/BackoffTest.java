package dev.incubator.notify.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void theDefaultTriesEightTimesOverAboutThreeHours() {
        List<Duration> waits = new ArrayList<>();
        for (int attempt = 1; ; attempt++) {
            Optional<Duration> wait = Backoff.DEFAULT.after(attempt);
            if (wait.isEmpty()) {
                break;
            }
            waits.add(wait.get());
        }
        assertThat(waits).containsExactly(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(90),
                Duration.ofSeconds(270), Duration.ofSeconds(810), Duration.ofSeconds(2430), Duration.ofSeconds(7290));
        assertThat(waits.stream().reduce(Duration.ZERO, Duration::plus)).isBetween(Duration.ofHours(3),
                Duration.ofHours(3).plusMinutes(5));
    }

    @Test
    void waitsNeverExceedTheCap() {
        Backoff backoff = new Backoff(Duration.ofMinutes(1), 10, Duration.ofHours(1), 100);
        assertThat(backoff.after(2)).hasValue(Duration.ofMinutes(10));
        assertThat(backoff.after(3)).hasValue(Duration.ofHours(1));
        assertThat(backoff.after(99)).hasValue(Duration.ofHours(1));
        assertThat(backoff.after(100)).isEmpty();
        assertThat(Backoff.DEFAULT.withMaxAttempts(1).after(1)).as("a single attempt").isEmpty();
    }
}
