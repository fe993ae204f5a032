package dev.incubator.serving;

import java.util.Optional;

/**
 * How serving reaches the cluster: replicas are jobs of the deployment's organisation, submitted, watched and
 * cancelled through compute like any other (scheduled, metered to the grant, preemptible).
 */
public interface Cluster {
    /** What serving needs to know of a replica's job. */
    enum JobPhase { WAITING, RUNNING, ENDED }

    record JobStatus(JobPhase phase, Optional<String> reason) {
    }

    /** Submits a replica job for the deployment as {@code actor}; returns its job id. */
    String submit(Deployment deployment, String actor);

    /** The job's phase, or ENDED if it is gone. */
    JobStatus status(String jobId);

    /** Asks the job to stop (SIGTERM, then its grace period): the replica drains. */
    void stop(String jobId, String actor, String why);
}
