package dev.incubator.toolkit.metrics;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/** One value a run reported: {@code name} at training {@code step}; {@code sequence} orders a job's points. */
public record MetricPoint(long sequence, long step, String name, double value, Instant at) {
    public MetricPoint {
        requireNonNull(name, "name is null");
        requireNonNull(at, "at is null");
    }
}
