package dev.incubator.compute.scheduler;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** A machine offering GPUs; an unschedulable (drained, down) node is never offered to jobs. */
public record Node(String name, List<Gpu> gpus, int cpus, long memoryMib, boolean schedulable) {
    public Node {
        requireNonNull(name, "name is null");
        gpus = List.copyOf(gpus);
    }
}
