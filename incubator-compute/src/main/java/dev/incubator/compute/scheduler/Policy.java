package dev.incubator.compute.scheduler;

/** Scheduling policies selectable by configuration. */
public enum Policy {
    /**
     * Incubator's default: guarantees first, fair share by decayed usage and weight, within an organisation by
     * priority then predicted GPU-time (shortest first), EASY backfill, borrowing and guarantee reclaim.
     */
    FAIR_SHARE,
    /** Reference: strict submit order; the first job that does not fit blocks every later one. */
    FIFO,
    /** Reference (Slurm-like): submit order with EASY backfill. */
    FIFO_BACKFILL,
    /**
     * Reference (Helios QSSF, SC'21): one queue for everybody ordered by priority class, then predicted GPU-time
     * (shortest first); every job that fits starts, with no reservation for a blocked one (so a wide job can wait
     * while narrower, shorter ones keep starting), and no guarantees or fair share. Given true run times as
     * predictions it is the shortest-job-first oracle the simulator compares against.
     */
    SHORTEST_FIRST
}
