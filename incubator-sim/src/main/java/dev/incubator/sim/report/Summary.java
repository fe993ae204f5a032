package dev.incubator.sim.report;

import dev.incubator.sim.PolicyResult;
import java.util.Arrays;
import java.util.Map;

/** The figures of one policy's replay, as reported: every column of the report table. */
public record Summary(String policy, String description, int jobs, int unfinished, double avgJct, double medianJct,
                      double p95Jct, double p99Jct, double avgQueue, double medianQueue, double p95Queue,
                      double allocation, double makespanHours, double jain, double guaranteeViolationSeconds,
                      int tenantsViolated, int preemptions, double lostGpuHours, double fragmentation,
                      Map<String, Double> entitlement, Map<String, Double> gpuHoursShare, long cycles, int timeouts,
                      double lostShare, double lostGpuHoursWithoutCheckpoints) {

    public static Summary of(PolicyResult result) {
        double[] jct = result.jct().clone();
        double[] queue = result.queueDelay().clone();
        Arrays.sort(jct);
        Arrays.sort(queue);
        double total = result.gpuSeconds().values().stream().mapToDouble(Double::doubleValue).sum();
        Map<String, Double> share = new java.util.TreeMap<>();
        result.gpuSeconds().forEach((tenant, seconds) -> share.put(tenant, total == 0 ? 0 : seconds / total));
        double violation = result.guaranteeSeconds().values().stream().mapToDouble(Double::doubleValue).sum();
        int violated = (int) result.guaranteeSeconds().values().stream().filter(seconds -> seconds > 0).count();
        return new Summary(result.policy().cliName(), result.policy().description(), result.jobs(), result.unfinished(),
                mean(jct), percentile(jct, 50), percentile(jct, 95), percentile(jct, 99), mean(queue),
                percentile(queue, 50), percentile(queue, 95),
                result.capacityGpuSeconds() == 0 ? 0 : result.allocatedGpuSeconds() / result.capacityGpuSeconds(),
                result.makespanSeconds() / 3600, jain(result.entitlement().values().stream()
                        .mapToDouble(Double::doubleValue).toArray()),
                violation, violated, result.preemptions(), result.lostGpuHours(), result.fragmentation(),
                result.entitlement(), share, result.cycles(), result.timeouts(),
                result.allocatedGpuSeconds() == 0 ? 0 : result.lostGpuHours() * 3600 / result.allocatedGpuSeconds(),
                result.lostGpuHoursWithoutCheckpoints());
    }

    static double mean(double[] values) {
        return values.length == 0 ? 0 : Arrays.stream(values).sum() / values.length;
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(double[] sorted, double percent) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** Jain's fairness index: 1 when all equal, 1/n when one gets everything. */
    static double jain(double[] values) {
        if (values.length == 0) {
            return 1;
        }
        double sum = 0;
        double squares = 0;
        for (double value : values) {
            sum += value;
            squares += value * value;
        }
        return squares == 0 ? 1 : sum * sum / (values.length * squares);
    }
}
