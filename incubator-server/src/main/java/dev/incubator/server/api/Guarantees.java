package dev.incubator.server.api;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * What grants promise against what the cluster has: a grant guaranteeing more GPUs than the cluster holds, or
 * guarantees of the grants in effect adding up to more, can not all be honoured at once. Said when a grant is
 * awarded or shown, and in the cluster view.
 */
final class Guarantees {
    private final IntSupplier clusterGpus;
    private final IntSupplier guaranteedInEffect;

    Guarantees(IntSupplier clusterGpus, IntSupplier guaranteedInEffect) {
        this.clusterGpus = clusterGpus;
        this.guaranteedInEffect = guaranteedInEffect;
    }

    /** Nothing to warn of: for tests and servers without a cluster. */
    static final Guarantees NONE = new Guarantees(() -> Integer.MAX_VALUE, () -> 0);

    int clusterGpus() {
        return clusterGpus.getAsInt();
    }

    int guaranteedInEffect() {
        return guaranteedInEffect.getAsInt();
    }

    /** Warnings for a grant guaranteeing {@code grantGpus}, in words an operator acts on. */
    List<String> forGrant(int grantGpus) {
        List<String> warnings = new ArrayList<>();
        int cluster = clusterGpus();
        if (grantGpus > cluster) {
            warnings.add("this grant guarantees " + grantGpus + " GPUs but the cluster has " + cluster + ": the"
                    + " scheduler can honour at most " + cluster + "; lower guaranteed_gpus or add nodes");
        }
        clusterWarning().ifPresent(warnings::add);
        return warnings;
    }

    /** The cluster-wide warning, when guarantees in effect add up to more than the cluster. */
    java.util.Optional<String> clusterWarning() {
        int cluster = clusterGpus();
        int promised = guaranteedInEffect();
        if (promised <= cluster) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of("grants in effect guarantee " + promised + " GPUs on a cluster of " + cluster
                + " (oversubscribed by " + (promised - cluster) + "): not every guarantee can be honoured at once;"
                + " an organisation below its guarantee may wait for others' guaranteed work to end");
    }
}
