package dev.incubator.sim;

import static java.util.Objects.requireNonNull;

import dev.incubator.compute.PriorityClass;
import dev.incubator.compute.scheduler.Decisions;
import dev.incubator.compute.scheduler.GpuShare;
import dev.incubator.compute.scheduler.JobRequest;
import dev.incubator.compute.scheduler.Node;
import dev.incubator.compute.scheduler.OrgShare;
import dev.incubator.compute.scheduler.PendingReason;
import dev.incubator.compute.scheduler.RunningJob;
import dev.incubator.compute.scheduler.Scheduler;
import dev.incubator.compute.scheduler.Snapshot;
import dev.incubator.sim.trace.Submission;
import dev.incubator.sim.trace.Trace;
import dev.incubator.sim.trace.TraceJob;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.function.DoubleConsumer;

/**
 * A discrete-event replay of a trace against the production {@link Scheduler}. The simulated clock jumps from
 * event to event (arrivals, completions, the end of a preemption grace period); the scheduler runs at most once
 * per {@link SimOptions#cycle()} and only after something changed, on a {@link Snapshot} built exactly as the
 * service builds it.
 *
 * <p>The simulated executor runs a started job for its recorded duration (cut at its time limit: TIMEOUT). A
 * preempted job keeps its GPUs for the grace period, then returns to the queue keeping its place; traces record no
 * checkpoints, so it restarts from the beginning and the GPU time it had run is counted as lost.
 *
 * <p>Policies see jobs only as {@link JobRequest}s built from {@link Submission}s and {@link RunTimeKnowledge}:
 * never the recorded duration.
 */
public final class Simulator {
    private static final Instant ORIGIN = Instant.parse("2020-01-01T00:00:00Z");

    private final SimOptions options;

    public Simulator(SimOptions options) {
        this.options = requireNonNull(options, "options is null");
    }

    public PolicyResult run(Trace trace, SimPolicy policy, DoubleConsumer progress) {
        RunTimeKnowledge knowledge = switch (policy.knowledge()) {
            case NONE -> RunTimeKnowledge.none();
            case HISTORY -> RunTimeKnowledge.history(options.history());
            case ORACLE -> RunTimeKnowledge.oracle(trace.jobs());
        };
        return new Replay(trace, policy, knowledge, progress).run();
    }

    /** The request a policy sees: what was submitted, the platform's time limit and its prediction. */
    static JobRequest request(Submission submission, long submitOrder, Duration limit, Optional<Duration> predicted,
                              boolean reclaiming) {
        return new JobRequest(submission.id(), submission.tenant(), PriorityClass.NORMAL, submission.nodes(),
                submission.gpuMillisPerNode(), submission.gpuType(), limit, ORIGIN.plusMillis(submission.submitMillis()),
                submitOrder, predicted, reclaiming);
    }

    /** The limit a job is killed at: the user's, else the platform default; the same under every policy. */
    Duration killLimit(Submission submission) {
        return submission.requestedLimit().orElse(options.defaultLimit());
    }

    /** The user's limit, else what the knowledge allows (only the oracle knows one), else the platform default. */
    private Duration limit(Submission submission, RunTimeKnowledge knowledge) {
        return submission.requestedLimit().or(() -> knowledge.limit(submission)).orElse(options.defaultLimit());
    }

    private enum State { PENDING, RUNNING, TERMINATING, DONE }

    /** A job in the replay. */
    private static final class Active {
        final TraceJob job;
        final int order;
        final String tenant;
        State state = State.PENDING;
        long startedMillis;
        long firstStartMillis = -1;
        List<GpuShare> allocation = List.of();
        boolean borrowed;
        long gpuMillis;
        /** Invalidates scheduled end events of an earlier attempt. */
        int attempt;
        /** What the scheduler saw last: reused while nothing about the job changed. */
        RunningJob asRunning;
        JobRequest asRequest;
        Optional<Duration> predicted;
        /** Borrowed jobs were preempted for it and it has not started yet. */
        boolean reclaiming;
        /** Work saved by checkpoints of earlier attempts: what a resumed attempt need not run again. */
        long doneMillis;

        Active(TraceJob job, int order) {
            this.job = job;
            this.order = order;
            this.tenant = job.submission().tenant();
        }
    }

    private record Event(long atMillis, long sequence, Kind kind, Active job, int attempt) implements Comparable<Event> {
        enum Kind { END, GRACE_END }

        @Override
        public int compareTo(Event other) {
            int byTime = Long.compare(atMillis, other.atMillis);
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }
    }

