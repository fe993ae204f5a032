package dev.incubator.sim.trace;

import static java.util.Objects.requireNonNull;

import dev.incubator.compute.scheduler.Node;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A replayable trace: jobs in submit order, the cluster they ran on, each tenant's guaranteed GPUs, and notes on
 * how the source was mapped (shown in the report).
 */
public record Trace(String name, String format, List<TraceJob> jobs, List<Node> nodes, Map<String, Integer> guarantees,
                    List<String> notes) {
    public Trace {
        requireNonNull(name, "name is null");
        requireNonNull(format, "format is null");
        jobs = jobs.stream().sorted(Comparator.comparingLong((TraceJob job) -> job.submission().submitMillis()))
                .toList();
        nodes = List.copyOf(nodes);
        guarantees = new TreeMap<>(guarantees);
        notes = List.copyOf(notes);
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("trace " + name + " has no cluster: give --cluster");
        }
    }

    public int totalGpus() {
        return nodes.stream().mapToInt(node -> node.gpus().size()).sum();
    }
}
