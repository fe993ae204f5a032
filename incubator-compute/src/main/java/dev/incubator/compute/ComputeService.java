package dev.incubator.compute;

import static java.util.Objects.requireNonNull;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.GpuHours;
import dev.incubator.common.Ids;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.common.RequestMeta;
import dev.incubator.common.Violations;
import dev.incubator.common.audit.AuditEvent;
import dev.incubator.common.audit.AuditEvent.Outcome;
import dev.incubator.compute.port.ComputeEnvironment;
import dev.incubator.compute.port.ComputeStore;
import dev.incubator.compute.port.Executor;
import dev.incubator.compute.port.Mounts;
import dev.incubator.compute.port.PowerMeter;
import dev.incubator.compute.scheduler.Decisions;
import dev.incubator.compute.scheduler.GpuShare;
import dev.incubator.compute.port.BackendUnavailableException;
import dev.incubator.compute.predict.RuntimePredictor;
import dev.incubator.compute.scheduler.JobRequest;
import dev.incubator.compute.scheduler.PendingReason;
import dev.incubator.compute.scheduler.Node;
import dev.incubator.compute.scheduler.OrgShare;
import dev.incubator.compute.scheduler.RunningJob;
import dev.incubator.compute.scheduler.Scheduler;
import dev.incubator.compute.scheduler.Snapshot;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jobs from submission to their end: validation at submit, the scheduling cycle (reconcile running jobs, take a
 * snapshot, decide, apply), metering to the grant ledger, and recovery after a restart. Every state change is
 * persisted and audited; side effects on processes happen outside database transactions.
 */
public final class ComputeService {
    private static final Logger LOG = LoggerFactory.getLogger(ComputeService.class);
    public static final Duration MAX_TIME_LIMIT = Duration.ofDays(30);
    public static final Duration MAX_GRACE = Duration.ofHours(1);
    static final String CANCELLING = "CANCELLING";
    static final String PREEMPTING = "PREEMPTING";
    static final String TIMING_OUT = "TIMING_OUT";
    /** The reason of a pending job that waits for others to end (its message names them). */
    static final String DEPENDENCY = "DEPENDENCY";
    /** The reason of a pending task of a job array whose limit of running tasks is reached. */
    static final String ARRAY_LIMIT = "ARRAY_LIMIT";

    private final ComputeStore store;
    private final Executor executor;
    private final ComputeEnvironment environment;
    private final Scheduler scheduler;
    private final Clock clock;
    private final Duration meteringInterval;
    private final Duration usageHalfLife;
    private final PowerMeter power;
    /** Finished runs a job's predicted run time is learned from (only the cycle thread uses it). */
    private static final int HISTORY_LOADED = 10_000;
    private final RuntimePredictor predictor = new RuntimePredictor(10);
    private volatile boolean historyLoaded;
    private volatile String backendProblem;
    /** Queue positions and estimates of the last cycle: they change every cycle, so they live in memory. */
    private volatile Map<String, Decisions.Pending> lastRanking = Map.of();