    private final class Replay {
        private final Trace trace;
        private final SimPolicy policy;
        private final RunTimeKnowledge knowledge;
        private final DoubleConsumer progress;
        private final Scheduler scheduler;
        private final List<TraceJob> jobs;
        private final Map<String, Active> byId = new HashMap<>();
        private final TreeMap<Integer, Active> pending = new TreeMap<>();
        private final LinkedHashMap<String, Active> running = new LinkedHashMap<>();
        private final PriorityQueue<Event> events = new PriorityQueue<>();
        private long sequence;
        private int nextArrival;
        private int finished;
        private final double[] jct;
        private final double[] queueDelay;
        private final boolean[] done;
        // usage and metrics
        /** Per tenant, finished usage in GPU-seconds scaled by 2^(t / half-life), so that decay costs nothing. */
        private final Map<String, Double> scaledUsage = new TreeMap<>();
        private final Map<String, Integer> pendingByTenant = new HashMap<>();
        /** Per tenant over its running jobs: the sum of GPUs, and of GPUs x 2^(start / half-life). */
        private final Map<String, double[]> runningSums = new HashMap<>();
        private long lastObservedMillis;
        private final Map<String, Long> allocatedByTenant = new HashMap<>();
        private final Map<String, Double> gpuSeconds = new TreeMap<>();
        private final Map<String, Double> violation = new TreeMap<>();
        private final Map<String, Double> entitledTime = new TreeMap<>();
        private final Map<String, Double> entitledHeld = new TreeMap<>();
        private final Map<String, Long> waitingSince = new HashMap<>();
        private final List<PolicyResult.Sample> series = new ArrayList<>();
        private final boolean fractional;
        private double fragmentedTime;
        private double contendedTime;
        private long lastSampleMillis;
        private long allocatedMillisNow;
        private double allocatedGpuSeconds;
        private int preemptions;
        private double lostGpuSeconds;
        private double lostWithoutCheckpointsGpuSeconds;
        private long cycles;
        private int timeouts;
        private long lastEndMillis;

        Replay(Trace trace, SimPolicy policy, RunTimeKnowledge knowledge, DoubleConsumer progress) {
            this.trace = trace;
            this.policy = policy;
            this.knowledge = knowledge;
            this.progress = progress;
            this.scheduler = new Scheduler(policy.policy());
            this.jobs = trace.jobs();
            this.jct = new double[jobs.size()];
            this.queueDelay = new double[jobs.size()];
            this.done = new boolean[jobs.size()];
            this.fractional = jobs.stream().anyMatch(job -> job.submission().gpuMillisPerNode() < GpuShare.WHOLE);
            trace.guarantees().keySet().forEach(tenant -> scaledUsage.put(tenant, 0.0));
        }

        PolicyResult run() {
            long now = 0;
            long lastCycle = Long.MIN_VALUE / 2;
            boolean dirty = false;
            long cycleMillis = options.cycle().toMillis();
            int reported = -1;
            while (true) {
                long nextEvent = Long.MAX_VALUE;
                if (nextArrival < jobs.size()) {
                    nextEvent = jobs.get(nextArrival).submission().submitMillis();
                }
                if (!events.isEmpty()) {
                    nextEvent = Math.min(nextEvent, events.peek().atMillis());
                }
                if (dirty) {
                    long cycleAt = Math.max(now, lastCycle + cycleMillis);
                    if (cycleAt <= nextEvent) {
                        now = cycleAt;
                        cycle(now);
                        lastCycle = now;
                        dirty = false;
                        continue;
                    }
                }
                if (nextEvent == Long.MAX_VALUE) {
                    break; // nothing runs, nothing arrives: what is left can never start
                }
                now = nextEvent;
                while (nextArrival < jobs.size() && jobs.get(nextArrival).submission().submitMillis() <= now) {
                    Active arrival = new Active(jobs.get(nextArrival), nextArrival);
                    byId.put(arrival.job.submission().id(), arrival);
                    enqueue(arrival);
                    nextArrival++;
                }
                while (!events.isEmpty() && events.peek().atMillis() <= now) {
                    handle(events.poll(), now);
                }
                dirty = true;
                int percent = (int) (100L * finished / Math.max(1, jobs.size()));
                if (percent != reported) {
                    reported = percent;
                    progress.accept(finished / (double) Math.max(1, jobs.size()));
                }
            }
            sample(now);
            return result();
        }

