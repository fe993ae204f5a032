package dev.incubator.compute.scheduler;

/** Why a job is still pending, as a stable code; the decision adds a human message. */
public enum PendingReason {
    /** The cluster can never run it as specified: more GPUs, or a GPU type, than it has. */
    GANG_NOT_SATISFIABLE,
    /** Enough GPUs will free up; it waits its turn for them. */
    WAITING_FOR_RESOURCES,
    /** A higher-ranked job holds a reservation this job would delay. */
    BEHIND_HIGHER_PRIORITY,
    /** Borrowed jobs are being preempted to give this organisation its guarantee. */
    WAITING_FOR_PREEMPTION,
    /** The organisation is at its guarantee and no GPUs are idle to borrow. */
    QUOTA_EXCEEDED_AND_NO_IDLE,
    /** The organisation has no active grant: it runs only preemptible work on idle GPUs, and none are idle. */
    GRANT_EXHAUSTED
}