    public ComputeService(ComputeStore store, Executor executor, ComputeEnvironment environment, Scheduler scheduler,
                          Clock clock, Duration meteringInterval, Duration usageHalfLife, PowerMeter power) {
        this.store = requireNonNull(store, "store is null");
        this.executor = requireNonNull(executor, "executor is null");
        this.environment = requireNonNull(environment, "environment is null");
        this.scheduler = requireNonNull(scheduler, "scheduler is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.meteringInterval = requireNonNull(meteringInterval, "meteringInterval is null");
        this.usageHalfLife = requireNonNull(usageHalfLife, "usageHalfLife is null");
        this.power = requireNonNull(power, "power is null");
    }

    private volatile Mounts mounts = Mounts.NONE;
    private final java.util.concurrent.ExecutorService mountWorkers = java.util.concurrent.Executors
            .newFixedThreadPool(2, work -> {
                Thread thread = new Thread(work, "job-mounts");
                thread.setDaemon(true);
                return thread;
            });

    /** Materialises the hub repositories a job mounts, as its submitter, before it starts. */
    private volatile dev.incubator.compute.port.ComputeEvents events = dev.incubator.compute.port.ComputeEvents.NONE;

    /** Who hears of job starts, ends, preemptions and cycles (logs and metrics). */
    public void events(dev.incubator.compute.port.ComputeEvents value) {
        this.events = requireNonNull(value, "events is null");
    }

    public void mounts(Mounts value) {
        this.mounts = requireNonNull(value, "mounts is null");
    }

    /** Who submits, for which organisation. Authorisation happens before: this service trusts its caller. */
    public record Submitter(String orgId, String orgName, String user, RequestMeta request) {
    }

    // ---- API -------------------------------------------------------------------------------------------------

    public Job submit(Submitter submitter, JobSpec spec) {
        return submitAll(submitter, spec, List.of(), 0).get(0);
    }

    /**
     * Submits a job array: one task per index, each the spec with {@code INCUBATOR_ARRAY_INDEX} set, of which at
     * most {@code maxRunning} (0: any number) run at once; the array's id is its first task's. All or none.
     */
    public List<Job> submitArray(Submitter submitter, JobSpec spec, List<Integer> indices, int maxRunning) {
        if (indices.isEmpty() || indices.size() > JobSpec.MAX_ARRAY_TASKS) {
            throw IncubatorException.validation("array", "must have 1 to " + JobSpec.MAX_ARRAY_TASKS + " tasks");
        }
        return submitAll(submitter, spec, indices, maxRunning);
    }

    private List<Job> submitAll(Submitter submitter, JobSpec spec, List<Integer> indices, int maxRunning) {
        executor.refusal().ifPresent(reason -> {
            throw new IncubatorException(ErrorCode.UNAVAILABLE, reason);
        });
        validate(spec, environment.nodes());
        checkDependencies(submitter.orgId(), spec);
        String id = Ids.next("job", clock);
        if (!spec.hubReads().isEmpty()) {
            // A mount (or the code) that is missing or refused fails the submit now, not the job later.
            Job proposed = pending(id, submitter, spec, clock.instant(), 0);
            try {
                mounts.check(proposed);
            } catch (IncubatorException e) {
                throw IncubatorException.validation("mounts", e.getMessage()
                        + (e.code() == ErrorCode.NOT_FOUND ? " (check the name and revision, or ask for access)" : ""));
            }
        }
        return store.write(repositories -> {
            Instant now = clock.instant();
            List<Job> submitted = new ArrayList<>();
            for (int task = 0; task < Math.max(1, indices.size()); task++) {
                JobSpec taskSpec = indices.isEmpty() ? spec
                        : spec.asTask(new JobSpec.ArrayTask(id, indices.get(task), maxRunning));
                Job job = pending(task == 0 ? id : Ids.next("job", clock), submitter, taskSpec, now,
                        repositories.jobs().nextSubmitOrder());
                repositories.jobs().insert(job);
                audit(repositories, "user:" + submitter.user(), submitter.request(), "job.submit", job,
                        Map.of("name", spec.name(), "gpus", Long.toString(spec.gpuMillis() * (long) spec.nodes() / 1000)));
                submitted.add(job);
            }
            return submitted;
        });
    }

    /** Every job waited for exists in the submitter's organisation (others answer as if they did not exist). */
    private void checkDependencies(String orgId, JobSpec spec) {
        Violations violations = new Violations();
        violations.check(spec.dependencies().size() <= JobSpec.MAX_DEPENDENCIES, "depends_on", "at most "
                + JobSpec.MAX_DEPENDENCIES + " jobs");
        for (JobSpec.Dependency dependency : spec.dependencies()) {
            boolean known = Ids.isValid("job", dependency.jobId()) && store.read(repositories -> repositories.jobs()
                    .find(dependency.jobId())).filter(job -> job.orgId().equals(orgId)).isPresent();
            violations.check(known, "depends_on", "job " + dependency.jobId() + " not found in this organisation");
        }
        violations.throwIfAny();
    }

    /**
     * Pending tasks of job arrays held back by their array's limit: past the tasks running, only the lowest
     * indices up to the limit go to the scheduler; the others wait, saying so.
     */
    private static Map<String, String> throttledTasks(List<Job> active) {
        Map<String, List<Job>> pendingByArray = new HashMap<>();
        Map<String, Integer> runningByArray = new HashMap<>();
        for (Job job : active) {
            if (job.spec().array().isEmpty() || job.spec().array().get().maxRunning() <= 0) {
                continue;
            }
            String array = job.spec().array().get().arrayId();
            if (job.state() == JobState.PENDING) {
                pendingByArray.computeIfAbsent(array, key -> new ArrayList<>()).add(job);
            } else {
                runningByArray.merge(array, 1, Integer::sum);
            }
        }
        Map<String, String> held = new HashMap<>();
        pendingByArray.forEach((array, tasks) -> {
            tasks.sort(java.util.Comparator.comparingInt(job -> job.spec().array().get().index()));
            int limit = tasks.get(0).spec().array().get().maxRunning();
            int room = Math.max(0, limit - runningByArray.getOrDefault(array, 0));
            for (int i = room; i < tasks.size(); i++) {
                held.put(tasks.get(i).id(), "waits for array " + array + "'s limit: at most " + limit
                        + " of its tasks run at once");
            }
        });
        return held;
    }

    /** Where a pending job stands with the jobs it waits for. */
    private sealed interface Waiting permits Ready, Blocked, Never {
    }

    private record Ready() implements Waiting {
    }

    private record Blocked(String message) implements Waiting {
    }

    private record Never(String message) implements Waiting {
    }

    private Waiting dependencies(Job job, Map<String, Job> active) {
        List<String> waitingFor = new ArrayList<>();
        for (JobSpec.Dependency dependency : job.spec().dependencies()) {
            Job other = active.containsKey(dependency.jobId()) ? active.get(dependency.jobId())
                    : store.read(repositories -> repositories.jobs().find(dependency.jobId())).orElse(null);
            if (other == null) {
                return new Never("job " + dependency.jobId() + " it depends on no longer exists");
            }
            if (!other.state().isFinal()) {
                waitingFor.add(dependency.toString());
            } else if (!dependency.satisfiedBy(other.state())) {
                return new Never(dependency + " can never be satisfied: job " + other.id() + " ended "
                        + other.state().name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        return waitingFor.isEmpty() ? new Ready() : new Blocked("waits for " + String.join(", ", waitingFor));
    }

    private static Job pending(String id, Submitter submitter, JobSpec spec, Instant now, long submitOrder) {
        return new Job(id, submitter.orgId(), submitter.orgName(), submitter.user(), spec, JobState.PENDING,
                Optional.of("NEW"), Optional.of("waiting for the next scheduling cycle"), 0, Optional.empty(), now,
                submitOrder, Optional.empty(), Optional.empty(), List.of(), false, false, Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), 0, 0, 1, 1);
    }

    public Job get(String orgId, String jobId) {
        return ranked(store.read(repositories -> repositories.jobs().find(jobId).filter(job -> job.orgId().equals(orgId))
                .orElseThrow(() -> IncubatorException.notFound("job", jobId))));
    }

    /** A job by id alone, for credentials the platform itself issued to it. */
    public Optional<Job> find(String jobId) {
        return store.read(repositories -> repositories.jobs().find(jobId));
    }

    /** An organisation's jobs matching {@code query}, newest first. */
    public Page<Job> list(String orgId, JobQuery query, PageRequest page) {
        return store.read(repositories -> repositories.jobs().listByOrg(orgId, query, page)).map(this::ranked);
    }

    private Job ranked(Job job) {
        Decisions.Pending waiting = job.state() == JobState.PENDING ? lastRanking.get(job.id()) : null;
        return waiting == null ? job : job.withQueuePosition(waiting.position(), waiting.estimatedStart());
    }

    /**
     * GPU-seconds the organisation used, each slice weighted by 0.5^(age / half-life): yesterday's heavy user
     * yields to today's light one, and old usage fades. Slices older than ten half-lives count for nothing.
     */
    double decayedUsage(String orgId, Instant now) {
        return decayedGpuSeconds(store.read(repositories -> repositories.usage().since(orgId,
                now.minus(usageHalfLife.multipliedBy(10)))), now, usageHalfLife);
    }

    /** Sum of the records' GPU-seconds, each weighted by 0.5^(age / half-life). */
    public static double decayedGpuSeconds(List<UsageRecord> records, Instant now, Duration halfLife) {
        double halfLifeSeconds = Math.max(1, halfLife.toSeconds());
        return records.stream().mapToDouble(record -> record.gpuMilliseconds() / 1000.0
                * Math.pow(0.5, Math.max(0, Duration.between(record.at(), now).toSeconds()) / halfLifeSeconds)).sum();
    }

    /** An organisation's metered usage since a time, per job and per day (UTC), with energy and CO2e. */
    public record UsageReport(Instant since, double gpuHours, double energyKwh, double co2eKg, double gridFactor,
                              List<Line> perJob, List<Line> perDay) {
        /** One row: a job id (per job) or a date (per day). */
        public record Line(String key, String label, double gpuHours, double energyKwh, double co2eKg) {
        }
    }

    /**
     * GPUs in use over time across organisations (by id), from metered usage: for each bucket of {@code bucket}
     * from {@code since} to {@code until}, the GPU time metered in it divided by its length (the mean GPUs busy).
     */
    public double[] gpusInUse(java.util.Collection<String> orgIds, Instant since, Instant until,
                              java.time.Duration bucket) {
        List<UsageRecord> records = store.read(repositories -> orgIds.stream().flatMap(orgId -> repositories.usage()
                .since(orgId, since).stream()).toList());
        return gpusInUse(records, since, until, bucket);
    }

    /** The pure part of {@link #gpusInUse(java.util.Collection, Instant, Instant, java.time.Duration)}. */
    static double[] gpusInUse(List<UsageRecord> records, Instant since, Instant until, java.time.Duration bucket) {
        long width = bucket.toMillis();
        if (width <= 0 || !until.isAfter(since)) {
            throw new IllegalArgumentException("the buckets must be positive and the window not empty");
        }
        int buckets = (int) Math.min(10_000, (until.toEpochMilli() - since.toEpochMilli() + width - 1) / width);
        double[] busy = new double[buckets];
        for (UsageRecord record : records) {
            long offset = record.at().toEpochMilli() - since.toEpochMilli();
            if (offset < 0 || record.at().isAfter(until)) {
                continue;
            }
            busy[(int) Math.min(buckets - 1, offset / width)] += record.gpuMilliseconds();
        }
        for (int i = 0; i < buckets; i++) {
            busy[i] /= width;
        }
        return busy;
    }

    public UsageReport usage(String orgId, Instant since, EnergyModel energy) {
        List<UsageRecord> records = store.read(repositories -> repositories.usage().since(orgId, since));
        Map<String, double[]> byJob = new java.util.TreeMap<>();
        Map<String, String> names = new HashMap<>();
        Map<String, double[]> byDay = new java.util.TreeMap<>();
        double gpuHours = 0;
        double wattHours = 0;
        for (UsageRecord record : records) {
            double hours = record.gpuMilliseconds() / 3_600_000.0;
            gpuHours += hours;
            wattHours += record.wattHours();
            add(byJob, record.jobId(), hours, record.wattHours());
            names.put(record.jobId(), record.jobName());
            add(byDay, java.time.LocalDate.ofInstant(record.at(), java.time.ZoneOffset.UTC).toString(), hours,
                    record.wattHours());
        }
        List<UsageReport.Line> perJob = byJob.entrySet().stream().map(entry -> new UsageReport.Line(entry.getKey(),
                names.get(entry.getKey()), entry.getValue()[0], entry.getValue()[1] / 1000,
                energy.co2eKg(entry.getValue()[1]))).toList();
        List<UsageReport.Line> perDay = byDay.entrySet().stream().map(entry -> new UsageReport.Line(entry.getKey(),
                entry.getKey(), entry.getValue()[0], entry.getValue()[1] / 1000, energy.co2eKg(entry.getValue()[1])))
                .toList();
        return new UsageReport(since, gpuHours, wattHours / 1000, energy.co2eKg(wattHours), energy.gridFactor(), perJob,
                perDay);
    }

    private static void add(Map<String, double[]> totals, String key, double gpuHours, double wattHours) {
        double[] sums = totals.computeIfAbsent(key, k -> new double[2]);
        sums[0] += gpuHours;
        sums[1] += wattHours;
    }

    /** Active jobs in queue order (pending by position first), optionally only some organisations'. */
    public List<Job> queue(Optional<Set<String>> orgIds) {
        return store.read(repositories -> repositories.jobs().listActive()).stream()
                .filter(job -> orgIds.map(ids -> ids.contains(job.orgId())).orElse(true))
                .map(this::ranked)
                .sorted(java.util.Comparator.comparing((Job job) -> job.state() != JobState.RUNNING)
                        .thenComparingInt(Job::position).thenComparingLong(Job::submitOrder))
                .toList();
    }

    /**
     * Removes the directories of jobs that ended more than {@code retention} ago (their logs kept compressed under
     * {@code archive} when given); returns how many.
     */
    public int sweepJobDirectories(Duration retention, Optional<java.nio.file.Path> archive) {
        Set<String> active = new java.util.HashSet<>();
        store.read(repositories -> repositories.jobs().listActive()).forEach(job -> active.add(job.id()));
        return executor.sweep(active, clock.instant().minus(retention), archive);
    }

    /**
     * Cancels a job: at once when it waits; running jobs get their checkpoint signal (SIGTERM when they name none),
     * then SIGKILL after the grace period.
     */
    public Job cancel(String orgId, String jobId, String actor, RequestMeta request) {
        Job job = get(orgId, jobId);
        if (job.state().isFinal()) {
            throw new IncubatorException(ErrorCode.CONFLICT, "job " + jobId + " already ended ("
                    + job.state().name().toLowerCase() + ")");
        }
        Instant now = clock.instant();
        if (job.state() == JobState.PENDING || job.state() == JobState.PREEMPTED) {
            return store.write(repositories -> {
                Job cancelled = repositories.jobs().find(jobId).orElseThrow().toBuilder().state(JobState.CANCELLED)
                        .finished(now, Optional.empty())
                        .clearWaiting().reason("CANCELLED", "cancelled by " + actor).build();
                repositories.jobs().update(cancelled);
                audit(repositories, actor, request, "job.cancel", cancelled, Map.of());
                return cancelled;
            });
        }
        Job cancelling = store.write(repositories -> {
            Job updated = repositories.jobs().find(job.id()).orElseThrow().toBuilder().reason(CANCELLING, "cancelled by " + actor + "; stopping")
                    .terminating(now.plus(job.spec().checkpointGrace())).build();
            repositories.jobs().update(updated);
            audit(repositories, actor, request, "job.cancel", updated, Map.of());
            return updated;
        });
        if (cancelling.pid().isPresent()) {
            executor.signal(cancelling, stopSignal(cancelling));
        }
        return cancelling;
    }

    // ---- the cycle -------------------------------------------------------------------------------------------

    /**
     * One scheduling cycle: 1. reconcile running jobs with their processes (exits, time limits, grace periods,
     * metering); 2. snapshot; 3. decide (pure); 4. apply starts, preemptions and pending reasons.
     */
    public Decisions cycle() {
        try {
            Decisions decisions = cycleOnce();
            if (backendProblem != null) {
                LOG.info("compute back end available again");
                backendProblem = null;
            }
            return decisions;
        } catch (BackendUnavailableException e) {
            if (backendProblem == null) {
                LOG.warn("compute back end unavailable, queue kept, retrying every cycle: {}", e.getMessage());
            }
            backendProblem = e.getMessage();
            return new Decisions(List.of(), List.of(), List.of());
        }
    }

    /** 90 minutes as "1h30m", 45 seconds as "45s": durations in messages people read, not PT1H30M. */
    static String humanDuration(java.time.Duration duration) {
        long seconds = Math.max(0, duration.toSeconds());
        long days = seconds / 86_400;
        long hours = seconds % 86_400 / 3600;
        long minutes = seconds % 3600 / 60;
        long rest = seconds % 60;
        StringBuilder text = new StringBuilder();
        if (days > 0) {
            text.append(days).append('d');
        }
        if (hours > 0) {
            text.append(hours).append('h');
        }
        if (minutes > 0) {
            text.append(minutes).append('m');
        }
        if (rest > 0 || text.isEmpty()) {
            text.append(rest).append('s');
        }
        return text.toString();
    }

    /** A listener's failure is logged, never the scheduler's. */
    private static void tell(Runnable event) {
        try {
            event.run();
        } catch (RuntimeException e) {
            LOG.warn("a listener of job events failed", e);
        }
    }

    /** Why the compute back end is unavailable, while it is. */
    public Optional<String> backendProblem() {
        return Optional.ofNullable(backendProblem);
    }

    private Decisions cycleOnce() {
        long began = System.nanoTime();
        loadHistory();
        Instant now = clock.instant();
        List<Job> active = store.read(repositories -> repositories.jobs().listActive());
        List<Job> stillActive = new ArrayList<>();
        for (Job job : active) {
            Optional<Job> reconciled = reconcile(job, now);
            reconciled.ifPresent(stillActive::add);
        }
        List<Node> nodes = environment.nodes();
        List<RunningJob> running = new ArrayList<>(environment.external());
        List<JobRequest> pending = new ArrayList<>();
        // One name object per organisation: the scheduler looks organisations up once per job.
        Map<String, String> orgNames = new HashMap<>();
        Map<String, Job> byId = new HashMap<>();
        for (Job job : stillActive) {
            byId.put(job.id(), job);
        }
        // Jobs held back before the scheduler sees them: by their array's limit, or waiting for other jobs.
        Map<String, Map.Entry<String, String>> held = new HashMap<>();
        throttledTasks(stillActive).forEach((id, message) -> held.put(id, Map.entry(ARRAY_LIMIT, message)));
        for (Job job : stillActive) {
            if (held.containsKey(job.id())) {
                continue;
            }
            String org = orgNames.computeIfAbsent(job.orgId(), name -> name);
            if (job.state() == JobState.PENDING && !job.spec().dependencies().isEmpty()) {
                Waiting waiting = dependencies(job, byId);
                if (waiting instanceof Blocked blocked) {
                    held.put(job.id(), Map.entry(DEPENDENCY, blocked.message()));
                    continue;
                }
                if (waiting instanceof Never never) {
                    endNeverSatisfied(job, never.message(), now);
                    continue;
                }
            }
            if (job.state() == JobState.RUNNING || job.state() == JobState.ADMITTED) {
                running.add(new RunningJob(job.id(), org, job.spec().priority(), job.allocation(),
                        job.startedAt().orElse(now), job.spec().timeLimit(), job.borrowed(), job.spec().checkpointing(),
                        job.borrowed() ? executor.lastCheckpoint(job) : Optional.empty(), job.terminating(),
                        job.claim()));
            } else if (job.state() == JobState.PENDING) {
                boolean reclaiming = job.reason().filter(PendingReason.WAITING_FOR_PREEMPTION.name()::equals).isPresent();
                pending.add(new JobRequest(job.id(), org, job.spec().priority(), job.spec().nodes(),
                        job.spec().gpuMillis(), job.spec().gpuType(), job.spec().timeLimit(), job.submittedAt(),
                        job.submitOrder(), predictor.predict(job.submittedBy(), gpus(job)), reclaiming,
                        job.spec().cpus(), job.spec().memoryMib()));
            }
        }
        Map<String, OrgShare> shares = new HashMap<>();
        environment.shares(orgNames.keySet()).forEach((org, share) -> shares.put(org, new OrgShare(org, share.guaranteedGpus(),
                share.weight(), decayedUsage(org, now), share.grantActive())));
        Decisions decisions = scheduler.schedule(new Snapshot(now, nodes, running, pending, shares));
        for (Decisions.Start start : decisions.starts()) {
            launch(byId.get(start.jobId()), start, now);
        }
        for (Decisions.Preempt preempt : decisions.preemptions()) {
            preempt(byId.get(preempt.jobId()), preempt, now);
        }
        // Only a changed reason is written; positions and estimates are served from memory.
        List<Decisions.Pending> changed = decisions.pending().stream().filter(waiting -> {
            Job job = byId.get(waiting.jobId());
            return !job.reason().equals(Optional.of(waiting.reason().name()))
                    || !job.message().equals(Optional.of(waiting.message()));
        }).toList();
        Map<String, Map.Entry<String, String>> heldChanged = new HashMap<>();
        held.forEach((id, why) -> {
            Job job = byId.get(id);
            if (!job.reason().equals(Optional.of(why.getKey())) || !job.message().equals(Optional.of(why.getValue()))) {
                heldChanged.put(id, why);
            }
        });
        if (!changed.isEmpty() || !heldChanged.isEmpty()) {
            store.write(repositories -> {
                for (Decisions.Pending waiting : changed) {
                    repositories.jobs().find(waiting.jobId()).filter(job -> job.state() == JobState.PENDING)
                            .ifPresent(job -> repositories.jobs().update(job.toBuilder().waiting(waiting.reason().name(),
                                    waiting.message()).build()));
                }
                heldChanged.forEach((id, why) -> repositories.jobs().find(id)
                        .filter(job -> job.state() == JobState.PENDING)
                        .ifPresent(job -> repositories.jobs().update(job.toBuilder().waiting(why.getKey(),
                                why.getValue()).build())));
                return null;
            });
        }
        Map<String, Decisions.Pending> ranking = new HashMap<>();
        decisions.pending().forEach(waiting -> ranking.put(waiting.jobId(), waiting));
        lastRanking = ranking;
        long total = nodes.stream().mapToLong(node -> (long) node.gpus().size() * GpuShare.WHOLE).sum();
        long allocated = stillActive.stream().filter(job -> job.state() == JobState.RUNNING
                || job.state() == JobState.ADMITTED).mapToLong(job -> (long) job.spec().gpuMillis()
                * job.spec().nodes()).sum();
        allocated += decisions.starts().stream().map(start -> byId.get(start.jobId())).filter(java.util.Objects::nonNull)
                .mapToLong(job -> (long) job.spec().gpuMillis() * job.spec().nodes()).sum();
        int runningJobs = (int) stillActive.stream().filter(job -> job.state() == JobState.RUNNING
                || job.state() == JobState.ADMITTED).count() + decisions.starts().size();
        try {
            events.cycle(new dev.incubator.compute.port.ComputeEvents.Cycle(java.time.Duration.ofNanos(
                    System.nanoTime() - began), pending.size() - decisions.starts().size(), runningJobs, total,
                    Math.min(total, allocated), decisions.starts().size(), decisions.preemptions().size()));
        } catch (RuntimeException e) {
            LOG.warn("a listener of scheduling cycles failed", e);
        }
        return decisions;
    }

    /** A pending job whose dependency can no longer be satisfied ends cancelled, as Slurm's kill_invalid_depend. */
    private void endNeverSatisfied(Job job, String message, Instant now) {
        store.write(repositories -> {
            repositories.jobs().find(job.id()).filter(current -> current.state() == JobState.PENDING)
                    .ifPresent(current -> {
                        Job cancelled = current.toBuilder().state(JobState.CANCELLED).finished(now, Optional.empty())
                                .reason("DEPENDENCY_NEVER_SATISFIED", message).build();
                        repositories.jobs().update(cancelled);
                        audit(repositories, "system", RequestMeta.SYSTEM, "job.cancelled", cancelled,
                                Map.of("reason", truncate(message)));
                    });
            return null;
        });
    }

    /**
     * After a restart: jobs admitted but never launched go back to the queue; running jobs whose process still
     * lives are re-attached; the others end with their exit code, or FAILED with reason LOST. None is dropped.
     */
    public void recover() {
        loadHistory();
        Instant now = clock.instant();
        for (Job job : store.read(repositories -> repositories.jobs().listActive())) {
            if (job.state() == JobState.ADMITTED && job.pid().isEmpty()) {
                store.write(repositories -> {
                    Job requeued = job.toBuilder().state(JobState.PENDING).backInLine()
                            .waiting("REQUEUED", "the server stopped before the job was launched; back in the queue at"
                                    + " its original position").build();
                    repositories.jobs().update(requeued);
                    audit(repositories, "system", RequestMeta.SYSTEM, "job.requeue", requeued, Map.of());
                    return null;
                });
            } else if (job.state() == JobState.RUNNING) {
                Executor.Status status = executor.status(job);
                if (status instanceof Executor.Running) {
                    LOG.info("re-attached to running job {} (pid {})", job.id(), job.pid().orElse(-1L));
                } else {
                    reconcile(job, now);
                }
            }
        }
    }

    // ---- steps -----------------------------------------------------------------------------------------------

    /** Returns the job if it is still active after looking at its process. */
    private Optional<Job> reconcile(Job job, Instant now) {
        if (job.state() != JobState.RUNNING) {
            return Optional.of(job);
        }
        Executor.Status status = executor.status(job);
        if (status instanceof Executor.Running) {
            return Optional.of(whileRunning(recordPlacement(job), now));
        }
        Optional<Integer> exitCode = status instanceof Executor.Exited exited ? Optional.of(exited.exitCode())
                : Optional.empty();
        boolean outOfMemory = status instanceof Executor.Exited exited && exited.outOfMemory();
        meter(job, now, true);
        executor.attemptEnded(job);
        Job ended = store.write(repositories -> {
            Job metered = repositories.jobs().find(job.id()).orElseThrow();
            String reason = metered.reason().orElse("");
            Job.Builder builder = metered.toBuilder();
            if (reason.equals(PREEMPTING)) {
                builder.state(JobState.PREEMPTED).requeued().state(JobState.PENDING)
                        .waiting("PREEMPTED", "preempted to honour another organisation's guarantee; back in the queue"
                                + " at its original position");
            } else if (reason.equals(CANCELLING)) {
                builder.state(JobState.CANCELLED).finished(now, exitCode).reason("CANCELLED", metered.message()
                        .orElse("cancelled"));
            } else if (reason.equals(TIMING_OUT)) {
                builder.state(JobState.TIMEOUT).finished(now, exitCode).reason("TIMEOUT", "exceeded its time limit of "
                        + humanDuration(job.spec().timeLimit()));
            } else if (outOfMemory) {
                builder.state(JobState.FAILED).finished(now, exitCode).reason("OUT_OF_MEMORY", "killed by the kernel:"
                        + " it used more than its memory_mib of " + job.spec().memoryMib() + " MiB; ask for more memory");
            } else if (exitCode.isEmpty()) {
                builder.state(JobState.FAILED).finished(now, exitCode).reason("LOST",
                        "the job's process vanished without an exit code");
            } else if (exitCode.get() == 0) {
                builder.state(JobState.SUCCEEDED).finished(now, exitCode).clearWaiting();
            } else if (metered.attempt() <= metered.spec().retries()) {
                builder.state(JobState.PENDING).requeued().waiting("RETRY", "attempt " + metered.attempt() + " "
                        + describeExit(exitCode.get()) + "; retrying (" + metered.spec().retries() + " retries allowed)");
            } else {
                builder.state(JobState.FAILED).finished(now, exitCode).reason("EXIT_CODE", describeExit(exitCode.get()));
            }
            Job updated = builder.build();
            repositories.jobs().update(updated);
            audit(repositories, "system", RequestMeta.SYSTEM, "job." + updated.state().name().toLowerCase(), updated,
                    Map.of("exit_code", exitCode.map(String::valueOf).orElse("")));
            return updated;
        });
        tell(() -> events.jobEnded(ended));
        learnFrom(ended);
        return ended.state().isFinal() ? Optional.empty() : Optional.of(ended);
    }

    /** Feeds the predictor the last finished runs, oldest first, once. */
    private void loadHistory() {
        if (historyLoaded) {
            return;
        }
        List<Job> recent = store.read(repositories -> repositories.jobs().listRecentlyFinished(HISTORY_LOADED));
        for (int i = recent.size() - 1; i >= 0; i--) {
            learnFrom(recent.get(i));
        }
        historyLoaded = true;
    }

    /** A job that ran and finished teaches the predictor how long its user's jobs of its size take. */
    private void learnFrom(Job job) {
        if (job.state().isFinal() && job.startedAt().isPresent() && job.finishedAt().isPresent()) {
            predictor.record(job.submittedBy(), gpus(job), Duration.between(job.startedAt().get(),
                    job.finishedAt().get()));
        }
    }

    private static int gpus(Job job) {
        return Math.max(1, job.spec().gpuMillis() / GpuShare.WHOLE) * job.spec().nodes();
    }

    /** Attempts that got their warning signal (a restart may send it once more). */
    private final Set<String> warned = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** A running job: warn it before its time limit, stop it at its grace deadline or time limit, else meter it. */
    private Job whileRunning(Job job, Instant now) {
        if (!job.terminating() && job.spec().warning().isPresent() && job.startedAt().map(start -> !now.isBefore(
                start.plus(job.spec().timeLimit()).minus(job.spec().warning().get().before()))).orElse(false)
                && warned.add(job.id() + "#" + job.attempt())) {
            LOG.info("job {}: {} s before its time limit, sending SIG{}", job.id(),
                    job.spec().warning().get().before().toSeconds(), job.spec().warning().get().signal());
            executor.signal(job, job.spec().warning().get().signal());
        }
        if (job.terminating() && job.terminateBy().map(now::isAfter).orElse(false)) {
            executor.kill(job);
        } else if (!job.terminating() && job.startedAt().map(start -> now.isAfter(start.plus(job.spec().timeLimit())))
                .orElse(false)) {
            executor.signal(job, stopSignal(job));
            return store.write(repositories -> {
                Job updated = repositories.jobs().find(job.id()).orElseThrow().toBuilder().reason(TIMING_OUT,
                        "time limit of " + humanDuration(job.spec().timeLimit()) + " reached; stopping")
                        .terminating(now.plus(job.spec().checkpointGrace())).build();
                repositories.jobs().update(updated);
                return updated;
            });
        }
        return meter(job, now, false);
    }

    /** Where the back end chose the GPUs itself (Slurm), the job's allocation becomes what it really holds. */
    private Job recordPlacement(Job job) {
        Optional<List<GpuShare>> placed = executor.placement(job);
        if (placed.isEmpty() || placed.get().isEmpty()
                || new java.util.HashSet<>(placed.get()).equals(new java.util.HashSet<>(job.allocation()))) {
            return job;
        }
        return store.write(repositories -> {
            Job current = repositories.jobs().find(job.id()).orElseThrow();
            Job updated = current.toBuilder().admitted(placed.get(), current.borrowed()).build();
            repositories.jobs().update(updated);
            audit(repositories, "system", RequestMeta.SYSTEM, "job.placed", updated, Map.of("gpus",
                    String.join(",", placed.get().stream().map(share -> share.node() + ":" + share.index()).toList())));
            return updated;
        });
    }

    private void launch(Job job, Decisions.Start start, Instant now) {
        Job admitted = store.write(repositories -> {
            Job updated = job.toBuilder().state(JobState.ADMITTED).admitted(start.allocation(), start.hosts(),
                    start.borrowed()).clearWaiting().build();
            repositories.jobs().update(updated);
            audit(repositories, "system", RequestMeta.SYSTEM, "job.admit", updated, Map.of("gpus",
                    String.join(",", start.allocation().stream().map(share -> share.node() + ":" + share.index()).toList()),
                    "borrowed", Boolean.toString(start.borrowed())));
            return updated;
        });
        if (admitted.spec().hubReads().isEmpty()) {
            startAdmitted(admitted, now);
            return;
        }
        // Mounts are copies: they are made off the scheduling cycle, so a large one delays only its own job, which
        // holds its GPUs meanwhile. A restart while mounting puts the job back in the queue (recover()).
        mountWorkers.execute(() -> {
            try {
                mountThenStart(admitted);
            } catch (RuntimeException e) {
                LOG.warn("job {}: could not start after mounting: {}", admitted.id(), e.getMessage());
            }
        });
    }

    private void mountThenStart(Job admitted) {
        try {
            mounts.prepare(admitted, executor.directory(admitted).resolve(Mounts.DIRECTORY));
        } catch (RuntimeException e) {
            // Refused (no agreement, revoked, not visible) or unreadable: the job can not run as submitted.
            LOG.info("job {}: mounts refused: {}", admitted.id(), e.getMessage());
            endBeforeStart(admitted.id(), builder -> builder.state(JobState.FAILED).finished(clock.instant(),
                    Optional.empty()).reason("MOUNT_REFUSED", e.getMessage()), "job.failed", Map.of("reason",
                    truncate(e.getMessage())));
            return;
        }
        Job current = store.read(repositories -> repositories.jobs().find(admitted.id())).orElseThrow();
        if (current.state() != JobState.ADMITTED) {
            return;
        }
        String reason = current.reason().orElse("");
        if (reason.equals(CANCELLING)) {
            endBeforeStart(current.id(), builder -> builder.state(JobState.CANCELLED).finished(clock.instant(),
                    Optional.empty()).reason("CANCELLED", current.message().orElse("cancelled")), "job.cancelled",
                    Map.of());
        } else if (reason.equals(PREEMPTING)) {
            endBeforeStart(current.id(), builder -> builder.state(JobState.PENDING).backInLine().waiting("PREEMPTED",
                    "preempted to honour another organisation's guarantee while its mounts were copied; back in the "
                    + "queue at its original position"), "job.requeue", Map.of());
        } else {
            startAdmitted(current, clock.instant());
        }
    }

    /** Ends or requeues an admitted job that never started, if it is still admitted. */
    private void endBeforeStart(String jobId, java.util.function.UnaryOperator<Job.Builder> change, String action,
                                Map<String, String> details) {
        store.write(repositories -> {
            Optional<Job> current = repositories.jobs().find(jobId).filter(job -> job.state() == JobState.ADMITTED);
            if (current.isPresent()) {
                Job updated = change.apply(current.get().toBuilder()).build();
                repositories.jobs().update(updated);
                audit(repositories, "system", RequestMeta.SYSTEM, action, updated, details);
            }
            return null;
        });
    }

    private void startAdmitted(Job admitted, Instant now) {
        Executor.Launched launched;
        try {
            launched = executor.start(admitted);
        } catch (BackendUnavailableException e) {
            // Nothing was started: back in the queue at its place, to be admitted again when the back end answers.
            store.write(repositories -> {
                Job requeued = repositories.jobs().find(admitted.id()).orElseThrow().toBuilder().state(JobState.PENDING)
                        .backInLine().waiting("BACKEND_UNAVAILABLE", "the compute back end did not answer; back in the"
                                + " queue at its original position").build();
                repositories.jobs().update(requeued);
                audit(repositories, "system", RequestMeta.SYSTEM, "job.requeue", requeued, Map.of());
                return null;
            });
            throw e;
        } catch (RuntimeException e) {
            LOG.warn("could not launch job {}", admitted.id(), e);
            store.write(repositories -> {
                Job failed = admitted.toBuilder().state(JobState.FAILED).finished(now, Optional.empty())
                        .reason("LAUNCH_FAILED", "could not start the command: " + e.getMessage()).build();
                repositories.jobs().update(failed);
                audit(repositories, "system", RequestMeta.SYSTEM, "job.failed", failed, Map.of());
                return null;
            });
            return;
        }
        // Re-read: a cancel may have arrived while the process was being started.
        Job running = store.write(repositories -> {
            Job current = repositories.jobs().find(admitted.id()).orElseThrow();
            Job updated = current.toBuilder().state(JobState.RUNNING)
                    .started(now, launched.pid(), launched.processStart(), now.toEpochMilli()).build();
            repositories.jobs().update(updated);
            audit(repositories, "system", RequestMeta.SYSTEM, "job.start", updated,
                    Map.of("pid", Long.toString(launched.pid())));
            return updated;
        });
        tell(() -> events.jobStarted(running));
        if (running.terminating()) {
            executor.signal(running, stopSignal(running));
        }
    }

    private void preempt(Job job, Decisions.Preempt preempt, Instant now) {
        Job preempting = store.write(repositories -> {
            Job updated = repositories.jobs().find(job.id()).orElseThrow().toBuilder().reason(PREEMPTING, preempt.reason())
                    .terminating(now.plus(job.spec().checkpointGrace())).build();
            repositories.jobs().update(updated);
            audit(repositories, "system", RequestMeta.SYSTEM, "job.preempt", updated, Map.of("for", preempt.forJobId()));
            return updated;
        });
        tell(() -> events.jobPreempting(preempting, preempt.reason(), preempt.forJobId()));
        if (preempting.pid().isPresent()) {
            executor.signal(preempting, job.spec().checkpointSignal().orElse("TERM"));
        }
    }

    /** Debits the GPU time since the last debit, when at least the metering interval has passed or at the end. */
    private Job meter(Job job, Instant now, boolean finalSlice) {
        long since = job.meteredUntilMillis();
        long elapsed = now.toEpochMilli() - since;
        if (since == 0 || elapsed <= 0 || (!finalSlice && elapsed < meteringInterval.toMillis())) {
            return job;
        }
        long gpuMillis = job.allocation().stream().mapToLong(GpuShare::millis).sum();
        long gpuMilliseconds = gpuMillis * elapsed / 1000;
        String gpuType = gpuType(job);
        long debit = debitFor(job.meteredGpuMillis(), gpuMilliseconds);
        if (debit > 0) {
            try {
                environment.debit(job.orgId(), gpuType, GpuHours.ofMilli(debit), job.id());
            } catch (RuntimeException e) {
                LOG.warn("could not debit usage of job {}; will retry next cycle", job.id(), e);
                return job;
            }
        }
        Optional<Double> measured = measuredWattHours(job, elapsed);
        return store.write(repositories -> {
            Job updated = repositories.jobs().find(job.id()).orElseThrow().toBuilder()
                    .metered(gpuMilliseconds, now.toEpochMilli()).build();
            repositories.jobs().update(updated);
            repositories.usage().append(new UsageRecord(job.id(), job.orgId(), job.spec().name(), now, gpuType,
                    gpuMilliseconds, measured.orElse(EnergyModel.estimateWattHours(gpuType, gpuMilliseconds)),
                    measured.isEmpty()));
            return updated;
        });
    }

    /**
     * Milli-GPU-hours to debit for a slice of {@code sliceGpuMilliseconds} after {@code meteredBefore} GPU-milliseconds
     * of the job's life: the ledger is charged whole milli-GPU-hours of the job's running total, so what one slice
     * leaves over (less than 3.6 GPU-seconds) is carried into the next, and over the job's life the debits sum to its
     * metered usage, rounded down to the milli-GPU-hour once.
     */
    static long debitFor(long meteredBefore, long sliceGpuMilliseconds) {
        return Math.floorDiv(meteredBefore + sliceGpuMilliseconds, 3_600) - Math.floorDiv(meteredBefore, 3_600);
    }

    /**
     * Energy of the slice from the GPUs' measured power draw (sampled now, held for the slice, shared GPUs
     * counted by the job's share), when every GPU of the job reports it; empty otherwise.
     */
    private Optional<Double> measuredWattHours(Job job, long elapsedMillis) {
        if (job.allocation().isEmpty()) {
            return Optional.empty();
        }
        Map<Integer, Double> watts = power.wattsByGpu();
        double total = 0;
        for (GpuShare share : job.allocation()) {
            Double draw = watts.get(share.index());
            if (draw == null) {
                return Optional.empty();
            }
            total += draw * share.millis() / GpuShare.WHOLE;
        }
        return Optional.of(total * elapsedMillis / 3_600_000.0);
    }

    private String gpuType(Job job) {
        if (job.allocation().isEmpty()) {
            return job.spec().gpuType().orElse("cpu");
        }
        GpuShare first = job.allocation().get(0);
        return environment.nodes().stream().filter(node -> node.name().equals(first.node())).findFirst()
                .flatMap(node -> node.gpus().stream().filter(gpu -> gpu.index() == first.index()).findFirst())
                .map(dev.incubator.compute.scheduler.Gpu::type).orElse(job.spec().gpuType().orElse("any"));
    }

    /**
     * What a job is asked to stop with (cancel, time limit): its checkpoint signal, so it can save its work within
     * its grace period before SIGKILL, or SIGTERM when it names none.
     */
    private static String stopSignal(Job job) {
        return job.spec().checkpointSignal().orElse("TERM");
    }

    private static String describeExit(int code) {
        return code > 128 ? "killed by signal " + (code - 128) + " (exit code " + code + ")" : "exited with code " + code;
    }

    private void audit(ComputeStore.Repositories repositories, String actor, RequestMeta request, String action,
                       Job job, Map<String, String> details) {
        repositories.audit().append(new AuditEvent(0, clock.instant(), actor, action, "job", job.id(),
                Optional.of(job.orgId()), request.requestId(), Outcome.SUCCESS, request.sourceAddress(), details));
    }

    // ---- validation ------------------------------------------------------------------------------------------

    /** Checks a spec against the cluster so that impossible jobs are refused at submit time, with every reason. */
    public static void validate(JobSpec spec, List<Node> nodes) {
        // Every field is checked before the cluster fit, so one answer lists all mistakes of the spec.
        Violations violations = new Violations();
        violations.check(spec.name() != null && !spec.name().isBlank() && spec.name().length() <= 100, "name",
                "is required, 1-100 characters");
        violations.check(spec.name() == null || spec.name().chars().noneMatch(c -> c < 0x20 || c == 0x7f), "name",
                "must not contain control characters");
        violations.check(!spec.command().isEmpty() && spec.command().stream().noneMatch(String::isEmpty), "command",
                "must be a non-empty list of arguments, e.g. [\"python\", \"train.py\"]");
        violations.check(spec.command().stream().noneMatch(argument -> argument.indexOf('\0') >= 0), "command",
                "arguments must not contain NUL characters (a process can not receive them)");
        spec.env().forEach((key, value) -> {
            violations.check(key.matches("[A-Za-z_][A-Za-z0-9_]{0,127}"), "env", "'" + key.replace("\0", "\\0")
                    + "' is not a variable name (letters, digits and '_', not starting with a digit)");
            violations.check(value.indexOf('\0') < 0, "env." + key, "must not contain NUL characters");
        });
        violations.check(spec.nodes() >= 1 && spec.nodes() <= 4096, "nodes", "must be between 1 and 4096");
        violations.check(spec.gpuMillis() >= 0, "gpus_per_node", "must not be negative");
        violations.check(spec.gpuMillis() <= GpuShare.WHOLE || spec.gpuMillis() % GpuShare.WHOLE == 0, "gpus_per_node",
                "must be a whole number of GPUs, or a fraction of one GPU such as 0.25");
        violations.check(spec.gpuMillis() >= GpuShare.WHOLE || spec.gpuMillis() == 0 || spec.nodes() == 1,
                "gpus_per_node", "a fraction of a GPU runs on one node; set nodes to 1");
        violations.check(spec.cpus() >= 1 && spec.cpus() <= 4096, "cpus", "must be between 1 and 4096");
        violations.check(spec.memoryMib() >= 0, "memory_mib", "must not be negative");
        violations.check(!spec.timeLimit().isNegative() && !spec.timeLimit().isZero()
                && spec.timeLimit().compareTo(MAX_TIME_LIMIT) <= 0, "time_limit_minutes", "must be from 1 minute to 30 days");
        violations.check(!spec.checkpointGrace().isNegative() && spec.checkpointGrace().compareTo(MAX_GRACE) <= 0,
                "checkpoint_grace_seconds", "must be from 0 to 3600 seconds");
        violations.check(spec.retries() >= 0 && spec.retries() <= 10, "retries", "must be between 0 and 10");
        spec.warning().ifPresent(warning -> violations.check(warning.before().toSeconds() >= 1
                && warning.before().compareTo(spec.timeLimit()) < 0, "warning_seconds", "must be at least 1 and"
                + " less than the time limit (" + spec.timeLimit().toSeconds() + " s)"));
        violations.check(spec.mounts().size() <= JobSpec.MAX_MOUNTS, "mounts", "at most " + JobSpec.MAX_MOUNTS
                + " repositories");
        spec.mounts().stream().filter(mount -> !JobSpec.MOUNT.matcher(mount).matches()).forEach(mount -> violations.add(
                "mounts", "'" + mount + "' is not a repository such as datasets/hospital/notes or models/uni/llm@v1"));
        violations.check(spec.hubReads().stream().map(mount -> mount.split("@")[0]).distinct().count()
                == spec.hubReads().size(), "mounts", "names a repository twice (the code's included)");
        spec.code().ifPresent(code -> violations.check(JobSpec.MOUNT.matcher(code).matches() && code.contains("@"),
                "code", "'" + code + "' is not a repository at a commit such as datasets/lab/job-code@<commit>"));
        // One GPU model, or alternatives such as 'a100|h100' (any one of them): at least one must be in the cluster.
        spec.gpuType().ifPresent(type -> violations.check(java.util.Arrays.stream(type.split("\\|")).map(String::strip)
                .anyMatch(choice -> nodes.stream().flatMap(node -> node.gpus().stream())
                        .anyMatch(gpu -> gpu.type().equals(choice))), "gpu_type", "'" + type + "' is not in this"
                + " cluster; it has " + String.join(", ", nodes.stream().flatMap(node -> node.gpus().stream())
                .map(gpu -> gpu.type()).distinct().sorted().toList())));
        violations.throwIfAny();
        // One probe of the whole spec; only when it can never fit, the GPUs, then CPUs and memory alone, so that the
        // answer names the field that no node can hold.
        if (neverFits(spec, nodes, spec.cpus(), spec.memoryMib()).isEmpty()) {
            return;
        }
        long schedulable = nodes.stream().filter(Node::schedulable).count();
        if (spec.nodes() > schedulable) {
            violations.add("nodes", "asks for " + spec.nodes() + " nodes; the cluster has " + schedulable
                    + " that take jobs");
            violations.throwIfAny();
        }
        Optional<String> gpus = spec.gpuMillis() > 0 ? neverFits(spec, nodes, 0, 0) : Optional.empty();
        gpus.ifPresent(reason -> violations.add("gpus_per_node", reason));
        if (gpus.isEmpty()) {
            Optional<String> cpus = neverFits(spec, nodes, spec.cpus(), 0);
            cpus.ifPresent(reason -> violations.add("cpus", reason));
            Optional<String> memory = neverFits(spec, nodes, 0, spec.memoryMib());
            memory.ifPresent(reason -> violations.add("memory_mib", reason));
            if (cpus.isEmpty() && memory.isEmpty()) {
                neverFits(spec, nodes, spec.cpus(), spec.memoryMib()).ifPresent(reason -> violations.add("cpus",
                        reason + " (no node has both)"));
            }
        }
        violations.throwIfAny();
    }

    /** Why the empty cluster could never run the spec with these CPUs and memory per node, if it could not. */
    private static Optional<String> neverFits(JobSpec spec, List<Node> nodes, int cpus, long memoryMib) {
        JobRequest probe = new JobRequest("probe", "probe", spec.priority(), spec.nodes(), spec.gpuMillis(),
                spec.gpuType(), spec.timeLimit(), Instant.EPOCH, 0, Optional.empty(), false, cpus, memoryMib);
        Snapshot empty = new Snapshot(Instant.EPOCH, nodes, List.of(), List.of(probe), Map.of());
        Decisions decisions = new Scheduler(dev.incubator.compute.scheduler.Policy.FIFO).schedule(empty);
        return decisions.pendingOf("probe").filter(pending -> pending.reason()
                == dev.incubator.compute.scheduler.PendingReason.GANG_NOT_SATISFIABLE)
                .map(pending -> pending.message().substring(pending.message().indexOf(':') + 2));
    }

    private static String truncate(String text) {
        return text == null ? "" : text.length() <= 500 ? text : text.substring(0, 500) + "...";
    }
}
