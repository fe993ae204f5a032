package dev.incubator.server.api;

import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests per key in fixed one-minute windows. Windows of keys gone quiet are dropped once there are many, so
 * memory follows the keys seen in one minute.
 */
final class RateWindows {
    static final RateWindows NONE = new RateWindows(0, Clock.systemUTC());
    private static final int MAX_KEYS = 10_000;

    private final int perMinute;
    private final Clock clock;
    private final ConcurrentHashMap<String, long[]> windows = new ConcurrentHashMap<>();

    RateWindows(int perMinute, Clock clock) {
        this.perMinute = perMinute;
        this.clock = clock;
    }

    int perMinute() {
        return perMinute;
    }

    /** Counts one request of {@code key}; over the limit, the seconds until its next window, else 0. */
    long count(String key) {
        if (perMinute <= 0) {
            return 0;
        }
        long minute = clock.millis() / 60_000;
        long[] window = windows.compute(key, (ignored, current) -> current == null || current[0] != minute
                ? new long[] {minute, 1} : new long[] {minute, current[1] + 1});
        if (windows.size() > MAX_KEYS) {
            windows.values().removeIf(stale -> stale[0] != minute);
        }
        return window[1] > perMinute ? Math.max(1, 60 - (clock.millis() / 1000) % 60) : 0;
    }
}
