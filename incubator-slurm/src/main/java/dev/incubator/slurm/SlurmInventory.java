package dev.incubator.slurm;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.incubator.compute.scheduler.Gpu;
import dev.incubator.compute.scheduler.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cluster as Slurm reports it: nodes with their GPUs from gres ({@code gpu:a100:8}, {@code gpu:4}); a drained,
 * draining, down or failing node is listed but not schedulable, so the scheduler never offers it.
 */
public final class SlurmInventory {
    private static final Pattern GPU_GRES = Pattern.compile("gpu(?::([A-Za-z0-9_.-]+))?:(\\d+)");
    private static final Set<String> UNSCHEDULABLE = Set.of("DOWN", "DRAIN", "DRAINED", "DRAINING", "FAIL", "FAILING",
            "MAINT", "NOT_RESPONDING", "POWERED_DOWN", "POWER_DOWN", "FUTURE", "UNKNOWN", "REBOOT_REQUESTED");

    private final SlurmClient slurm;

    public SlurmInventory(SlurmClient slurm) {
        this.slurm = requireNonNull(slurm, "slurm is null");
    }

    public List<Node> nodes() {
        List<Node> nodes = new ArrayList<>();
        for (JsonNode node : slurm.get("nodes").path("nodes")) {
            nodes.add(node(node));
        }
        return nodes;
    }

    static Node node(JsonNode node) {
        String name = node.path("name").asText();
        List<Gpu> gpus = new ArrayList<>();
        for (String gres : node.path("gres").asText("").split(",")) {
            Matcher matcher = GPU_GRES.matcher(gres.trim().replaceFirst("\\(.*$", ""));
            if (matcher.matches()) {
                String type = matcher.group(1) == null ? "gpu" : matcher.group(1).toLowerCase(Locale.ROOT);
                int count = Integer.parseInt(matcher.group(2));
                for (int i = 0; i < count; i++) {
                    gpus.add(new Gpu(gpus.size(), type, 0, name));
                }
            }
        }
        boolean schedulable = isSchedulable(node);
        return new Node(name, gpus, node.path("cpus").asInt(0), node.path("real_memory").asLong(0), schedulable);
    }

    private static boolean isSchedulable(JsonNode node) {
        List<String> states = new ArrayList<>();
        for (String part : node.path("state").asText("").split("[+ ]")) {
            states.add(part.toUpperCase(Locale.ROOT));
        }
        for (JsonNode flag : node.path("state_flags")) {
            states.add(flag.asText().toUpperCase(Locale.ROOT));
        }
        return !states.isEmpty() && states.stream().noneMatch(UNSCHEDULABLE::contains);
    }
}
