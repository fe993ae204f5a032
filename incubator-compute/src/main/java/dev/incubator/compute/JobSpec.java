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
                      Optional<String> checkpointSignal, Duration checkpointGrace, int retries, List<String> mounts,
                      List<Dependency> dependencies, Optional<ArrayTask> array, Optional<Warning> warning,
                      Optional<String> code) {
    /**
     * The job's code: a hub repository at a commit (what 'job submit --code DIR' pushed), copied into the job's
     * working directory before each attempt, read through the access-policy engine like a mount.
     */
    public Optional<String> codeMount() {
        return code;
    }

    /** Every repository the job reads from the hub: its mounts, and its code. */
    public List<String> hubReads() {
        if (code.isEmpty()) {
            return mounts;
        }
        List<String> all = new java.util.ArrayList<>(mounts);
        all.add(code.get());
        return List.copyOf(all);
    }

    /** A signal sent {@code before} the time limit, as Slurm's --signal=SIG@SECONDS, so the job can wrap up. */
    public record Warning(String signal, Duration before) {
        public Warning {
            requireNonNull(signal, "signal is null");
            requireNonNull(before, "before is null");
        }
    }

    public static final int MAX_DEPENDENCIES = 16;
    public static final int MAX_ARRAY_TASKS = 1000;

    /**
     * This job is task {@code index} of job array {@code arrayId} (the id of its first task), of which at most
     * {@code maxRunning} run at once.
     */
    public record ArrayTask(String arrayId, int index, int maxRunning) {
        public ArrayTask {
            requireNonNull(arrayId, "arrayId is null");
        }
    }

    /**
     * Parses Slurm's --array syntax: "0-99", "0-99:2" (a step), "1,4,7", any of them with "%10" (at most 10
     * running at once). Returns the indices and the limit (0 for none), or empty when the text is not such a range.
     */
    public static Optional<Map.Entry<List<Integer>, Integer>> parseArray(String text) {
        String[] throttled = text.trim().split("%", 2);
        int limit = 0;
        java.util.List<Integer> indices = new java.util.ArrayList<>();
        try {
            if (throttled.length == 2) {
                limit = Integer.parseInt(throttled[1].trim());
                if (limit < 1) {
                    return Optional.empty();
                }
            }
            for (String part : throttled[0].split(",")) {
                String[] stepped = part.trim().split(":", 2);
                String[] bounds = stepped[0].split("-", 2);
                int first = Integer.parseInt(bounds[0].trim());
                int last = bounds.length == 2 ? Integer.parseInt(bounds[1].trim()) : first;
                int step = stepped.length == 2 ? Integer.parseInt(stepped[1].trim()) : 1;
                if (first < 0 || last < first || step < 1 || (last - first) / step >= MAX_ARRAY_TASKS) {
                    return Optional.empty();
                }
                for (int index = first; index <= last && indices.size() <= MAX_ARRAY_TASKS; index += step) {
                    indices.add(index);
                }
            }
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        java.util.List<Integer> distinct = indices.stream().distinct().sorted().toList();
        if (distinct.isEmpty() || distinct.size() > MAX_ARRAY_TASKS) {
            return Optional.empty();
        }
        return Optional.of(Map.entry(distinct, limit));
    }

    /** The same spec as task {@code task} of an array. */
    public JobSpec asTask(ArrayTask task) {
        return new JobSpec(name, command, env, nodes, gpuMillis, gpuType, cpus, memoryMib, timeLimit, priority,
                checkpointSignal, checkpointGrace, retries, mounts, dependencies, Optional.of(task), warning, code);
    }

    /** The same spec as one job again, as a resubmit sends it: no array task, no warning of its first submission. */
    public JobSpec asSingleJob() {
        return new JobSpec(name, command, env, nodes, gpuMillis, gpuType, cpus, memoryMib, timeLimit, priority,
                checkpointSignal, checkpointGrace, retries, mounts, dependencies, Optional.empty(), Optional.empty(),
                code);
    }

    /** How a job waits for another, as Slurm's --dependency: afterok, afterany, afternotok. */
    public enum DependencyKind {
        /** Starts once the other job succeeded; never, if it ended otherwise. */
        AFTER_OK,
        /** Starts once the other job ended, however it ended. */
        AFTER_ANY,
        /** Starts once the other job ended without success; never, if it succeeded. */
        AFTER_NOT_OK;

        /** The wire form: after_ok, after_any, after_not_ok. */
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** This job starts only when job {@code jobId} (of the same organisation) ended as {@code kind} asks. */
    public record Dependency(DependencyKind kind, String jobId) {
        public Dependency {
            requireNonNull(kind, "kind is null");
            requireNonNull(jobId, "jobId is null");
        }

        /** Whether a job that ended in {@code state} satisfies it. */
        public boolean satisfiedBy(JobState state) {
            return switch (kind) {
                case AFTER_OK -> state == JobState.SUCCEEDED;
                case AFTER_ANY -> state.isFinal();
                case AFTER_NOT_OK -> state.isFinal() && state != JobState.SUCCEEDED;
            };
        }

        /** Parses "after_ok:job_..." (also Slurm's afterok, afterany, afternotok). */
        public static Optional<Dependency> parse(String text) {
            String[] parts = text.split(":", 2);
            if (parts.length != 2) {
                return Optional.empty();
            }
            String kind = parts[0].trim().toLowerCase(java.util.Locale.ROOT).replace("_", "");
            Optional<DependencyKind> parsed = switch (kind) {
                case "afterok" -> Optional.of(DependencyKind.AFTER_OK);
                case "afterany" -> Optional.of(DependencyKind.AFTER_ANY);
                case "afternotok" -> Optional.of(DependencyKind.AFTER_NOT_OK);
                default -> Optional.empty();
            };
            return parsed.map(value -> new Dependency(value, parts[1].trim()));
        }

        @Override
        public String toString() {
            return kind.wire() + ":" + jobId;
        }
    }

    /** A single job that waits for no other and gets no warning before its time limit. */
    public JobSpec(String name, List<String> command, Map<String, String> env, int nodes, int gpuMillis,
                   Optional<String> gpuType, int cpus, long memoryMib, Duration timeLimit, PriorityClass priority,
                   Optional<String> checkpointSignal, Duration checkpointGrace, int retries, List<String> mounts) {
        this(name, command, env, nodes, gpuMillis, gpuType, cpus, memoryMib, timeLimit, priority, checkpointSignal,
                checkpointGrace, retries, mounts, List.of(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** A repository of the hub to mount read-only into the job: kind/namespace/name, optionally @revision. */
    public static final java.util.regex.Pattern MOUNT = java.util.regex.Pattern.compile(
            "(models|datasets)/[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}(@[A-Za-z0-9._/-]{1,200})?");
    public static final int MAX_MOUNTS = 16;

    public JobSpec {
        requireNonNull(name, "name is null");
        command = List.copyOf(command);
        env = Map.copyOf(env);
        mounts = List.copyOf(mounts);
        dependencies = List.copyOf(dependencies);
        requireNonNull(array, "array is null");
        requireNonNull(warning, "warning is null");
        requireNonNull(code, "code is null");
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
