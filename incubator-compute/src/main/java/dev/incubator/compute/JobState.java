package dev.incubator.compute;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The life of a job. PREEMPTED returns to PENDING; SUCCEEDED, FAILED, CANCELLED and TIMEOUT are final.
 * {@link #canMoveTo} is the only source of legal transitions: anything else is impossible.
 */
public enum JobState {
    PENDING, ADMITTED, RUNNING, PREEMPTED, SUCCEEDED, FAILED, CANCELLED, TIMEOUT;

    private static final Map<JobState, Set<JobState>> NEXT = Map.of(
            PENDING, EnumSet.of(ADMITTED, CANCELLED),
            // ADMITTED -> PENDING: the server stopped between admission and launch; the job goes back in line.
            ADMITTED, EnumSet.of(RUNNING, PENDING, FAILED, CANCELLED, PREEMPTED),
            // RUNNING -> PENDING: a failed attempt with retries left goes back in line as the next attempt.
            RUNNING, EnumSet.of(SUCCEEDED, FAILED, CANCELLED, TIMEOUT, PREEMPTED, PENDING),
            PREEMPTED, EnumSet.of(PENDING, CANCELLED),
            SUCCEEDED, EnumSet.noneOf(JobState.class),
            FAILED, EnumSet.noneOf(JobState.class),
            CANCELLED, EnumSet.noneOf(JobState.class),
            TIMEOUT, EnumSet.noneOf(JobState.class));

    public boolean canMoveTo(JobState next) {
        return NEXT.get(this).contains(next);
    }

    public boolean isFinal() {
        return NEXT.get(this).isEmpty();
    }

    /** Returns {@code next} if the move is legal, else throws naming both states. */
    public JobState moveTo(JobState next) {
        if (!canMoveTo(next)) {
            throw new IllegalStateException("a " + name().toLowerCase() + " job can not become " + next.name().toLowerCase());
        }
        return next;
    }
}