        private void handle(Event event, long now) {
            Active job = event.job();
            if (event.attempt() != job.attempt) {
                return;
            }
            if (event.kind() == Event.Kind.END && job.state == State.RUNNING || event.kind() == Event.Kind.END
                    && job.state == State.TERMINATING) {
                release(job, now);
                job.state = State.DONE;
                Submission submission = job.job.submission();
                knowledge.finished(submission, Duration.ofMillis(now - job.startedMillis));
                jct[job.order] = (now - submission.submitMillis()) / 1000.0;
                if (job.job.durationMillis() > killLimit(submission).toMillis()) {
                    timeouts++;
                }
                queueDelay[job.order] = (job.firstStartMillis - submission.submitMillis()) / 1000.0;
                done[job.order] = true;
                finished++;
                lastEndMillis = Math.max(lastEndMillis, now);
            } else if (event.kind() == Event.Kind.GRACE_END && job.state == State.TERMINATING) {
                // Without checkpoints the work done so far is lost and the job starts over, keeping its place; with
                // them it resumes from its last checkpoint and loses only what came after it.
                long ran = now - job.startedMillis;
                long saved = savedMillis(ran);
                double gpus = job.gpuMillis / (double) GpuShare.WHOLE;
                lostGpuSeconds += gpus * (ran - saved) / 1000.0;
                lostWithoutCheckpointsGpuSeconds += gpus * ran / 1000.0;
                job.doneMillis = Math.min(job.job.durationMillis(), job.doneMillis + saved);
                release(job, now);
                job.state = State.PENDING;
                job.attempt++;
                enqueue(job);
            }
        }

        /** The part of an attempt that ran {@code ran} ms saved by its periodic checkpoints (0 without them). */
        private long savedMillis(long ran) {
            if (options.checkpointEvery().isEmpty()) {
                return 0;
            }
            long every = options.checkpointEvery().get().toMillis();
            return ran / every * every;
        }

        private void enqueue(Active job) {
            pending.put(job.order, job);
            pendingByTenant.merge(job.tenant, 1, Integer::sum);
        }

        private void release(Active job, long now) {
            advance(now);
            double gpus = job.gpuMillis / (double) GpuShare.WHOLE;
            gpuSeconds.merge(job.tenant, gpus * (now - job.startedMillis) / 1000.0, Double::sum);
            scaledUsage.merge(job.tenant, scaledContribution(gpus, job.startedMillis, now), Double::sum);
            double[] sums = runningSums.get(job.tenant);
            sums[0] -= gpus;
            sums[1] -= gpus * Math.pow(2, job.startedMillis / (double) options.halfLife().toMillis());
            running.remove(job.job.submission().id());
            allocatedByTenant.merge(job.tenant, -job.gpuMillis, Long::sum);
            allocatedMillisNow -= job.gpuMillis;
        }

