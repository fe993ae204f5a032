package dev.incubator.server;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/** A clock that runs in real time from a chosen start and that tests can move forward, e.g. to expire tokens. */
public final class MutableClock extends Clock {
    private final Instant start;
    private final long startNanos = System.nanoTime();
    private volatile Duration offset = Duration.ZERO;

    public MutableClock(Instant start) {
        this.start = start;
    }

    public void advance(Duration duration) {
        offset = offset.plus(duration);
    }

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
        return start.plusNanos(System.nanoTime() - startNanos).plus(offset).truncatedTo(ChronoUnit.MILLIS);
    }
}
