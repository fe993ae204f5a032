package dev.incubator.compute;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a user asks to run. {@code gpuMillis} is per node in thousandths of a GPU: 1000 per whole GPU, below
 * 1000 a share of one GPU (inference, notebooks).
 */
public record JobSpec(String name, List<String> command, Map<String, String> env, int nodes, int gpuMillis,
                      Optional<String> gpuType, int cpus, long memoryMib, Duration timeLimit, PriorityClass priority,
                      Optional<String> checkpointSignal, Duration checkpointGrace, int retries, List<String> mounts) {
    /** A repository of the hub to mount read-only into the job: kind/namespace/name, optionally @revision. */
    public static final java.util.regex.Pattern MOUNT = java.util.regex.Pattern.compile(
            "(models|datasets)/[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}(@[A-Za-z0-9._/-]{1,200})?");
    public static final int MAX_MOUNTS = 16;

    public JobSpec {
        requireNonNull(name, "name is null");
        command = List.copyOf(command);
        env = Map.copyOf(env);
        mounts = List.copyOf(mounts);
        requireNonNull(gpuType, "gpuType is null");
        requireNonNull(timeLimit, "timeLimit is null");
        requireNonNull(priority, "priority is null");
        requireNonNull(checkpointSignal, "checkpointSignal is null");
        requireNonNull(checkpointGrace, "checkpointGrace is null");
    }

    public boolean checkpointing() {
        return checkpointSignal.isPresent();
    }
}
