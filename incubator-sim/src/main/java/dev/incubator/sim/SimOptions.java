package dev.incubator.sim;

import java.time.Duration;

/**
 * Knobs of a replay.
 *
 * @param cycle        the scheduler runs at most this often (and only when something changed)
 * @param grace        how long a preempted job keeps its GPUs before it stops (the checkpoint grace period)
 * @param defaultLimit time limit of jobs whose user gave none: the cluster's maximum run time
 * @param halfLife     half-life of the decayed usage that fair share compares
 * @param history      finished runs per user and size that predictions average over
 * @param checkpointEvery when present, every job checkpoints this often (traces record no checkpoints: an
 *                     assumption the report states), and a preempted job resumes from its last checkpoint
 */
public record SimOptions(Duration cycle, Duration grace, Duration defaultLimit, Duration halfLife, int history,
                         java.util.Optional<Duration> checkpointEvery) {
    /** Without checkpoints: a preempted job starts over. */
    public SimOptions(Duration cycle, Duration grace, Duration defaultLimit, Duration halfLife, int history) {
        this(cycle, grace, defaultLimit, halfLife, history, java.util.Optional.empty());
    }

    public SimOptions withCheckpoints(Duration every) {
        return new SimOptions(cycle, grace, defaultLimit, halfLife, history, java.util.Optional.of(every));
    }

    public SimOptions {
        if (checkpointEvery.isPresent() && (checkpointEvery.get().isNegative() || checkpointEvery.get().isZero())) {
            throw new IllegalArgumentException("checkpoints must come at a positive interval");
        }
        if (cycle.isNegative() || cycle.isZero() || grace.isNegative() || defaultLimit.isNegative()
                || defaultLimit.isZero() || halfLife.isNegative() || halfLife.isZero() || history < 1) {
            throw new IllegalArgumentException("cycle, default limit and half-life must be positive, grace not"
                    + " negative, history at least 1");
        }
    }

    public static SimOptions defaults() {
        return new SimOptions(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofDays(14),
                Duration.ofDays(7), 10);
    }
}
