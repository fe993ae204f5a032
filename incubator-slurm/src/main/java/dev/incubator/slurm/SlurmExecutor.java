package dev.incubator.slurm;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.incubator.compute.Job;
import dev.incubator.compute.port.Executor;
import dev.incubator.compute.port.JobDirectory;
import dev.incubator.compute.scheduler.GpuShare;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Runs admitted jobs as Slurm batch jobs through slurmrestd. Incubator keeps admission (grants, guarantees, fair
 * share); Slurm runs what Incubator admitted. The Slurm job id is kept where the local executor keeps a pid.
 *
 * <p>Each job gets a directory under {@code jobsDirectory} (which must be shared with the compute nodes on a
 * multi-node cluster) for its logs and checkpoints, and the same {@code INCUBATOR_*} environment as a local job.
 */
public final class SlurmExecutor implements Executor {
    /** Variables the platform adds to every job (its API address and the job's read credential). */
    private java.util.function.Function<dev.incubator.compute.Job, java.util.Map<String, String>> platformEnvironment =
            job -> java.util.Map.of();

    /** Adds the platform's variables to every job this executor starts. */
    public SlurmExecutor platformEnvironment(
            java.util.function.Function<dev.incubator.compute.Job, java.util.Map<String, String>> variables) {
        this.platformEnvironment = java.util.Objects.requireNonNull(variables, "variables is null");
        return this;
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SlurmExecutor.class);

    private final SlurmClient slurm;
    private final Path jobsDirectory;
    private final Optional<String> partition;
    private final Optional<String> account;
    private final Clock clock;
    /** The last state Slurm reported per Slurm job id, for {@link #placement} without another request. */
    private final Map<Long, JsonNode> lastSeen = new java.util.concurrent.ConcurrentHashMap<>();
    /** Signals Slurm refused while it was still starting the job: delivered again at the next status. */
    private final Map<Long, String> undelivered = new java.util.concurrent.ConcurrentHashMap<>();

