package dev.incubator.sim;

import dev.incubator.compute.scheduler.Policy;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The policies compared side by side. Each runs the production {@link dev.incubator.compute.scheduler.Scheduler};
 * they differ in its policy and in what the platform knows of run times.
 */
public enum SimPolicy {
    FIFO("fifo", Policy.FIFO, Knowledge.NONE, "strict submit order; the first job that does not fit blocks all"),
    FIFO_BACKFILL("fifo-backfill", Policy.FIFO_BACKFILL, Knowledge.NONE,
            "submit order with EASY backfill on time limits (Slurm-like)"),
    QSSF("qssf", Policy.SHORTEST_FIRST, Knowledge.HISTORY,
            "one queue by GPU-time predicted from the user's finished jobs (Helios, SC'21); whatever fits starts,"
                    + " no reservations"),
    SJF_ORACLE("sjf-oracle", Policy.SHORTEST_FIRST, Knowledge.ORACLE,
            "REFERENCE ONLY: shortest true GPU-time first, whatever fits starts; sees run times no real scheduler"
                    + " knows (a lower-bound reference, not a deployable policy)"),
    INCUBATOR("incubator", Policy.FAIR_SHARE, Knowledge.HISTORY,
            "Incubator's default: guarantees, fair share with decayed usage, borrowing and reclaim, within a tenant"
                    + " shortest predicted GPU-time first, backfill");

    /** What the platform knows of a job's run time when it schedules. */
    public enum Knowledge {
        /** Nothing beyond the user's time limit. */
        NONE,
        /** Predictions learned from jobs that already finished. */
        HISTORY,
        /** The true run time: only for the labelled oracle. */
        ORACLE
    }

    private final String cliName;
    private final Policy policy;
    private final Knowledge knowledge;
    private final String description;

    SimPolicy(String cliName, Policy policy, Knowledge knowledge, String description) {
        this.cliName = cliName;
        this.policy = policy;
        this.knowledge = knowledge;
        this.description = description;
    }

    public String cliName() {
        return cliName;
    }

    public Policy policy() {
        return policy;
    }

    public Knowledge knowledge() {
        return knowledge;
    }

    public String description() {
        return description;
    }

    public static SimPolicy fromCliName(String name) {
        return Arrays.stream(values()).filter(policy -> policy.cliName.equals(name.trim().toLowerCase(Locale.ROOT)))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("unknown policy '" + name + "'; use "
                        + Arrays.stream(values()).map(SimPolicy::cliName).collect(Collectors.joining(", "))));
    }
}
