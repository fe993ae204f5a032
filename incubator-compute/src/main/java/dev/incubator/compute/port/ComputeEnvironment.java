package dev.incubator.compute.port;

import dev.incubator.common.GpuHours;
import dev.incubator.compute.scheduler.Node;
import dev.incubator.compute.scheduler.OrgShare;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/** What compute needs from the rest of the platform, wired by the server. */
public interface ComputeEnvironment {
    /** The cluster's nodes as the executor offers them. */
    List<Node> nodes();

    /**
     * Work the back end runs that Incubator did not start (jobs submitted to Slurm directly): their GPUs are taken
     * and never preempted. None for the local executor.
     */
    default List<dev.incubator.compute.scheduler.RunningJob> external() {
        return List.of();
    }

    /** Guarantees, weights and grant state of these organisations (compute adds the decayed usage itself). */
    Map<String, OrgShare> shares(Collection<String> orgIds);

    /** Debits GPU time used by a job to its organisation's grant ledger. */
    void debit(String orgId, String gpuType, GpuHours used, String jobId);
}
