package dev.incubator.compute.local;

import static java.util.Objects.requireNonNull;

import dev.incubator.compute.Job;
import dev.incubator.compute.port.Executor;
import dev.incubator.compute.port.JobDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs jobs as local processes. Each job runs under a small shell wrapper in its own session (process group)
 * that forwards signals to the command and records its exit code in {@code <job dir>/exit-code}, so a restarted
 * server still learns how a job ended. Output goes to {@code stdout.log} and {@code stderr.log}.
 */
public final class LocalExecutor implements Executor {
    /** Variables the platform adds to every job (its API address and the job's read credential). */
    private java.util.function.Function<dev.incubator.compute.Job, java.util.Map<String, String>> platformEnvironment =
            job -> java.util.Map.of();

    /** Adds the platform's variables to every job this executor starts. */
    public LocalExecutor platformEnvironment(
            java.util.function.Function<dev.incubator.compute.Job, java.util.Map<String, String>> variables) {
        this.platformEnvironment = java.util.Objects.requireNonNull(variables, "variables is null");
        return this;
    }

    private static final Set<String> SIGNALS = Set.of("TERM", "INT", "HUP", "USR1", "USR2", "KILL");
    private static final String WRAPPER = """
            "$@" &
            child=$!
            for sig in TERM INT HUP USR1 USR2; do trap "kill -s $sig $child 2>/dev/null" $sig; done
            while :; do
              wait "$child"; code=$?
              kill -0 "$child" 2>/dev/null || break
            done
            printf '%s\\n' "$code" > "$INCUBATOR_JOB_DIR/exit-code.tmp" && mv "$INCUBATOR_JOB_DIR/exit-code.tmp" "$INCUBATOR_JOB_DIR/exit-code"
            exit "$code"
            """;

    private final Path jobsDirectory;

    public LocalExecutor(Path jobsDirectory) {
        this.jobsDirectory = requireNonNull(jobsDirectory, "jobsDirectory is null");
    }

    @Override
    public Launched start(Job job) {
        Path directory = directory(job);
        try {
            Files.createDirectories(directory.resolve("checkpoints"));
            Files.deleteIfExists(directory.resolve("exit-code"));
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare " + directory, e);
        }
        List<String> command = new ArrayList<>(List.of("setsid", "bash", "-c", WRAPPER, "incubator-job"));
        command.addAll(job.spec().command());
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("stdout.log").toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(directory.resolve("stderr.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> environment = builder.environment();
        environment.putAll(JobDirectory.environment(job, directory));
        environment.putAll(platformEnvironment.apply(job));
        environment.put("CUDA_VISIBLE_DEVICES", job.allocation().stream().map(share -> Integer.toString(share.index()))
                .distinct().collect(Collectors.joining(",")));
        try {
            Process process = builder.start();
            Instant started = process.info().startInstant().orElse(Instant.now()).truncatedTo(ChronoUnit.MILLIS);
            return new Launched(process.pid(), started);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Status status(Job job) {
        if (process(job).isPresent()) {
            return new Running();
        }
        Path exitCode = directory(job).resolve("exit-code");
        try {
            if (Files.exists(exitCode)) {
                return new Exited(Integer.parseInt(Files.readString(exitCode, StandardCharsets.UTF_8).strip()));
            }
        } catch (IOException | NumberFormatException e) {
            return new Vanished();
        }
        return new Vanished();
    }

    @Override
    public void signal(Job job, String signal) {
        if (!SIGNALS.contains(signal)) {
            throw new IllegalArgumentException("unsupported signal " + signal);
        }
        process(job).ifPresent(process -> run("kill", "-s", signal, Long.toString(process.pid())));
    }

    @Override
    public void kill(Job job) {
        process(job).ifPresent(process -> {
            // The wrapper leads its own session: killing the group ends everything the job started.
            run("kill", "-s", "KILL", "--", "-" + process.pid());
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        });
    }

    @Override
    public Path log(Job job, String stream) {
        return directory(job).resolve(stream.equals("stderr") ? "stderr.log" : "stdout.log");
    }

    @Override
    public Optional<Instant> lastCheckpoint(Job job) {
        return JobDirectory.lastCheckpoint(directory(job));
    }

    /** The job's live process, only if its start time matches the recorded one (pids get reused). */
    private Optional<ProcessHandle> process(Job job) {
        if (job.pid().isEmpty()) {
            return Optional.empty();
        }
        return ProcessHandle.of(job.pid().get()).filter(ProcessHandle::isAlive).filter(handle ->
                job.pidStartedAt().isEmpty() || handle.info().startInstant()
                        .map(start -> Math.abs(start.toEpochMilli() - job.pidStartedAt().get().toEpochMilli()) < 2_000)
                        .orElse(true));
    }

    @Override
    public Path directory(Job job) {
        return jobsDirectory.resolve(job.id());
    }

    private static void run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
