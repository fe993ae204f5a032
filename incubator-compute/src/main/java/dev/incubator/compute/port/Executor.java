package dev.incubator.compute.port;

import dev.incubator.compute.Job;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Runs admitted jobs. The local executor runs processes on this machine; a Slurm executor will submit batch
 * jobs. Calls MUST NOT block for the job's duration.
 */
public interface Executor {
    record Launched(long pid, Instant processStart) {
    }

    /** What became of a job's process. */
    sealed interface Status permits Running, Exited, Vanished {
    }

    record Running() implements Status {
    }

    /** The process ended with this code; {@code outOfMemory} when the kernel killed it for exceeding its limit. */
    record Exited(int exitCode, boolean outOfMemory) implements Status {
        public Exited(int exitCode) {
            this(exitCode, false);
        }
    }

    /** The process is gone and left no exit code (killed, or lost with the machine). */
    record Vanished() implements Status {
    }

    Launched start(Job job);

    Status status(Job job);

    /** Sends a signal (e.g. "TERM", "USR1") to the job. */
    void signal(Job job, String signal);

    /** Ends the job and everything it started, at once. */
    void kill(Job job);

    Path log(Job job, String stream);

    /** The job's directory (logs, checkpoints, mounts), created by {@link #start} if it does not exist. */
    Path directory(Job job);

    /**
     * The GPUs a running job really got, when the back end chooses them itself (Slurm picks the GPU indices on a
     * node); empty when the job runs on the GPUs Incubator placed it on.
     */
    default java.util.Optional<java.util.List<dev.incubator.compute.scheduler.GpuShare>> placement(Job job) {
        return java.util.Optional.empty();
    }

    /** Why this back end will not start jobs now (the operator must change its settings), if it will not. */
    default java.util.Optional<String> refusal() {
        return java.util.Optional.empty();
    }

    /**
     * An attempt of the job ended (exited, killed, preempted): what belonged to that attempt alone (copies of its
     * mounts, its cgroup, its temporary files) is removed. Checkpoints and logs stay.
     */
    default void attemptEnded(Job job) {
    }

    /**
     * Removes the directories of jobs that are not active and ended before {@code cutoff}, their logs kept
     * compressed under {@code archive} when given; returns how many were removed.
     */
    default int sweep(java.util.Set<String> activeJobIds, Instant cutoff, java.util.Optional<Path> archive) {
        return 0;
    }

    /** When the job last wrote a checkpoint, if it did: preemption prefers victims that lose the least work. */
    java.util.Optional<Instant> lastCheckpoint(Job job);
}
