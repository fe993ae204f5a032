package dev.incubator.compute.scheduler;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The outcome of one cycle: what to start, what to preempt, and why everything else waits. */
public record Decisions(List<Start> starts, List<Preempt> preemptions, List<Pending> pending) {
    public Decisions {
        starts = List.copyOf(starts);
        preemptions = List.copyOf(preemptions);
        pending = List.copyOf(pending);
    }

    /**
     * Start a job on these GPUs and hosts (the nodes of the GPUs, or those chosen for a job without GPUs);
     * {@code borrowed} jobs run beyond the guarantee and may be preempted.
     */
    public record Start(String jobId, List<GpuShare> allocation, List<String> hosts, boolean borrowed) {
        public Start(String jobId, List<GpuShare> allocation, boolean borrowed) {
            this(jobId, allocation, Claim.hostsOf(allocation), borrowed);
        }

        public Start {
            requireNonNull(jobId, "jobId is null");
            allocation = List.copyOf(allocation);
            hosts = List.copyOf(hosts);
        }
    }

    /** Preempt a running job (checkpoint signal and grace period first) so that {@code forJobId} can run. */
    public record Preempt(String jobId, String forJobId, String reason) {
    }

    /** A job left pending, with its reason, 1-based queue position and estimated start when known. */
    public record Pending(String jobId, PendingReason reason, String message, int position,
                          Optional<Instant> estimatedStart) {
    }

    public Optional<Start> start(String jobId) {
        return starts.stream().filter(start -> start.jobId().equals(jobId)).findFirst();
    }

    public Optional<Pending> pendingOf(String jobId) {
        return pending.stream().filter(entry -> entry.jobId().equals(jobId)).findFirst();
    }
}
