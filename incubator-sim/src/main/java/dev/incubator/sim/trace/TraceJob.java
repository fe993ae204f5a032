package dev.incubator.sim.trace;

import static java.util.Objects.requireNonNull;

/**
 * A job as the trace recorded it: the submission, plus how long it really ran (only the simulated executor may
 * read this) and how it ended in the original cluster.
 */
public record TraceJob(Submission submission, long durationMillis, String status) {
    public TraceJob {
        requireNonNull(submission, "submission is null");
        requireNonNull(status, "status is null");
        if (durationMillis < 0) {
            throw new IllegalArgumentException("job " + submission.id() + " has a negative duration");
        }
    }
}
