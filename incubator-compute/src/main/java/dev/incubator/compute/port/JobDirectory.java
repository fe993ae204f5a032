package dev.incubator.compute.port;

import dev.incubator.compute.Job;
import dev.incubator.compute.scheduler.GpuShare;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What every executor gives a job alike: a directory with its logs and {@code checkpoints/}, and the
 * {@code INCUBATOR_*} environment that tells the job where they are.
 */
public final class JobDirectory {
    /**
     * The job's metrics file ({@code $INCUBATOR_METRICS}): JSON lines the platform tails into run tracking. Made by
     * the executor in the job's directory, which the job can not change, so it stays a plain file.
     */
    public static final String METRICS = "metrics.jsonl";

    private JobDirectory() {
    }

    /** The job's own variables, then the platform's: id, name, organisation, directories, attempt, GPU share. */
    public static Map<String, String> environment(Job job, Path directory) {
        Map<String, String> environment = new TreeMap<>(job.spec().env());
        environment.put("INCUBATOR_JOB_ID", job.id());
        environment.put("INCUBATOR_JOB_NAME", job.spec().name());
        environment.put("INCUBATOR_ORG", job.orgName());
        environment.put("INCUBATOR_JOB_DIR", directory.toString());
        environment.put("INCUBATOR_CHECKPOINT_DIR", directory.resolve("checkpoints").toString());
        environment.put("INCUBATOR_ATTEMPT", Integer.toString(job.attempt()));
        environment.put("INCUBATOR_METRICS", directory.resolve(METRICS).toString());
        job.spec().array().ifPresent(task -> {
            environment.put("INCUBATOR_ARRAY_JOB_ID", task.arrayId());
            environment.put("INCUBATOR_ARRAY_INDEX", Integer.toString(task.index()));
        });
        if (!job.spec().mounts().isEmpty()) {
            environment.put("INCUBATOR_MOUNTS", directory.resolve(Mounts.DIRECTORY).toString());
        }
        if (job.spec().gpuMillis() > 0 && job.spec().gpuMillis() < GpuShare.WHOLE) {
            environment.put("INCUBATOR_GPU_FRACTION", Double.toString(job.spec().gpuMillis() / 1000.0));
        }
        return environment;
    }

    /** When a file under the job's {@code checkpoints/} last changed, if there is any. */
    public static Optional<Instant> lastCheckpoint(Path directory) {
        Path checkpoints = directory.resolve("checkpoints");
        if (!Files.isDirectory(checkpoints)) {
            return Optional.empty();
        }
        try (var files = Files.walk(checkpoints)) {
            return files.filter(Files::isRegularFile).map(file -> {
                try {
                    return Files.getLastModifiedTime(file).toInstant();
                } catch (IOException e) {
                    return Instant.EPOCH;
                }
            }).max(Instant::compareTo);
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
