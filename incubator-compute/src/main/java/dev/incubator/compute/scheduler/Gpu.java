package dev.incubator.compute.scheduler;

import static java.util.Objects.requireNonNull;

/** One GPU of a node: its index on the node, model, memory and topology domain (e.g. an NVLink island). */
public record Gpu(int index, String type, long memoryMib, String island) {
    public Gpu {
        requireNonNull(type, "type is null");
        requireNonNull(island, "island is null");
    }
}
