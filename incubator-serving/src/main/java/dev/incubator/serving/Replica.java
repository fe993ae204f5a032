package dev.incubator.serving;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One replica of a deployment: a job on the cluster serving one revision. STARTING until its process registered an
 * endpoint and answered a health check; READY while the gateway may route to it; DRAINING once asked to stop (no new
 * requests; the job is cancelled, which gives it its grace period); ENDED when its job ended.
 *
 * @param coldStart from the replica's job submission to its first good health check
 */
public record Replica(String jobId, String deploymentId, String revision, State state, Optional<String> endpoint,
                      Instant submittedAt, Optional<Instant> readyAt, Optional<Duration> coldStart, int failures,
                      Optional<String> message) {
    public Replica {
        requireNonNull(jobId, "jobId is null");
        requireNonNull(deploymentId, "deploymentId is null");
        requireNonNull(state, "state is null");
        requireNonNull(endpoint, "endpoint is null");
        requireNonNull(message, "message is null");
    }

    public enum State { STARTING, READY, DRAINING, ENDED }

    public static Replica starting(String jobId, Deployment deployment, Instant now) {
        return new Replica(jobId, deployment.id(), deployment.revision(), State.STARTING, Optional.empty(), now,
                Optional.empty(), Optional.empty(), 0, Optional.empty());
    }

    public boolean active() {
        return state == State.STARTING || state == State.READY;
    }

    public Replica registered(String url) {
        return new Replica(jobId, deploymentId, revision, state, Optional.of(url), submittedAt, readyAt, coldStart,
                failures, message);
    }

    public Replica ready(Instant now) {
        return new Replica(jobId, deploymentId, revision, State.READY, endpoint, submittedAt, Optional.of(now),
                coldStart.or(() -> Optional.of(Duration.between(submittedAt, now))), 0, Optional.empty());
    }

    public Replica failed(String why) {
        return new Replica(jobId, deploymentId, revision, state, endpoint, submittedAt, readyAt, coldStart,
                failures + 1, Optional.of(why));
    }

    /** Its job went back in line (preempted, or the node failed): not routable until its next attempt registers. */
    public Replica restarting(String why) {
        return new Replica(jobId, deploymentId, revision, State.STARTING, Optional.empty(), submittedAt, readyAt,
                coldStart, 0, Optional.of(why));
    }

    public Replica draining(String why) {
        return new Replica(jobId, deploymentId, revision, State.DRAINING, endpoint, submittedAt, readyAt, coldStart,
                failures, Optional.of(why));
    }

    public Replica ended(String why) {
        return new Replica(jobId, deploymentId, revision, State.ENDED, endpoint, submittedAt, readyAt, coldStart,
                failures, Optional.of(why));
    }
}
