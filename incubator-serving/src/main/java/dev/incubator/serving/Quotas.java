package dev.incubator.serving;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests and tokens a minute per key, in fixed one-minute windows (what a client can reason about: "N per
 * minute, the window restarts at :00"). Tokens are charged after the answer, with what the replica counted; a key
 * over its token rate waits for the next window.
 */
public final class Quotas {
    private record Window(long minute, int requests, long tokens) {
    }

    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    private final Clock clock;

    public Quotas(Clock clock) {
        this.clock = clock;
    }

    /**
     * Counts a request of {@code key} against {@code limits}; empty if admitted, else the seconds until the next
     * window with the reason.
     */
    public Optional<Refusal> admit(String key, Deployment.Limits limits) {
        long minute = minute();
        Refusal[] refused = {null};
        windows.compute(key, (k, window) -> {
            Window current = window == null || window.minute() != minute ? new Window(minute, 0, 0) : window;
            if (limits.requestsPerMinute() > 0 && current.requests() >= limits.requestsPerMinute()) {
                refused[0] = new Refusal(retryAfter(), "requests", "more than " + limits.requestsPerMinute()
                        + " requests this minute with this key");
                return current;
            }
            if (limits.tokensPerMinute() > 0 && current.tokens() >= limits.tokensPerMinute()) {
                refused[0] = new Refusal(retryAfter(), "tokens", "more than " + limits.tokensPerMinute()
                        + " tokens this minute with this key");
                return current;
            }
            return new Window(minute, current.requests() + 1, current.tokens());
        });
        return Optional.ofNullable(refused[0]);
    }

    /** Adds the tokens an answer used to the key's window. */
    public void charge(String key, long tokens) {
        long minute = minute();
        windows.compute(key, (k, window) -> window == null || window.minute() != minute
                ? new Window(minute, 0, tokens) : new Window(minute, window.requests(), window.tokens() + tokens));
    }

    /** Why a request was refused: which limit, and when to come back. */
    public record Refusal(long retryAfterSeconds, String limit, String message) {
    }

    private long minute() {
        return clock.millis() / 60_000;
    }

    private long retryAfter() {
        long millis = clock.millis();
        return Math.max(1, (60_000 - millis % 60_000 + 999) / 1000);
    }

    /** The start of the calendar month (UTC) that {@code now} is in: what a monthly budget counts from. */
    public static Instant monthStart(Instant now) {
        return now.atZone(java.time.ZoneOffset.UTC).withDayOfMonth(1).toLocalDate()
                .atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
    }
}
