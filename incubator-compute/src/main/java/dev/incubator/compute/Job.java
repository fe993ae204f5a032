package dev.incubator.compute;

import static java.util.Objects.requireNonNull;

import dev.incubator.compute.scheduler.GpuShare;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A job and everything the platform knows of it. {@code submitOrder} is its place in the queue, kept when a
 * preempted job returns. {@code pid} and {@code pidStartedAt} identify its process so that a restarted server
 * re-attaches to the right one, never to a recycled pid.
 */
public record Job(String id, String orgId, String orgName, String submittedBy, JobSpec spec, JobState state,
                  Optional<String> reason, Optional<String> message, int position, Optional<Instant> estimatedStart,
                  Instant submittedAt, long submitOrder, Optional<Instant> startedAt, Optional<Instant> finishedAt,
                  List<GpuShare> allocation, boolean borrowed, boolean terminating, Optional<Instant> terminateBy,
                  Optional<Integer> exitCode, Optional<Long> pid, Optional<Instant> pidStartedAt,
                  long meteredGpuMillis, long meteredUntilMillis, int attempt, long version, List<String> hosts) {
    /** A job that holds no hosts beyond its GPUs' nodes (every job until it is admitted). */
    public Job(String id, String orgId, String orgName, String submittedBy, JobSpec spec, JobState state,
               Optional<String> reason, Optional<String> message, int position, Optional<Instant> estimatedStart,
               Instant submittedAt, long submitOrder, Optional<Instant> startedAt, Optional<Instant> finishedAt,
               List<GpuShare> allocation, boolean borrowed, boolean terminating, Optional<Instant> terminateBy,
               Optional<Integer> exitCode, Optional<Long> pid, Optional<Instant> pidStartedAt,
               long meteredGpuMillis, long meteredUntilMillis, int attempt, long version) {
        this(id, orgId, orgName, submittedBy, spec, state, reason, message, position, estimatedStart, submittedAt,
                submitOrder, startedAt, finishedAt, allocation, borrowed, terminating, terminateBy, exitCode, pid,
                pidStartedAt, meteredGpuMillis, meteredUntilMillis, attempt, version,
                dev.incubator.compute.scheduler.Claim.hostsOf(allocation));
    }

    public Job {
        requireNonNull(id, "id is null");
        requireNonNull(orgId, "orgId is null");
        requireNonNull(orgName, "orgName is null");
        requireNonNull(submittedBy, "submittedBy is null");
        requireNonNull(spec, "spec is null");
        requireNonNull(state, "state is null");
        allocation = List.copyOf(allocation);
        hosts = List.copyOf(hosts);
    }

    /** What the job holds while admitted or running: its GPUs, and its CPUs and memory on each of its hosts. */
    public dev.incubator.compute.scheduler.Claim claim() {
        return new dev.incubator.compute.scheduler.Claim(allocation, hosts, spec.cpus(), spec.memoryMib());
    }

    /** This job as last ranked by the scheduler: queue position and estimated start (not persisted). */
    public Job withQueuePosition(int queuePosition, Optional<Instant> estimate) {
        return new Job(id, orgId, orgName, submittedBy, spec, state, reason, message, queuePosition, estimate,
                submittedAt, submitOrder, startedAt, finishedAt, allocation, borrowed, terminating, terminateBy, exitCode,
                pid, pidStartedAt, meteredGpuMillis, meteredUntilMillis, attempt, version, hosts);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** GPU-seconds metered so far ({@code meteredGpuMillis} counts GPU-milliseconds: GPUs times milliseconds). */
    public double gpuSeconds() {
        return meteredGpuMillis / 1000.0;
    }

    /** Copy-with-changes for state transitions; {@link #build} bumps the version. */
    public static final class Builder {
        private final Job job;
        private JobState state;
        private Optional<String> reason;
        private Optional<String> message;
        private int position;
        private Optional<Instant> estimatedStart;
        private Optional<Instant> startedAt;
        private Optional<Instant> finishedAt;
        private List<GpuShare> allocation;
        private List<String> hosts;
        private boolean borrowed;
        private boolean terminating;
        private Optional<Instant> terminateBy;
        private Optional<Integer> exitCode;
        private Optional<Long> pid;
        private Optional<Instant> pidStartedAt;
        private long meteredGpuMillis;
        private long meteredUntilMillis;
        private int attempt;

        private Builder(Job job) {
            this.job = job;
            this.state = job.state;
            this.reason = job.reason;
            this.message = job.message;
            this.position = job.position;
            this.estimatedStart = job.estimatedStart;
            this.startedAt = job.startedAt;
            this.finishedAt = job.finishedAt;
            this.allocation = job.allocation;
            this.hosts = job.hosts;
            this.borrowed = job.borrowed;
            this.terminating = job.terminating;
            this.terminateBy = job.terminateBy;
            this.exitCode = job.exitCode;
            this.pid = job.pid;
            this.pidStartedAt = job.pidStartedAt;
            this.meteredGpuMillis = job.meteredGpuMillis;
            this.meteredUntilMillis = job.meteredUntilMillis;
            this.attempt = job.attempt;
        }

        /** Moves to {@code next}; illegal transitions throw. */
        public Builder state(JobState next) {
            this.state = state.moveTo(next);
            return this;
        }

        /** Why the job waits; its queue position and estimate come from the scheduler's last cycle. */
        public Builder waiting(String reasonCode, String text) {
            this.reason = Optional.of(reasonCode);
            this.message = Optional.of(text);
            return this;
        }

        public Builder clearWaiting() {
            this.reason = Optional.empty();
            this.message = Optional.empty();
            this.position = 0;
            this.estimatedStart = Optional.empty();
            return this;
        }

        public Builder reason(String reasonCode, String text) {
            this.reason = Optional.of(reasonCode);
            this.message = Optional.of(text);
            return this;
        }

        public Builder admitted(List<GpuShare> shares, boolean isBorrowed) {
            return admitted(shares, dev.incubator.compute.scheduler.Claim.hostsOf(shares), isBorrowed);
        }

        /** Admitted to these GPUs and hosts (the nodes of its GPUs, or those chosen for a job without GPUs). */
        public Builder admitted(List<GpuShare> shares, List<String> onHosts, boolean isBorrowed) {
            this.allocation = shares;
            this.hosts = onHosts.isEmpty() ? dev.incubator.compute.scheduler.Claim.hostsOf(shares) : onHosts;
            this.borrowed = isBorrowed;
            return this;
        }

        public Builder started(Instant at, long processId, Instant processStart, long meteredFrom) {
            this.startedAt = Optional.of(at);
            this.pid = Optional.of(processId);
            this.pidStartedAt = Optional.of(processStart);
            this.meteredUntilMillis = meteredFrom;
            return this;
        }

        public Builder terminating(Instant deadline) {
            this.terminating = true;
            this.terminateBy = Optional.of(deadline);
            return this;
        }

        public Builder finished(Instant at, Optional<Integer> code) {
            this.finishedAt = Optional.of(at);
            this.exitCode = code;
            this.allocation = List.of();
            this.hosts = List.of();
            this.terminating = false;
            this.terminateBy = Optional.empty();
            this.pid = Optional.empty();
            return this;
        }

        /** Back in the queue (after preemption or a lost start), keeping the submit order. */
        /**
         * Back in line before it ever ran (admitted, never launched): the same attempt, so that a back end that did
         * receive the launch recognises it and nothing runs twice.
         */
        public Builder backInLine() {
            int keep = attempt;
            requeued();
            this.attempt = keep;
            return this;
        }

        public Builder requeued() {
            this.allocation = List.of();
            this.hosts = List.of();
            this.borrowed = false;
            this.terminating = false;
            this.terminateBy = Optional.empty();
            this.pid = Optional.empty();
            this.pidStartedAt = Optional.empty();
            this.startedAt = Optional.empty();
            this.attempt = attempt + 1;
            return this;
        }

        public Builder metered(long addGpuMillis, long untilMillis) {
            this.meteredGpuMillis += addGpuMillis;
            this.meteredUntilMillis = untilMillis;
            return this;
        }

        public Job build() {
            return new Job(job.id, job.orgId, job.orgName, job.submittedBy, job.spec, state, reason, message, position,
                    estimatedStart, job.submittedAt, job.submitOrder, startedAt, finishedAt, allocation, borrowed,
                    terminating, terminateBy, exitCode, pid, pidStartedAt, meteredGpuMillis, meteredUntilMillis, attempt,
                    job.version + 1, hosts);
        }
    }
}
