package dev.incubator.sim;

import java.util.List;
import java.util.Map;

/**
 * Everything measured in one replay of one policy.
 *
 * @param jct              per finished job, completion minus submission, seconds, in job order
 * @param queueDelay       per finished job, first start minus submission, seconds
 * @param series           samples over simulated time (seconds): pending jobs and allocated GPUs
 * @param guaranteeSeconds per tenant, seconds it waited below its guarantee beyond one cycle plus the grace
 * @param entitlement      per tenant, time-weighted fraction of its guarantee it held while it had jobs waiting
 * @param gpuSeconds       per tenant, GPU-seconds it received
 * @param fragmentation    time-weighted share of GPU capacity free but unusable by any waiting job (fractional
 *                         traces), or -1 when the trace has no fractional jobs
 */
public record PolicyResult(SimPolicy policy, int jobs, int unfinished, double[] jct, double[] queueDelay,
                           double makespanSeconds, double allocatedGpuSeconds, double capacityGpuSeconds,
                           List<Sample> series, Map<String, Double> guaranteeSeconds,
                           Map<String, Double> entitlement, Map<String, Double> gpuSeconds, int preemptions,
                           double lostGpuHours, double lostGpuHoursWithoutCheckpoints, double fragmentation,
                           long cycles, int timeouts) {

    /** The state at one scheduling cycle. */
    public record Sample(double seconds, int pending, double allocatedGpus) {
    }
}
