package dev.incubator.sim.trace;

import dev.incubator.compute.scheduler.GpuShare;
import dev.incubator.compute.scheduler.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A seeded synthetic trace for scale tests, shaped after the published Helios and Acme figures: GPU-job run
 * times heavy-tailed (log-normal, median about 200 s, mean about 6,000 s, capped at 14 days), most jobs on one GPU
 * with a tail of 8-GPU and multi-node gangs, Poisson arrivals at a chosen offered load, tenants of Zipf-like
 * size with guarantees in proportion, and users whose jobs resemble their own earlier ones (what history-based
 * prediction relies on).
 */
public final class SyntheticTrace {
    /** GPUs per job and their probabilities: Helios' median is 1 GPU and its mean about 3.7. */
    private static final int[] SIZES = {1, 2, 4, 8, 16, 32, 64};
    private static final double[] SIZE_WEIGHTS = {0.62, 0.09, 0.08, 0.14, 0.04, 0.02, 0.01};
    private static final double MEDIAN_SECONDS = 200;
    private static final double SIGMA = 2.5;
    private static final long CAP_SECONDS = 14 * 24 * 3600;

    private SyntheticTrace() {
    }

    /**
     * @param load offered GPU-time per unit of time as a fraction of the cluster's GPUs (0.9: 90 % busy on
     *             average if nothing waited)
     */
    public static Trace generate(long seed, int jobCount, int gpus, int tenants, double load) {
        if (jobCount < 1 || gpus < 8 || gpus % 8 != 0 || tenants < 1 || load <= 0) {
            throw new IllegalArgumentException("a synthetic trace needs jobs >= 1, GPUs a multiple of 8 (at least"
                    + " 8), tenants >= 1 and a positive load");
        }
        SplittableRandom random = new SplittableRandom(seed);
        double[] tenantWeight = new double[tenants];
        double weightSum = 0;
        for (int t = 0; t < tenants; t++) {
            tenantWeight[t] = 1.0 / Math.pow(t + 1, 0.8);
            weightSum += tenantWeight[t];
        }
        int usersPerTenant = 8;
        double[][] userScale = new double[tenants][usersPerTenant];
        for (int t = 0; t < tenants; t++) {
            for (int u = 0; u < usersPerTenant; u++) {
                userScale[t][u] = Math.exp(gaussian(random) * SIGMA * 0.8);
            }
        }
        // Mean GPU-seconds per job (from the distributions, estimated by sampling) sets the arrival rate.
        double meanGpuSeconds = 0;
        SplittableRandom estimate = new SplittableRandom(seed ^ 0x5DEECE66DL);
        for (int i = 0; i < 20_000; i++) {
            meanGpuSeconds += size(estimate, gpus) * duration(estimate, Math.exp(gaussian(estimate) * SIGMA * 0.8));
        }
        meanGpuSeconds /= 20_000;
        double ratePerSecond = load * gpus / meanGpuSeconds;

        List<TraceJob> jobs = new ArrayList<>(jobCount);
        double clock = 0;
        double[] cumulative = new double[tenants];
        double running = 0;
        for (int t = 0; t < tenants; t++) {
            running += tenantWeight[t] / weightSum;
            cumulative[t] = running;
        }
        for (int i = 0; i < jobCount; i++) {
            clock += -Math.log(1 - random.nextDouble()) / ratePerSecond;
            double roll = random.nextDouble();
            int tenant = 0;
            while (tenant < tenants - 1 && roll > cumulative[tenant]) {
                tenant++;
            }
            int user = random.nextInt(usersPerTenant);
            int size = size(random, gpus);
            int nodes = Math.max(1, size / 8);
            long seconds = duration(random, userScale[tenant][user]);
            String tenantName = String.format(java.util.Locale.ROOT, "t%03d", tenant);
            jobs.add(new TraceJob(new Submission("job-" + i, tenantName + "-u" + user, tenantName,
                    Math.round(clock * 1000), nodes, Math.min(size, 8) * GpuShare.WHOLE, Optional.empty(),
                    Optional.empty()), seconds * 1000, "COMPLETED"));
        }
        Map<String, Integer> guarantees = new TreeMap<>();
        for (int t = 0; t < tenants; t++) {
            guarantees.put(String.format(java.util.Locale.ROOT, "t%03d", t),
                    (int) Math.floor(gpus * tenantWeight[t] / weightSum));
        }
        List<Node> nodes = ClusterSpec.parse(gpus / 8 + "x8");
        List<String> notes = List.of(String.format(java.util.Locale.ROOT, "Synthetic (seed %d): %d jobs on %d GPUs,"
                        + " %d tenants, offered load %.2f; log-normal run times (median %.0f s, sigma %.1f, capped at"
                        + " 14 days), per-user scale so that history predicts; guarantees in proportion to tenant size.",
                seed, jobCount, gpus, tenants, load, MEDIAN_SECONDS, SIGMA));
        return new Trace("synthetic-" + seed, TraceFormat.SYNTHETIC.cliName(), jobs, nodes, guarantees, notes);
    }

    private static int size(SplittableRandom random, int clusterGpus) {
        double roll = random.nextDouble();
        double sum = 0;
        for (int i = 0; i < SIZES.length; i++) {
            sum += SIZE_WEIGHTS[i];
            if (roll < sum) {
                return Math.min(SIZES[i], clusterGpus);
            }
        }
        return 1;
    }

    /** A run time around the user's scale: median {@link #MEDIAN_SECONDS} over all users. */
    private static long duration(SplittableRandom random, double userScale) {
        double seconds = MEDIAN_SECONDS * userScale * Math.exp(gaussian(random) * SIGMA * 0.6);
        return Math.max(1, Math.min(CAP_SECONDS, Math.round(seconds)));
    }

    private static double gaussian(SplittableRandom random) {
        // Box-Muller; SplittableRandom has no nextGaussian before Java 17's RandomGenerator default.
        double u = 1 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