        private void cycle(long now) {
            cycles++;
            sample(now);
            Instant instant = ORIGIN.plusMillis(now);
            if (pending.isEmpty()) {
                observeGuarantees(now);
                return; // nothing waits: no decision to make
            }
            List<RunningJob> runningJobs = new ArrayList<>(running.size());
            for (Active job : running.values()) {
                boolean terminating = job.state == State.TERMINATING;
                // With checkpoints, the scheduler sees each job's last one (what a victim would lose).
                Optional<Instant> checkpoint = options.checkpointEvery().isEmpty() ? Optional.empty()
                        : Optional.of(ORIGIN.plusMillis(job.startedMillis + savedMillis(now - job.startedMillis)));
                if (job.asRunning == null || job.asRunning.terminating() != terminating
                        || !job.asRunning.lastCheckpoint().equals(checkpoint)) {
                    Submission submission = job.job.submission();
                    job.asRunning = new RunningJob(submission.id(), job.tenant, PriorityClass.NORMAL, job.allocation,
                            ORIGIN.plusMillis(job.startedMillis), limit(submission, knowledge), job.borrowed,
                            checkpoint.isPresent(), checkpoint, terminating);
                }
                runningJobs.add(job.asRunning);
            }
            List<JobRequest> requests = new ArrayList<>(pending.size());
            for (Active job : pending.values()) {
                Optional<Duration> predicted = knowledge.predict(job.job.submission());
                if (job.asRequest == null || !predicted.equals(job.predicted)
                        || job.asRequest.reclaiming() != job.reclaiming) {
                    job.asRequest = request(job.job.submission(), job.order, limit(job.job.submission(), knowledge),
                            predicted, job.reclaiming);
                    job.predicted = predicted;
                }
                requests.add(job.asRequest);
            }
            Map<String, Double> usage = new HashMap<>(scaledUsage);
            double halfLife = options.halfLife().toMillis();
            double growth = Math.pow(2, now / halfLife);
            double perGpu = halfLife / 1000.0 / Math.log(2);
            runningSums.forEach((tenant, sums) -> usage.merge(tenant, perGpu * (sums[0] * growth - sums[1]),
                    Double::sum));
            for (String tenant : pendingByTenant.keySet()) {
                usage.putIfAbsent(tenant, 0.0);
            }
            double unscale = Math.pow(2, -now / (double) options.halfLife().toMillis());
            Map<String, OrgShare> shares = new HashMap<>();
            usage.forEach((tenant, scaled) -> shares.put(tenant, new OrgShare(tenant,
                    trace.guarantees().getOrDefault(tenant, 0), 1.0, Math.max(0, scaled * unscale), true)));
            Decisions decisions = scheduler.schedule(new Snapshot(instant, trace.nodes(), runningJobs, requests, shares));
            for (Decisions.Start start : decisions.starts()) {
                Active job = byId.get(start.jobId());
                pending.remove(job.order);
                pendingByTenant.merge(job.tenant, -1, Integer::sum);
                job.state = State.RUNNING;
                job.reclaiming = false;
                job.startedMillis = now;
                if (job.firstStartMillis < 0) {
                    job.firstStartMillis = now;
                }
                job.allocation = start.allocation();
                job.asRunning = null;
                job.borrowed = start.borrowed();
                job.gpuMillis = start.allocation().stream().mapToLong(GpuShare::millis).sum();
                running.put(start.jobId(), job);
                allocatedByTenant.merge(job.tenant, job.gpuMillis, Long::sum);
                allocatedMillisNow += job.gpuMillis;
                double[] sums = runningSums.computeIfAbsent(job.tenant, tenant -> new double[2]);
                sums[0] += job.gpuMillis / (double) GpuShare.WHOLE;
                sums[1] += job.gpuMillis / (double) GpuShare.WHOLE * Math.pow(2, now / halfLife);
                Submission submission = job.job.submission();
                // Every policy's jobs are killed at the same limit, the oracle's too: it may know run times to
                // order jobs, not run them longer than the platform lets anyone.
                long limit = killLimit(submission).toMillis();
                events.add(new Event(now + Math.min(job.job.durationMillis() - job.doneMillis, limit), sequence++,
                        Event.Kind.END, job, job.attempt));
            }
            for (Decisions.Pending waiting : decisions.pending()) {
                if (waiting.reason() == PendingReason.WAITING_FOR_PREEMPTION) {
                    byId.get(waiting.jobId()).reclaiming = true;
                }
            }
            for (Decisions.Preempt preempt : decisions.preemptions()) {
                Active job = byId.get(preempt.jobId());
                if (job.state == State.RUNNING) {
                    job.state = State.TERMINATING;
                    preemptions++;
                    events.add(new Event(now + options.grace().toMillis(), sequence++, Event.Kind.GRACE_END, job,
                            job.attempt));
                }
            }
            observeGuarantees(now);
        }

        /** Tracks, per tenant, how long it has been entitled to start a waiting job within its guarantee. */
        private void observeGuarantees(long now) {
            Map<String, Long> smallestWaiting = new HashMap<>();
            for (Active job : pending.values()) {
                smallestWaiting.merge(job.tenant, job.job.submission().totalGpuMillis(), Math::min);
            }
            for (Map.Entry<String, Integer> entry : trace.guarantees().entrySet()) {
                String tenant = entry.getKey();
                long guarantee = entry.getValue() * (long) GpuShare.WHOLE;
                long held = heldByTenant(tenant);
                Long smallest = smallestWaiting.get(tenant);
                boolean entitled = smallest != null && held + smallest <= guarantee;
                if (entitled) {
                    waitingSince.putIfAbsent(tenant, now);
                } else {
                    waitingSince.remove(tenant);
                }
            }
        }

        private long heldByTenant(String tenant) {
            return allocatedByTenant.getOrDefault(tenant, 0L);
        }

        /** Usage from {@code fromMillis} to {@code toMillis} at {@code gpus}, in scaled GPU-seconds. */
        private double scaledContribution(double gpus, long fromMillis, long toMillis) {
            double halfLife = options.halfLife().toMillis();
            return gpus * halfLife / 1000.0 / Math.log(2)
                    * (Math.pow(2, toMillis / halfLife) - Math.pow(2, fromMillis / halfLife));
        }

        /** Total allocated GPU-seconds up to {@code now}: exact, updated on every allocation change. */
        private void advance(long now) {
            if (now > lastSampleMillis) {
                allocatedGpuSeconds += allocatedMillisNow / (double) GpuShare.WHOLE * (now - lastSampleMillis) / 1000.0;
                lastSampleMillis = now;
            }
        }