    public SlurmExecutor(SlurmClient slurm, Path jobsDirectory, Optional<String> partition, Optional<String> account,
                         Clock clock) {
        this.slurm = requireNonNull(slurm, "slurm is null");
        this.jobsDirectory = requireNonNull(jobsDirectory, "jobsDirectory is null");
        this.partition = requireNonNull(partition, "partition is null");
        this.account = requireNonNull(account, "account is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    @Override
    public Launched start(Job job) {
        // A submission that reached Slurm before the service stopped is adopted, never submitted twice.
        Optional<Long> submitted = existing(job);
        if (submitted.isPresent()) {
            return new Launched(submitted.get(), clock.instant());
        }
        Path directory = directory(job);
        try {
            Files.createDirectories(directory.resolve("checkpoints"));
            Path metrics = directory.resolve(dev.incubator.compute.port.JobDirectory.METRICS);
            if (!Files.exists(metrics, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createFile(metrics);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the job directory " + directory, e);
        }
        ObjectNode request = slurm.object();
        request.put("script", script(job));
        ObjectNode spec = request.putObject("job");
        spec.put("name", slurmName(job));
        spec.put("current_working_directory", directory.toString());
        spec.put("standard_output", log(job, "stdout").toString());
        spec.put("standard_error", log(job, "stderr").toString());
        spec.put("open_mode", "append"); // a retried or preempted job's earlier attempts stay in its log
        spec.put("nodes", job.spec().nodes());
        // Incubator enforces the limit itself (signal, grace, kill, TIMEOUT); Slurm's limit, one minute beyond the
        // limit and grace, is only a backstop should the service be away.
        long seconds = job.spec().timeLimit().plus(job.spec().checkpointGrace()).toSeconds();
        spec.put("time_limit", (int) Math.ceil(seconds / 60.0) + 1);
        int gpusPerNode = Math.max(1, (int) Math.ceil(job.spec().gpuMillis() / (double) GpuShare.WHOLE));
        if (job.spec().gpuMillis() > 0) {
            spec.put("gres", "gpu:" + job.spec().gpuType().map(type -> type + ":").orElse("") + gpusPerNode);
        }
        // CPUs and memory as the scheduler placed them: Slurm confines the job to them (--cpus-per-task, --mem).
        spec.put("tasks", job.spec().nodes());
        spec.put("cpus_per_task", Math.max(1, job.spec().cpus()));
        if (job.spec().memoryMib() > 0) {
            spec.put("memory_per_node", job.spec().memoryMib());
        }
        partition.ifPresent(value -> spec.put("partition", value));
        account.ifPresent(value -> spec.put("account", value));
        ObjectNode environment = spec.putObject("environment");
        environment(job, directory).forEach(environment::put);
        JsonNode answer = slurm.post("job/submit", request);
        long slurmJobId = answer.path("job_id").asLong(-1);
        if (slurmJobId < 0) {
            throw new SlurmException("Slurm accepted job " + job.id() + " but returned no job id: " + answer);
        }
        return new Launched(slurmJobId, clock.instant());
    }

    @Override
    public Status status(Job job) {
        if (job.pid().isEmpty()) {
            return new Vanished();
        }
        JsonNode state;
        try {
            JsonNode jobs = slurm.get("job/" + job.pid().get()).path("jobs");
            if (!jobs.isArray() || jobs.isEmpty()) {
                return new Vanished();
            }
            state = jobs.get(0);
        } catch (SlurmNotFoundException e) {
            lastSeen.remove(job.pid().get());
            return new Vanished();
        }
        lastSeen.put(job.pid().get(), state);
        String retry = undelivered.remove(job.pid().get());
        if (retry != null && state.path("job_state").asText().equals("RUNNING")) {
            deliver(job.pid().get(), retry);
        } else if (retry != null && !isFinal(state.path("job_state").asText())) {
            undelivered.put(job.pid().get(), retry);
        }
        if (state.path("restart_cnt").asInt(0) > 0) {
            // Slurm requeued the job on its own (a node failed under it, and the cluster requeues batch jobs):
            // the attempt is lost; Incubator, not Slurm, decides what runs again, so the requeued copy is cancelled.
            deliver(job.pid().get(), "SIGKILL");
            return new Vanished();
        }
        return switch (state.path("job_state").asText()) {
            case "PENDING", "CONFIGURING", "RUNNING", "SUSPENDED", "COMPLETING", "REQUEUED", "RESIZING", "SIGNALING",
                 "STAGE_OUT" -> new Running();
            case "NODE_FAIL", "BOOT_FAIL" -> new Vanished();
            default -> new Exited(exitCode(state.path("exit_code").asInt(0)));
        };
    }

    /**
     * The GPUs Slurm gave the job, from the last status: {@code gres_detail} holds one entry per allocated node,
     * e.g. {@code gpu:fake:2(IDX:0-1)}, in the order of {@code job_resources.allocated_nodes}.
     */
    @Override
    public Optional<List<GpuShare>> placement(Job job) {
        JsonNode state = job.pid().map(lastSeen::get).orElse(null);
        if (state == null || !state.path("job_state").asText().equals("RUNNING")) {
            return Optional.empty();
        }
        JsonNode details = state.path("gres_detail");
        JsonNode nodes = state.path("job_resources").path("allocated_nodes");
        List<GpuShare> shares = new java.util.ArrayList<>();
        int perGpu = job.spec().gpuMillis() > 0 && job.spec().gpuMillis() < GpuShare.WHOLE ? job.spec().gpuMillis()
                : GpuShare.WHOLE;
        for (int i = 0; i < details.size() && i < nodes.size(); i++) {
            String node = nodes.get(i).path("nodename").asText();
            for (int index : gpuIndices(details.get(i).asText())) {
                shares.add(new GpuShare(node, index, perGpu));
            }
        }
        return shares.isEmpty() ? Optional.empty() : Optional.of(shares);
    }

    /** {@code gpu:a100:3(IDX:0-1,4)} gives 0, 1, 4. */
    static List<Integer> gpuIndices(String gresDetail) {
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("IDX:([0-9,\\-]+)").matcher(gresDetail);
        List<Integer> indices = new java.util.ArrayList<>();
        if (matcher.find()) {
            for (String range : matcher.group(1).split(",")) {
                String[] bounds = range.split("-");
                int from = Integer.parseInt(bounds[0]);
                int to = bounds.length > 1 ? Integer.parseInt(bounds[1]) : from;
                for (int index = from; index <= to; index++) {
                    indices.add(index);
                }
            }
        }
        return indices;
    }

    /** Slurm 22.05 reports the raw wait status: 768 is exit 3, 9 is killed by signal 9 (reported as 137). */
    static int exitCode(int waitStatus) {
        int signal = waitStatus & 0x7f;
        return signal != 0 ? 128 + signal : (waitStatus >> 8) & 0xff;
    }

    /**
     * Best effort, as for a local process: Slurm refuses to signal a job it is still starting ("can not be altered
     * now") and a job still pending has nothing to signal, which is cancelled instead. A refused signal is logged;
     * the service kills the job at its grace deadline, and keeps trying every cycle until Slurm reports it ended.
     */
    @Override
    public void signal(Job job, String signal) {
        job.pid().ifPresent(id -> deliver(id, "SIG" + signal.replaceFirst("^SIG", "")));
    }

    @Override
    public void kill(Job job) {
        job.pid().ifPresent(id -> deliver(id, "SIGKILL"));
    }

    private void deliver(long slurmJobId, String signal) {
        try {
            slurm.delete("job/" + slurmJobId + "?signal=" + signal);
        } catch (SlurmNotFoundException e) {
            // already gone
        } catch (SlurmException e) {
            if (e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("pending")) {
                slurm.delete("job/" + slurmJobId);
            } else {
                LOG.info("Slurm did not take {} for job {} yet ({}); trying again at the next status", signal,
                        slurmJobId, e.getMessage());
                undelivered.put(slurmJobId, signal);
            }
        }
    }

    @Override
    public Path log(Job job, String stream) {
        return directory(job).resolve(stream.equals("stderr") ? "stderr.log" : "stdout.log");
    }

    @Override
    public Optional<Instant> lastCheckpoint(Job job) {
        return JobDirectory.lastCheckpoint(directory(job));
    }

    private static boolean isFinal(String slurmState) {
        return List.of("COMPLETED", "FAILED", "TIMEOUT", "CANCELLED", "NODE_FAIL", "BOOT_FAIL", "OUT_OF_MEMORY",
                "DEADLINE", "PREEMPTED").contains(slurmState);
    }

    /** One name per job and attempt: how a submission is recognised after a restart. */
    static String slurmName(Job job) {
        return "incubator-" + job.id() + "-" + job.attempt();
    }

    private Optional<Long> existing(Job job) {
        String name = slurmName(job);
        for (JsonNode candidate : slurm.get("jobs").path("jobs")) {
            if (name.equals(candidate.path("name").asText())) {
                return Optional.of(candidate.path("job_id").asLong());
            }
        }
        return Optional.empty();
    }

    @Override
    public Path directory(Job job) {
        return jobsDirectory.resolve(job.id());
    }

    private Map<String, String> environment(Job job, Path directory) {
        Map<String, String> environment = new TreeMap<>();
        environment.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        environment.putAll(JobDirectory.environment(job, directory));
        environment.putAll(platformEnvironment.apply(job));
        return environment;
    }

    /** A batch script that runs the job's command, each argument quoted for the shell. */
    static String script(Job job) {
        StringBuilder script = new StringBuilder("#!/bin/bash\n");
        script.append("# Incubator job ").append(job.id()).append(" (").append(job.orgName()).append(")\n");
        script.append("exec");
        List<String> command = job.spec().command();
        for (String argument : command) {
            script.append(' ').append('\'').append(argument.replace("'", "'\\''")).append('\'');
        }
        return script.append('\n').toString();
    }
}
