package dev.incubator.notify.webhook;

import java.time.Duration;
import java.util.Optional;

/**
 * When a failed webhook delivery is tried again: {@code first} after the first failure, then {@code factor} times
 * longer each time, never more than {@code cap} apart, and no more after {@code maxAttempts} attempts in all.
 * The defaults (10 s, x3, 6 h cap, 8 attempts) try for about three hours: 10 s, 30 s, 90 s, 4.5 min, 13.5 min,
 * 40.5 min and 2 h after each failure.
 */
public record Backoff(Duration first, int factor, Duration cap, int maxAttempts) {
    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(10), 3, Duration.ofHours(6), 8);

    public Backoff {
        if (first.isNegative() || first.isZero() || factor < 1 || cap.compareTo(first) < 0 || maxAttempts < 1) {
            throw new IllegalArgumentException("backoff needs first > 0, factor >= 1, cap >= first, maxAttempts >= 1");
        }
    }

    public Backoff withMaxAttempts(int attempts) {
        return new Backoff(first, factor, cap, attempts);
    }

    /** The wait after failed attempt number {@code attempts} (1-based), or empty when it was the last. */
    public Optional<Duration> after(int attempts) {
        if (attempts >= maxAttempts) {
            return Optional.empty();
        }
        Duration wait = first;
        for (int i = 1; i < attempts && wait.compareTo(cap) < 0; i++) {
            wait = wait.multipliedBy(factor);
        }
        return Optional.of(wait.compareTo(cap) > 0 ? cap : wait);
    }
}