        /**
         * Per-tenant measures since the last cycle, sampled at cycles (the state between cycles is taken as it is
         * at the cycle that ends the interval): guarantee violations, entitlement held, fragmentation.
         */
        private void observe(long now) {
            long dtMillis = now - lastObservedMillis;
            if (dtMillis <= 0) {
                return;
            }
            double dt = dtMillis / 1000.0;
            long allowanceMillis = options.cycle().toMillis() + options.grace().toMillis();
            for (Map.Entry<String, Long> since : waitingSince.entrySet()) {
                long violatingFrom = Math.max(lastObservedMillis, since.getValue() + allowanceMillis);
                if (now > violatingFrom) {
                    violation.merge(since.getKey(), (now - violatingFrom) / 1000.0, Double::sum);
                }
            }
            if (!pending.isEmpty()) {
                for (Map.Entry<String, Integer> waiting : pendingByTenant.entrySet()) {
                    int guarantee = trace.guarantees().getOrDefault(waiting.getKey(), 0);
                    if (waiting.getValue() > 0 && guarantee > 0) {
                        double held = heldByTenant(waiting.getKey()) / (double) GpuShare.WHOLE;
                        entitledTime.merge(waiting.getKey(), dt, Double::sum);
                        entitledHeld.merge(waiting.getKey(), Math.min(1.0, held / guarantee) * dt, Double::sum);
                    }
                }
                if (fractional) {
                    fragmentedTime += fragmentation() * dt;
                    contendedTime += dt;
                }
            }
            lastObservedMillis = now;
        }

        /** Share of all GPU capacity that is free but on GPUs too full for the smallest waiting request. */
        private double fragmentation() {
            long smallest = Long.MAX_VALUE;
            for (Active job : pending.values()) {
                smallest = Math.min(smallest, job.job.submission().gpuMillisPerNode());
            }
            Map<String, int[]> used = new HashMap<>();
            for (Active job : running.values()) {
                for (GpuShare share : job.allocation) {
                    used.computeIfAbsent(share.node(), node -> new int[64])[share.index()] += share.millis();
                }
            }
            long unusable = 0;
            long capacity = 0;
            for (Node node : trace.nodes()) {
                int[] taken = used.get(node.name());
                for (int g = 0; g < node.gpus().size(); g++) {
                    capacity += GpuShare.WHOLE;
                    int free = GpuShare.WHOLE - (taken == null ? 0 : taken[g]);
                    if (free > 0 && free < GpuShare.WHOLE && free < smallest) {
                        unusable += free;
                    }
                }
            }
            return capacity == 0 ? 0 : unusable / (double) capacity;
        }

        private void sample(long now) {
            advance(now);
            observe(now);
            series.add(new PolicyResult.Sample(now / 1000.0, pending.size(), allocatedMillisNow / (double) GpuShare.WHOLE));
        }

        private PolicyResult result() {
            int unfinished = jobs.size() - finished;
            double[] finishedJct = new double[finished];
            double[] finishedQueue = new double[finished];
            int k = 0;
            for (int i = 0; i < jobs.size(); i++) {
                if (done[i]) {
                    finishedJct[k] = jct[i];
                    finishedQueue[k] = queueDelay[i];
                    k++;
                }
            }
            long firstSubmit = jobs.isEmpty() ? 0 : jobs.get(0).submission().submitMillis();
            double makespan = (lastEndMillis - firstSubmit) / 1000.0;
            Map<String, Double> entitlement = new TreeMap<>();
            entitledTime.forEach((tenant, time) -> entitlement.put(tenant, time == 0 ? 1.0
                    : entitledHeld.getOrDefault(tenant, 0.0) / time));
            Map<String, Double> guaranteeSeconds = new TreeMap<>();
            trace.guarantees().keySet().forEach(tenant -> guaranteeSeconds.put(tenant, violation.getOrDefault(tenant, 0.0)));
            double capacitySeconds = trace.totalGpus() * makespan;
            return new PolicyResult(policy, jobs.size(), unfinished, finishedJct, finishedQueue, makespan,
                    allocatedGpuSeconds, capacitySeconds, List.copyOf(series), guaranteeSeconds, entitlement,
                    new TreeMap<>(gpuSeconds), preemptions, lostGpuSeconds / 3600.0,
                    lostWithoutCheckpointsGpuSeconds / 3600.0,
                    fractional && contendedTime > 0 ? fragmentedTime / contendedTime : -1, cycles, timeouts);
        }
    }
}
