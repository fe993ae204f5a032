package dev.incubator.compute.local;

import static java.util.Objects.requireNonNull;

import dev.incubator.compute.Job;
import dev.incubator.compute.port.Executor;
import dev.incubator.compute.port.JobDirectory;
import dev.incubator.compute.port.Mounts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs jobs as local processes, apart from the service and from each other. Each job runs, in its own session,
 * under a small shell wrapper that forwards signals to the command and records its exit code in
 * {@code <job dir>/exit-code}, so a restarted server still learns how a job ended. Output goes to
 * {@code stdout.log} and {@code stderr.log}.
 *
 * <p>Run as root, the executor gives each organisation an OS account of its own and starts every job as that
 * account, without capabilities, in its own PID namespace, with an environment built from nothing, in a directory
 * (0700) only that account reads; its memory is limited by a cgroup (else prlimit) and its CPUs pinned. Run as any
 * other user, it refuses jobs unless the operator declared the platform single-tenant.
 */
public final class LocalExecutor implements Executor {
    private static final Logger LOG = LoggerFactory.getLogger(LocalExecutor.class);
    private static final Set<String> SIGNALS = Set.of("TERM", "INT", "HUP", "USR1", "USR2", "KILL");

    /** How the executor runs jobs; {@code singleTenant} lets jobs run as the service's own user. */
    public record Settings(boolean singleTenant, int firstUid, int lastUid, int machineCpus) {
        public static Settings defaults() {
            return new Settings(false, 61000, 61999, Runtime.getRuntime().availableProcessors());
        }
    }

    /** Variables the platform adds to every job (its API address and the job's read credential). */
    private Function<Job, Map<String, String>> platformEnvironment = job -> Map.of();
    private final Path jobsDirectory;
    private final Settings settings;
    private final Isolation isolation;
    private final Optional<JobAccounts> accounts;
    private final Optional<MemoryLimits> cgroups;
    /** CPUs each running job is pinned to, to spread the next ones (a restart forgets them: only balance suffers). */
    private final Map<String, List<Integer>> pinned = new ConcurrentHashMap<>();

    public LocalExecutor(Path jobsDirectory, Settings settings) {
        this.jobsDirectory = requireNonNull(jobsDirectory, "jobsDirectory is null");
        this.settings = requireNonNull(settings, "settings is null");
        boolean root = isRoot();
        this.accounts = root ? Optional.of(new JobAccounts(settings.firstUid(), settings.lastUid())) : Optional.empty();
        this.cgroups = root ? MemoryLimits.detect(Path.of("/sys/fs/cgroup")) : Optional.empty();
        Isolation.Memory memory = cgroups.map(MemoryLimits::kind)
                .orElse(works("prlimit", "--version") ? Isolation.Memory.PRLIMIT : Isolation.Memory.NONE);
        Isolation.Accounts who = root ? Isolation.Accounts.PER_ORGANISATION
                : settings.singleTenant() ? Isolation.Accounts.SERVICE_USER : Isolation.Accounts.REFUSED;
        this.isolation = new Isolation(who, root && works("unshare", "--pid", "--fork", "--mount-proc", "true"),
                memory, works("taskset", "-c", "0", "true"));
        try {
            Files.createDirectories(jobsDirectory);
            // Job accounts must pass through the jobs directory to their own; they can not list it.
            Files.setPosixFilePermissions(jobsDirectory, PosixFilePermissions.fromString(
                    who == Isolation.Accounts.PER_ORGANISATION ? "rwx--x--x" : "rwx------"));
        } catch (IOException | UnsupportedOperationException e) {
            LOG.warn("could not prepare the jobs directory {}: {}", jobsDirectory, e.getMessage());
        }
    }

    /** A single-tenant executor with default settings, for tests and tools that run trusted jobs. */
    public LocalExecutor(Path jobsDirectory) {
        this(jobsDirectory, new Settings(true, 61000, 61999, Runtime.getRuntime().availableProcessors()));
    }

    /** Adds the platform's variables to every job this executor starts. */
    public LocalExecutor platformEnvironment(Function<Job, Map<String, String>> variables) {
        this.platformEnvironment = requireNonNull(variables, "variables is null");
        return this;
    }

    public Isolation isolation() {
        return isolation;
    }

    @Override
    public Optional<String> refusal() {
        return isolation.refusal().or(() -> unreachable());
    }

