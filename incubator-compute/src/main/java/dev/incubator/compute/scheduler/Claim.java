package dev.incubator.compute.scheduler;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

/**
 * What a job holds of the cluster: its GPU shares, and on each of its hosts (the nodes of its GPUs, or the nodes
 * chosen for a job without GPUs) {@code cpus} CPUs and {@code memoryMib} MiB of memory. Zero CPUs or memory claims
 * none of it (simulated traces that state no CPUs).
 */
public record Claim(List<GpuShare> gpus, List<String> hosts, int cpus, long memoryMib) {
    public static final Claim NONE = new Claim(List.of(), List.of(), 0, 0);

    public Claim {
        gpus = List.copyOf(gpus);
        hosts = List.copyOf(hosts);
        if (cpus < 0 || memoryMib < 0) {
            throw new IllegalArgumentException("a claim of CPUs or memory is not negative");
        }
    }

    /** GPUs alone, no CPUs or memory: the hosts are the nodes of the shares. */
    public static Claim ofGpus(List<GpuShare> gpus) {
        return new Claim(gpus, hostsOf(gpus), 0, 0);
    }

    /** The distinct nodes of the shares, in order of first appearance. */
    public static List<String> hostsOf(List<GpuShare> gpus) {
        List<String> hosts = new ArrayList<>(1);
        for (int i = 0; i < gpus.size(); i++) {
            String node = gpus.get(i).node();
            if (!hosts.contains(node)) {
                hosts.add(node);
            }
        }
        return hosts;
    }

    /** Whether it claims CPUs or memory on its hosts, beyond GPUs. */
    public boolean claimsHostResources() {
        return cpus > 0 || memoryMib > 0;
    }

    static Claim of(List<GpuShare> gpus, List<String> hosts, JobRequest job) {
        requireNonNull(job, "job is null");
        return new Claim(gpus, hosts.isEmpty() ? hostsOf(gpus) : hosts, job.cpus(), job.memoryMib());
    }
}
