package dev.incubator.compute.scheduler;

import static java.util.Objects.requireNonNull;

import dev.incubator.compute.PriorityClass;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What the scheduler knows of a pending job: only what a user states at submit time and what the platform
 * learned (a predicted run time), never its true duration.
 *
 * @param gpuMillis   per node: thousandths of GPUs; 1000 per whole GPU, below 1000 a fractional share of one
 * @param gpuType     the GPU type it must run on, or alternatives separated by '|' (e.g. {@code v100m16|v100m32}:
 *                    any one of them, all GPUs of the job of that one type)
 * @param submitOrder position in the queue: submit sequence, kept when a preempted job returns
 * @param cpus        per node: CPUs it needs there (0: not stated, claims none)
 * @param memoryMib   per node: MiB of memory it needs there (0: not stated, claims none)
 * @param reclaiming  the job waits for borrowed jobs preempted for it in an earlier cycle: it is considered before
 *                    other work, so that the GPUs freed for it are not taken by others first
 */
public record JobRequest(String id, String org, PriorityClass priority, int nodes, int gpuMillis,
                         Optional<String> gpuType, Duration timeLimit, Instant submittedAt, long submitOrder,
                         Optional<Duration> predictedRuntime, boolean reclaiming, int cpus, long memoryMib) {
    /** A job that claims GPUs alone (simulated traces state no CPUs or memory). */
    public JobRequest(String id, String org, PriorityClass priority, int nodes, int gpuMillis, Optional<String> gpuType,
                      Duration timeLimit, Instant submittedAt, long submitOrder, Optional<Duration> predictedRuntime,
                      boolean reclaiming) {
        this(id, org, priority, nodes, gpuMillis, gpuType, timeLimit, submittedAt, submitOrder, predictedRuntime,
                reclaiming, 0, 0);
    }

    /** A job that has no reclaim under way. */
    public JobRequest(String id, String org, PriorityClass priority, int nodes, int gpuMillis, Optional<String> gpuType,
                      Duration timeLimit, Instant submittedAt, long submitOrder, Optional<Duration> predictedRuntime) {
        this(id, org, priority, nodes, gpuMillis, gpuType, timeLimit, submittedAt, submitOrder, predictedRuntime, false);
    }

    public JobRequest {
        requireNonNull(id, "id is null");
        requireNonNull(org, "org is null");
        requireNonNull(priority, "priority is null");
        requireNonNull(gpuType, "gpuType is null");
        requireNonNull(timeLimit, "timeLimit is null");
        requireNonNull(submittedAt, "submittedAt is null");
        requireNonNull(predictedRuntime, "predictedRuntime is null");
        if (nodes < 1) {
            throw new IllegalArgumentException("a job needs at least one node");
        }
        if (gpuMillis < 0 || (gpuMillis > GpuShare.WHOLE && gpuMillis % GpuShare.WHOLE != 0)) {
            throw new IllegalArgumentException("GPUs per node must be a fraction of one GPU or a whole number");
        }
        if (cpus < 0 || memoryMib < 0) {
            throw new IllegalArgumentException("CPUs and memory are not negative");
        }
        if (gpuMillis < GpuShare.WHOLE && gpuMillis > 0 && nodes > 1) {
            throw new IllegalArgumentException("a fractional GPU job runs on one node");
        }
    }

    /** Whole GPUs per node (0 for a fractional or CPU-only job). */
    public int wholeGpusPerNode() {
        return gpuMillis / GpuShare.WHOLE;
    }

    public boolean isFractional() {
        return gpuMillis > 0 && gpuMillis < GpuShare.WHOLE;
    }

    /** GPU demand in thousandths over all nodes. */
    public long totalGpuMillis() {
        return (long) gpuMillis * nodes;
    }

    /** The GPU types it may run on, in the order stated: one entry (possibly empty: any type) without alternatives. */
    public List<Optional<String>> gpuTypeChoices() {
        if (gpuType.isEmpty() || gpuType.get().indexOf('|') < 0) {
            return List.of(gpuType);
        }
        return Arrays.stream(gpuType.get().split("\\|")).map(String::strip).filter(type -> !type.isEmpty())
                .distinct().map(Optional::of).toList();
    }

    /** The same job on one concrete GPU type (one of its {@link #gpuTypeChoices}). */
    public JobRequest onGpuType(Optional<String> type) {
        return new JobRequest(id, org, priority, nodes, gpuMillis, type, timeLimit, submittedAt, submitOrder,
                predictedRuntime, reclaiming, cpus, memoryMib);
    }
}
