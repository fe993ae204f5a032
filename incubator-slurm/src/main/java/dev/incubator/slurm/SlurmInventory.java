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

    /**
     * Jobs running in Slurm that Incubator did not submit (their names do not start with {@code incubator-}), as
     * running work of the pseudo-organisation {@code slurm-external}: not borrowed, so never preempted, ending at
     * Slurm's end time.
     */
    public List<dev.incubator.compute.scheduler.RunningJob> external() {
        List<dev.incubator.compute.scheduler.RunningJob> external = new ArrayList<>();
        for (JsonNode job : slurm.get("jobs").path("jobs")) {
            String state = job.path("job_state").asText();
            boolean holdsGpus = state.equals("RUNNING") || state.equals("COMPLETING") || state.equals("CONFIGURING");
            if (!holdsGpus || job.path("name").asText().startsWith("incubator-")) {
                continue;
            }
            List<dev.incubator.compute.scheduler.GpuShare> gpus = new ArrayList<>();
            JsonNode details = job.path("gres_detail");
            JsonNode nodes = job.path("job_resources").path("allocated_nodes");
            for (int i = 0; i < details.size() && i < nodes.size(); i++) {
                for (int index : SlurmExecutor.gpuIndices(details.get(i).asText())) {
                    gpus.add(new dev.incubator.compute.scheduler.GpuShare(nodes.get(i).path("nodename").asText(), index,
                            dev.incubator.compute.scheduler.GpuShare.WHOLE));
                }
            }
            if (gpus.isEmpty()) {
                continue;
            }
            java.time.Instant start = java.time.Instant.ofEpochSecond(job.path("start_time").asLong());
            java.time.Instant end = java.time.Instant.ofEpochSecond(job.path("end_time").asLong());
            java.time.Duration limit = end.isAfter(start) ? java.time.Duration.between(start, end)
                    : java.time.Duration.ofDays(365);
            external.add(new dev.incubator.compute.scheduler.RunningJob("slurm-" + job.path("job_id").asText(),
                    EXTERNAL_ORG, dev.incubator.compute.PriorityClass.HIGH, gpus, start, limit, false, false,
                    java.util.Optional.empty(), false));
        }
        return external;
    }

    /** The pseudo-organisation of Slurm jobs that Incubator did not start. */
    public static final String EXTERNAL_ORG = "slurm-external";

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
