package dev.incubator.sim.trace;

import static java.util.Objects.requireNonNull;

import dev.incubator.compute.scheduler.GpuShare;
import java.time.Duration;
import java.util.Optional;

/**
 * What a user states when submitting a job: everything a scheduling policy may know of it. A job's true run time
 * is not here; it lives in {@link TraceJob}, which only the simulated executor reads.
 *
 * @param submitMillis     milliseconds since the start of the trace
 * @param gpuMillisPerNode thousandths of GPUs per node (1000 per whole GPU; below 1000 a share of one GPU)
 * @param requestedLimit   the time limit the user asked for, when the trace records one the user really gave
 */
public record Submission(String id, String user, String tenant, long submitMillis, int nodes, int gpuMillisPerNode,
                         Optional<String> gpuType, Optional<Duration> requestedLimit) {
    public Submission {
        requireNonNull(id, "id is null");
        requireNonNull(user, "user is null");
        requireNonNull(tenant, "tenant is null");
        requireNonNull(gpuType, "gpuType is null");
        requireNonNull(requestedLimit, "requestedLimit is null");
        if (nodes < 1 || gpuMillisPerNode < 1) {
            throw new IllegalArgumentException("job " + id + " needs at least one node and some GPU");
        }
    }

    /** GPUs counted for history and reports: whole GPUs over all nodes; a shared GPU counts as one. */
    public int gpus() {
        return Math.max(1, gpuMillisPerNode / GpuShare.WHOLE) * nodes;
    }

    public long totalGpuMillis() {
        return (long) gpuMillisPerNode * nodes;
    }
}
