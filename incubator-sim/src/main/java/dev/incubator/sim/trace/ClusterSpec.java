package dev.incubator.sim.trace;

import dev.incubator.compute.scheduler.Gpu;
import dev.incubator.compute.scheduler.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A simulated cluster from a short spec: {@code NODESxGPUS[:TYPE]} groups separated by commas, e.g.
 * {@code 20x8:a100,2x8:h100}. Each node is its own NVLink island; nodes are named {@code node-0001} and on.
 */
public final class ClusterSpec {
    private static final Pattern GROUP = Pattern.compile("(\\d+)x(\\d+)(?::([A-Za-z0-9._-]+))?");
    public static final String DEFAULT_TYPE = "gpu";

    private ClusterSpec() {
    }

    public static List<Node> parse(String spec) {
        List<Node> nodes = new ArrayList<>();
        for (String group : spec.split(",")) {
            Matcher matcher = GROUP.matcher(group.trim());
            if (!matcher.matches()) {
                throw new IllegalArgumentException("cluster spec '" + group.trim() + "' is not NODESxGPUS[:TYPE],"
                        + " e.g. 20x8:a100");
            }
            int count = Integer.parseInt(matcher.group(1));
            int gpus = Integer.parseInt(matcher.group(2));
            if (count < 1 || gpus < 1 || gpus > 64) {
                throw new IllegalArgumentException("cluster spec '" + group.trim() + "' needs at least one node and"
                        + " 1-64 GPUs per node");
            }
            String type = matcher.group(3) != null ? matcher.group(3).toLowerCase(Locale.ROOT) : DEFAULT_TYPE;
            for (int i = 0; i < count; i++) {
                nodes.add(node(String.format(Locale.ROOT, "node-%04d", nodes.size() + 1), gpus, type));
            }
        }
        return nodes;
    }

    public static Node node(String name, int gpus, String type) {
        List<Gpu> list = new ArrayList<>();
        for (int g = 0; g < gpus; g++) {
            list.add(new Gpu(g, type, 0, name));
        }
        return new Node(name, list, 0, 0, true);
    }
}