    /** Why job accounts could not reach their directories: a parent of the jobs directory they can not pass. */
    private Optional<String> unreachable() {
        if (isolation.accounts() != Isolation.Accounts.PER_ORGANISATION) {
            return Optional.empty();
        }
        for (Path parent = jobsDirectory.toAbsolutePath().getParent(); parent != null; parent = parent.getParent()) {
            try {
                if (!Files.getPosixFilePermissions(parent).contains(java.nio.file.attribute.PosixFilePermission
                        .OTHERS_EXECUTE)) {
                    return Optional.of("job accounts can not reach the jobs directory " + jobsDirectory + ": " + parent
                            + " is closed to other users (mode " + PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(parent)) + "); give it o+x or move the data directory");
                }
            } catch (IOException | UnsupportedOperationException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    @Override
    public Launched start(Job job) {
        refusal().ifPresent(reason -> {
            throw new IllegalStateException(reason);
        });
        Path directory = directory(job);
        Optional<JobAccounts.Account> account = accounts.map(known -> known.forOrganisation(job.orgId(),
                job.orgName()));
        Optional<String> procs;
        try {
            for (String part : List.of(WORK, WORK + "/.tmp", "checkpoints", RUN)) {
                Files.createDirectories(directory.resolve(part));
            }
            Files.deleteIfExists(exitFile(job));
            Path metrics = directory.resolve(JobDirectory.METRICS);
            if (!Files.exists(metrics, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createFile(metrics, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                        "rw-------")));
            }
            List<Path> code = installCode(job, directory);
            if (account.isPresent()) {
                handOver(directory, account.get());
                giveTo(code, account.get());
            } else {
                Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
            }
            procs = memoryCgroup(job);
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare " + directory, e);
        }
        Optional<List<Integer>> cpus = pin(job);
        Optional<Long> addressSpace = job.spec().memoryMib() > 0 && procs.isEmpty()
                && isolation.memory() == Isolation.Memory.PRLIMIT ? Optional.of(job.spec().memoryMib()) : Optional.empty();
        List<String> command = LaunchCommand.argv(job.spec().command(), exitFile(job).toString(), procs,
                isolation.pidNamespace(), account, cpus, addressSpace);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(directory.resolve(WORK).toFile())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("stdout.log").toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(directory.resolve("stderr.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> platform = new java.util.HashMap<>(platformEnvironment.apply(job));
        platform.put("CUDA_VISIBLE_DEVICES", job.allocation().stream().map(share -> Integer.toString(share.index()))
                .distinct().collect(Collectors.joining(",")));
        Map<String, String> environment = builder.environment();
        environment.clear();
        environment.putAll(LaunchCommand.environment(JobDirectory.environment(job, directory), platform,
                directory.resolve(WORK).toString(), account.map(JobAccounts.Account::name)));
        try {
            Process process = builder.start();
            Instant started = process.info().startInstant().orElse(Instant.now()).truncatedTo(ChronoUnit.MILLIS);
            return new Launched(process.pid(), started);
        } catch (IOException e) {
            pinned.remove(job.id());
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The job's directory stays the service's (the job's group may read it: its logs and mounts), so that a job can
     * not put a link or a pipe where the service reads; the job's account owns its working directory (its home),
     * checkpoints and the folder of its exit code, each 0700. Nobody else enters any of it.
     */
    private static void handOver(Path directory, JobAccounts.Account account) throws IOException {
        UserPrincipalLookupService lookup = directory.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal user = lookup.lookupPrincipalByName(account.name());
        GroupPrincipal group = lookup.lookupPrincipalByGroupName(account.name());
        Files.getFileAttributeView(directory, PosixFileAttributeView.class).setGroup(group);
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-x---"));
        for (String part : List.of(WORK, WORK + "/.tmp", "checkpoints", RUN)) {
            PosixFileAttributeView view = Files.getFileAttributeView(directory.resolve(part),
                    PosixFileAttributeView.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            view.setOwner(user);
            view.setGroup(group);
            view.setPermissions(PosixFilePermissions.fromString("rwx------"));
        }
        // The metrics file is the job's to write, in a directory it can not change: never a link or a pipe.
        PosixFileAttributeView metrics = Files.getFileAttributeView(directory.resolve(JobDirectory.METRICS),
                PosixFileAttributeView.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        metrics.setOwner(user);
        metrics.setGroup(group);
        metrics.setPermissions(PosixFilePermissions.fromString("rw-------"));
        for (String log : List.of("stdout.log", "stderr.log")) {
            Path file = directory.resolve(log);
            if (!Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createFile(file);
            }
            Files.getFileAttributeView(file, PosixFileAttributeView.class, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                    .setGroup(group);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        }
        Path mounts = directory.resolve(Mounts.DIRECTORY);
        if (Files.isDirectory(mounts)) {
            try (Stream<Path> paths = Files.walk(mounts)) {
                for (Path path : paths.toList()) {
                    // Never through a link: only what the service itself copied changes hands.
                    Files.getFileAttributeView(path, PosixFileAttributeView.class,
                            java.nio.file.LinkOption.NOFOLLOW_LINKS).setGroup(group);
                    if (Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("r-xr-x---"));
                    }
                }
            }
        }
    }

    /** Largest code directory a job may bring (its mounts are data and have no such limit). */
    public static final long MAX_CODE_BYTES = 256L * 1024 * 1024;

    /**
     * Copies the job's code (the copy made of its code repository, under mounts/) into its working directory,
     * so that 'python train.py' finds train.py; files the job changed in an earlier attempt are replaced.
     */
    private static List<Path> installCode(Job job, Path directory) throws IOException {
        List<Path> installed = new ArrayList<>();
        if (job.spec().code().isEmpty()) {
            return installed;
        }
        Path source = directory.resolve(Mounts.DIRECTORY).resolve(job.spec().code().get().split("@", 2)[0]);
        Path work = directory.resolve(WORK);
        long[] total = {0};
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : files.toList()) {
                Path relative = source.relativize(file);
                if (relative.toString().isEmpty() || relative.getFileName().toString().startsWith(".incubator-")) {
                    continue;
                }
                Path target = work.resolve(relative.toString()).normalize();
                if (!target.startsWith(work)) {
                    throw new IllegalStateException("code path " + relative + " leaves the working directory");
                }
                // The working directory is the job's: nothing it left there (a link above all) is followed.
                unlinkWithin(work, target);
                if (Files.isDirectory(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(target);
                    installed.add(target);
                } else if (Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    total[0] += Files.size(file);
                    if (total[0] > MAX_CODE_BYTES) {
                        throw new IllegalStateException("the job's code is larger than " + MAX_CODE_BYTES / (1024 * 1024)
                                + " MiB; put data in a dataset and mount it");
                    }
                    Files.createDirectories(target.getParent());
                    Files.deleteIfExists(target);
                    Files.copy(file, target);
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r-----"));
                    installed.add(target);
                }
            }
        }
        return installed;
    }

    /** Removes every symbolic link on the way from {@code root} to {@code target}, the target included. */
    private static void unlinkWithin(Path root, Path target) throws IOException {
        Path current = root;
        for (Path part : root.relativize(target)) {
            current = current.resolve(part);
            if (Files.isSymbolicLink(current)) {
                Files.delete(current);
            }
        }
    }

    /** The job's account owns what was installed for it in its working directory. */
    private static void giveTo(List<Path> paths, JobAccounts.Account account) throws IOException {
        UserPrincipalLookupService lookup = java.nio.file.FileSystems.getDefault().getUserPrincipalLookupService();
        UserPrincipal user = lookup.lookupPrincipalByName(account.name());
        GroupPrincipal group = lookup.lookupPrincipalByGroupName(account.name());
        for (Path path : paths) {
            PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS);
            view.setOwner(user);
            view.setGroup(group);
        }
    }

    private Optional<String> memoryCgroup(Job job) throws IOException {
        if (cgroups.isEmpty() || job.spec().memoryMib() <= 0) {
            return Optional.empty();
        }
        return Optional.of(cgroups.get().create(cgroupName(job), job.spec().memoryMib()).toString());
    }

    private static String cgroupName(Job job) {
        return job.id() + "-" + job.attempt();
    }

    /** The least used CPUs for the job, when it asks for fewer than the machine has and taskset exists. */
    private synchronized Optional<List<Integer>> pin(Job job) {
        int machine = settings.machineCpus();
        if (!isolation.cpuPinning() || job.spec().cpus() >= machine) {
            return Optional.empty();
        }
        int[] load = new int[machine];
        pinned.values().forEach(list -> list.forEach(cpu -> {
            if (cpu < machine) {
                load[cpu]++;
            }
        }));
        List<Integer> order = new ArrayList<>();
        for (int cpu = 0; cpu < machine; cpu++) {
            order.add(cpu);
        }
        order.sort(Comparator.<Integer>comparingInt(cpu -> load[cpu]).thenComparingInt(cpu -> cpu));
        List<Integer> chosen = order.subList(0, job.spec().cpus()).stream().sorted().toList();
        pinned.put(job.id(), chosen);
        return Optional.of(chosen);
    }

    @Override
    public Status status(Job job) {
        if (process(job).isPresent()) {
            return new Running();
        }
        Path exitCode = exitFile(job);
        boolean outOfMemory = cgroups.map(limits -> limits.outOfMemory(cgroupName(job))).orElse(false);
        try {
            // The job's account wrote it: only a plain file is read, never through a link or from a pipe.
            if (Files.isRegularFile(exitCode, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                try (InputStream in = Files.newInputStream(exitCode, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    return new Exited(Integer.parseInt(new String(in.readNBytes(16), StandardCharsets.UTF_8).strip()),
                            outOfMemory);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return new Vanished();
        }
        // Killed by the kernel (out of memory takes the namespace's first process, so no exit code is written).
        return outOfMemory ? new Exited(137, true) : new Vanished();
    }

    @Override
    public void attemptEnded(Job job) {
        pinned.remove(job.id());
        cgroups.ifPresent(limits -> limits.remove(cgroupName(job)));
        // Mounts are copies for one attempt: the next attempt reads them again, through the policy engine.
        removeTree(directory(job).resolve(Mounts.DIRECTORY));
        removeTree(directory(job).resolve(WORK).resolve(".tmp"));
    }

    @Override
    public void signal(Job job, String signal) {
        if (!SIGNALS.contains(signal)) {
            throw new IllegalArgumentException("unsupported signal " + signal);
        }
        process(job).flatMap(LocalExecutor::wrapper)
                .ifPresent(process -> works("kill", "-s", signal, Long.toString(process.pid())));
    }

    /** The wrapper that forwards signals: the recorded process, or its child where it is the PID namespace's parent. */
    private static Optional<ProcessHandle> wrapper(ProcessHandle recorded) {
        boolean namespaced = recorded.info().command().map(command -> command.endsWith("/unshare")).orElse(false);
        return namespaced ? recorded.children().findFirst() : Optional.of(recorded);
    }

    @Override
    public void kill(Job job) {
        process(job).ifPresent(process -> {
            // The launcher leads its own session, and in a PID namespace the kernel ends every process in it.
            works("kill", "-s", "KILL", "--", "-" + process.pid());
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

    /** The job's working directory and home, inside its directory. */
    static final String WORK = "work";
    /** Where the job's wrapper writes its exit code (the job's account owns it). */
    static final String RUN = "run";

    private Path exitFile(Job job) {
        return directory(job).resolve(RUN).resolve("exit-code");
    }

    /**
     * Removes the directories of jobs that ended before {@code cutoff} (by the directory's last change), except
     * active ones; with {@code archive}, their logs are kept gzip-compressed under {@code archive} first.
     */
    @Override
    public int sweep(Set<String> activeJobIds, Instant cutoff, Optional<Path> archive) {
        int removed = 0;
        try (Stream<Path> entries = Files.list(jobsDirectory)) {
            for (Path directory : entries.filter(Files::isDirectory).toList()) {
                String id = directory.getFileName().toString();
                if (activeJobIds.contains(id) || !Files.getLastModifiedTime(directory).toInstant().isBefore(cutoff)) {
                    continue;
                }
                if (archive.isPresent()) {
                    archiveLogs(directory, archive.get().resolve(id));
                }
                removeTree(directory);
                removed++;
            }
        } catch (IOException e) {
            LOG.warn("could not sweep the jobs directory {}: {}", jobsDirectory, e.getMessage());
        }
        return removed;
    }

    private static void archiveLogs(Path directory, Path target) throws IOException {
        Files.createDirectories(target);
        for (String log : List.of("stdout.log", "stderr.log")) {
            Path source = directory.resolve(log);
            if (Files.isRegularFile(source, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                try (InputStream in = Files.newInputStream(source);
                     OutputStream out = new GZIPOutputStream(Files.newOutputStream(target.resolve(log + ".gz")))) {
                    in.transferTo(out);
                }
            }
        }
    }

    private static void removeTree(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("could not remove {}: {}", directory, e.getMessage());
        }
    }

    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /**
     * Runs a helper command (kill, or a probe of what the kernel and the installed tools allow) for at most 10 s;
     * whether it ran and succeeded.
     */
    private static boolean works(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
