package dev.incubator.compute.scheduler;

import static java.util.Objects.requireNonNull;

import dev.incubator.compute.PriorityClass;
import dev.incubator.compute.scheduler.Decisions.Pending;
import dev.incubator.compute.scheduler.Decisions.Preempt;
import dev.incubator.compute.scheduler.Decisions.Start;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The admission scheduler: a pure, deterministic function from a {@link Snapshot} to {@link Decisions}. It
 * performs no I/O and reads no clock; the simulator feeds it the same snapshots as the service.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>no GPU share is handed out twice and no GPU beyond its capacity (gang jobs get all GPUs or none);</li>
 *   <li>a job is started as borrowed (preemptible) when it takes its organisation beyond its guarantee, when it
 *       is of the preemptible class, or when the organisation has no active grant;</li>
 *   <li>a non-borrowing job of an organisation below its guarantee that does not fit preempts borrowed work,
 *       least work lost first, and its GPUs are held for it until the victims have left;</li>
 *   <li>with backfill, a job starts ahead of the highest-ranked blocked job only if it does not delay that
 *       job's reserved start (time limits are the estimates).</li>
 * </ul>
 */
public final class Scheduler {
    private final Policy policy;

    public Scheduler(Policy policy) {
        this.policy = requireNonNull(policy, "policy is null");
    }

    public Policy policy() {
        return policy;
    }

    public Decisions schedule(Snapshot snapshot) {
        return new Cycle(snapshot).run();
    }

    /** The working state of one cycle. */
    private final class Cycle {
        private final Snapshot snapshot;
        private final Instant now;
        private final Capacity capacity;
        private final Map<String, Long> guaranteedUse = new HashMap<>();
        private final Map<String, Long> allocated = new HashMap<>();
        private final List<Start> starts = new ArrayList<>();
        private final List<Preempt> preemptions = new ArrayList<>();
        private final List<Pending> pending = new ArrayList<>();
        /** GPUs promised to a job waiting for its preemption victims: nobody else may take them. */
        private final Set<Long> heldForPreemption = new HashSet<>();
        private final Set<String> alreadyPreempted = new HashSet<>();
        /** Victims whose GPUs are already promised to a job this cycle. */
        private final Set<String> claimedVictims = new HashSet<>();
        private Reservation reservation;
        private boolean fifoBlocked;
        private int position;
        private final ReleaseEstimator estimator;
        private final Map<Shape, Optional<String>> neverFits = new HashMap<>();
        /** Borrowed running jobs in victim order, computed once per cycle. */
        private List<RunningJob> victimOrder;
        /**
         * Outcomes of jobs that could not be placed, by organisation, shape and guarantee standing, valid while
         * capacity, held GPUs and reservation are unchanged: the next such job fails the same way, with the same
         * words, so it is not placed again. Most of a long queue is decided through this.
         */
        private final Map<BlockKey, Blocked> blocked = new HashMap<>();
        private long heldVersion;
        /** Per GPU type: the smallest demand a reclaim already failed to satisfy this cycle. */
        private final Map<String, Long> failedReclaim = new HashMap<>();

        Cycle(Snapshot snapshot) {
            this.snapshot = snapshot;
            this.now = snapshot.now();
            this.capacity = new Capacity(snapshot.nodes());
            for (RunningJob job : snapshot.running()) {
                capacity.apply(job.allocation(), -1);
                allocated.merge(job.org(), job.gpuMillis(), Long::sum);
                if (!job.borrowed()) {
                    guaranteedUse.merge(job.org(), job.gpuMillis(), Long::sum);
                }
                if (job.terminating()) {
                    alreadyPreempted.add(job.id());
                }
            }
            this.estimator = new ReleaseEstimator(snapshot.running(), now);
        }

        Decisions run() {
            // 1. Order the pending jobs: by organisation fair share (or submit order), then within each.
            // 2. For each job in that order: place it (gang, best fit, topology), honouring the reservation.
            // 3. A blocked job below its organisation's guarantee reclaims borrowed GPUs by preemption.
            // 4. The first other blocked job gets a reservation; later jobs backfill around it.
            // 5. Every job left waiting gets its reason, position and an estimated start.
            if (policy == Policy.FAIR_SHARE) {
                runFairShare();
            } else {
                snapshot.pending().stream()
                        .sorted(Comparator.comparingLong(JobRequest::submitOrder).thenComparing(JobRequest::id))
                        .forEach(this::consider);
            }
            return new Decisions(starts, preemptions, pending);
        }

        private void runFairShare() {
            // Within an organisation: priority class, then predicted GPU-time (shortest first), then queue order.
            Comparator<Queued> withinOrg = (left, right) -> {
                int byRank = Long.compare(left.rank(), right.rank());
                if (byRank != 0) {
                    return byRank;
                }
                int byOrder = Long.compare(left.submitOrder(), right.submitOrder());
                return byOrder != 0 ? byOrder : left.id().compareTo(right.id());
            };
            Map<String, List<Queued>> byOrg = new HashMap<>();
            for (JobRequest job : snapshot.pending()) {
                byOrg.computeIfAbsent(job.org(), org -> new ArrayList<>()).add(new Queued(job));
            }
            Map<String, Deque<JobRequest>> queues = new HashMap<>();
            PriorityQueue<Ranked> orgs = new PriorityQueue<>();
            byOrg.forEach((org, jobs) -> {
                jobs.sort(withinOrg);
                Deque<JobRequest> queue = new ArrayDeque<>(jobs.size());
                jobs.forEach(queued -> queue.add(queued.job()));
                queues.put(org, queue);
                orgs.add(new Ranked(fairShareKey(org)));
            });
            // An organisation's key changes only when its own jobs start, so it is recomputed only then; while it
            // stays the lowest, its next jobs are taken without going back through the priority queue.
            while (!orgs.isEmpty()) {
                Ranked ranked = orgs.poll();
                String org = ranked.key().org();
                Deque<JobRequest> queue = queues.get(org);
                FairShareKey key = ranked.key();
                while (true) {
                    consider(queue.poll());
                    if (queue.isEmpty()) {
                        break;
                    }
                    FairShareKey next = fairShareKey(org);
                    Ranked competitor = orgs.peek();
                    if (!next.equals(key) || (competitor != null && competitor.key().compareTo(next) < 0)) {
                        orgs.add(new Ranked(next));
                        break;
                    }
                }
            }
        }

        /**
         * Lower is served first: organisations below their guarantee, least satisfied first; then organisations
         * with a grant by decayed usage per weight; then those without a grant.
         */
        private FairShareKey fairShareKey(String org) {
            OrgShare share = org(org);
            long guarantee = share.guaranteedMillis();
            long used = guaranteedUse.getOrDefault(org, 0L);
            if (guarantee > 0 && used < guarantee) {
                return new FairShareKey(0, (double) used / guarantee, org);
            }
            double usage = share.decayedUsage() + allocated.getOrDefault(org, 0L) / (double) GpuShare.WHOLE;
            return new FairShareKey(share.grantActive() ? 1 : 2, usage / share.weight(), org);
        }

        private void consider(JobRequest job) {
            position++;
            OrgShare org = org(job.org());
            Optional<String> never = neverFits.computeIfAbsent(new Shape(job.nodes(), job.gpuMillis(), job.gpuType()),
                    shape -> Capacity.neverFits(snapshot.nodes(), job));
            if (never.isPresent()) {
                wait(job, PendingReason.GANG_NOT_SATISFIABLE, never.get(), Optional.empty());
                return;
            }
            if (fifoBlocked) {
                wait(job, PendingReason.BEHIND_HIGHER_PRIORITY, "waits behind the first job in the queue (FIFO)",
                        estimate(job));
                return;
            }
            boolean withinGuarantee = policy == Policy.FAIR_SHARE && org.grantActive()
                    && job.priority() != PriorityClass.PREEMPTIBLE
                    && guaranteedUse.getOrDefault(job.org(), 0L) + job.totalGpuMillis() <= org.guaranteedMillis();
            boolean borrowed = !withinGuarantee && (policy == Policy.FAIR_SHARE || !org.grantActive()
                    || job.priority() == PriorityClass.PREEMPTIBLE);
            BlockKey blockKey = new BlockKey(job.org(), job.nodes(), job.gpuMillis(), job.gpuType(), withinGuarantee,
                    job.priority() == PriorityClass.PREEMPTIBLE);
            Blocked known = blocked.get(blockKey);
            if (known != null && known.capacityVersion() == capacity.version() && known.heldVersion() == heldVersion
                    && known.reservation() == reservation && reservation != null) {
                wait(job, known.reason(), known.message(), estimate(job));
                return;
            }

            Optional<List<GpuShare>> placement = capacity.place(job, heldForPreemption);
            if (placement.isPresent() && reservation != null && conflicts(job, placement.get())) {
                Set<Long> avoid = new HashSet<>(heldForPreemption);
                avoid.addAll(reservation.gpus());
                placement = capacity.place(job, avoid);
                if (placement.isEmpty()) {
                    wait(job, PendingReason.BEHIND_HIGHER_PRIORITY, "would delay job " + reservation.jobId()
                            + ", reserved to start by " + reservation.start(), estimate(job));
                    return;
                }
            }
            if (placement.isPresent()) {
                start(job, placement.get(), borrowed);
                return;
            }
            if (withinGuarantee && reclaim(job)) {
                return;
            }
            if (policy == Policy.FIFO) {
                fifoBlocked = true;
            } else if (reservation == null && job.priority() != PriorityClass.PREEMPTIBLE && org.grantActive()) {
                reservation = reserve(job);
            }
            Optional<Instant> estimate = reservation != null && reservation.jobId().equals(job.id())
                    ? Optional.of(reservation.start()) : estimate(job);
            String demand = "needs " + Capacity.describe(job) + ", "
                    + formatGpus(capacity.freeMillis(job.gpuType().orElse(null))) + " free";
            PendingReason reason;
            String message;
            if (!org.grantActive()) {
                reason = PendingReason.GRANT_EXHAUSTED;
                message = "organisation " + job.org() + " has no active grant: its jobs run only as preemptible work"
                        + " on idle GPUs; " + demand;
            } else if (borrowed && policy == Policy.FAIR_SHARE) {
                reason = PendingReason.QUOTA_EXCEEDED_AND_NO_IDLE;
                message = "organisation " + job.org() + " is at its guarantee of " + org.guaranteedGpus()
                        + " GPUs and no idle GPUs can be borrowed; " + demand;
            } else {
                reason = PendingReason.WAITING_FOR_RESOURCES;
                message = demand;
            }
            String full = reason.name() + ": " + message;
            wait(job, reason, full, estimate);
            blocked.put(blockKey, new Blocked(capacity.version(), heldVersion, reservation, reason, full));
        }

        private final Map<String, OrgShare> orgCache = new HashMap<>();

        private OrgShare org(String org) {
            OrgShare share = orgCache.get(org);
            if (share == null) {
                share = snapshot.org(org);
                orgCache.put(org, share);
            }
            return share;
        }

        private void start(JobRequest job, List<GpuShare> allocation, boolean borrowed) {
            capacity.apply(allocation, -1);
            long millis = allocation.stream().mapToLong(GpuShare::millis).sum();
            allocated.merge(job.org(), millis, Long::sum);
            if (!borrowed) {
                guaranteedUse.merge(job.org(), millis, Long::sum);
            }
            estimator.started(job, allocation, now);
            starts.add(new Start(job.id(), allocation, borrowed));
        }

        /**
         * Frees GPUs for a job within its guarantee by preempting borrowed work: jobs already on their way out
         * count first, then victims that lose the least work. Returns false when even that would not fit it.
         */
        private boolean reclaim(JobRequest job) {
            String type = job.gpuType().orElse("*");
            if (job.totalGpuMillis() >= failedReclaim.getOrDefault(type, Long.MAX_VALUE)) {
                return false; // victims only become fewer within a cycle: a larger demand would fail too
            }
            if (victimOrder == null) {
                victimOrder = snapshot.running().stream()
                        .filter(RunningJob::borrowed)
                        .sorted(Comparator.<RunningJob, Boolean>comparing(running -> !alreadyPreempted.contains(running.id()))
                                .thenComparing(running -> running.priority() != PriorityClass.PREEMPTIBLE)
                                .thenComparing(running -> running.workAtRisk(now))
                                .thenComparing(RunningJob::startedAt, Comparator.reverseOrder())
                                .thenComparing(RunningJob::id))
                        .toList();
            }
            // Simulate on the cycle's own capacity and undo afterwards, rather than copying it per attempt.
            List<RunningJob> victims = new ArrayList<>();
            Optional<List<GpuShare>> placement = Optional.empty();
            for (RunningJob candidate : victimOrder) {
                if (claimedVictims.contains(candidate.id())) {
                    continue;
                }
                capacity.apply(candidate.allocation(), +1);
                victims.add(candidate);
                placement = capacity.place(job, heldForPreemption);
                if (placement.isPresent()) {
                    break;
                }
            }
            for (RunningJob victim : victims) {
                capacity.apply(victim.allocation(), -1);
            }
            if (placement.isPresent()) {
                for (GpuShare share : placement.get()) {
                    heldForPreemption.add(capacity.key(share.node(), share.index()));
                }
                heldVersion++;
                for (RunningJob victim : victims) {
                    claimedVictims.add(victim.id());
                    if (alreadyPreempted.add(victim.id())) {
                        preemptions.add(new Preempt(victim.id(), job.id(), "organisation " + job.org()
                                + " reclaims its guaranteed GPUs from borrowed job " + victim.id()));
                    }
                }
                wait(job, PendingReason.WAITING_FOR_PREEMPTION, "reclaiming guaranteed GPUs from borrowed job(s) "
                        + String.join(", ", victims.stream().map(RunningJob::id).toList())
                        + "; starts when they have checkpointed and stopped", Optional.empty());
                return true;
            }
            failedReclaim.merge(type, job.totalGpuMillis(), Math::min);
            return false;
        }

        /** The earliest time the job fits once running jobs end at their time limits, and the GPUs it would use. */
        private Reservation reserve(JobRequest job) {
            // Release running jobs in end order on the cycle's capacity until the job fits, then undo.
            List<ReleaseEstimator.Release> releases = estimator.releasesInOrder();
            Reservation found = null;
            int released = 0;
            for (ReleaseEstimator.Release release : releases) {
                capacity.apply(release.allocation(), +1);
                released++;
                if (!capacity.mayFit(job)) {
                    continue;
                }
                Optional<List<GpuShare>> placement = capacity.place(job, heldForPreemption);
                if (placement.isPresent()) {
                    Set<Long> gpus = new HashSet<>();
                    placement.get().forEach(share -> gpus.add(capacity.key(share.node(), share.index())));
                    found = new Reservation(job.id(), release.at(), gpus);
                    break;
                }
            }
            for (int i = 0; i < released; i++) {
                capacity.apply(releases.get(i).allocation(), -1);
            }
            return found;
        }

        /** A placement conflicts with the reservation if it uses reserved GPUs past the reserved start. */
        private boolean conflicts(JobRequest job, List<GpuShare> placement) {
            if (!now.plus(job.timeLimit()).isAfter(reservation.start())) {
                return false;
            }
            return placement.stream().anyMatch(share -> reservation.gpus().contains(capacity.key(share.node(), share.index())));
        }

        private Optional<Instant> estimate(JobRequest job) {
            return estimator.estimate(job, capacity.freeMillis(job.gpuType().orElse(null)));
        }

        private void wait(JobRequest job, PendingReason reason, String message, Optional<Instant> estimate) {
            pending.add(new Pending(job.id(), reason, message.startsWith(reason.name()) ? message
                    : reason.name() + ": " + message, position, estimate));
        }
    }

    private record FairShareKey(int tier, double score, String org) implements Comparable<FairShareKey> {
        @Override
        public int compareTo(FairShareKey other) {
            int byTier = Integer.compare(tier, other.tier);
            if (byTier != 0) {
                return byTier;
            }
            int byScore = Double.compare(score, other.score);
            return byScore != 0 ? byScore : org.compareTo(other.org);
        }
    }

    private record Reservation(String jobId, Instant start, Set<Long> gpus) {
    }

    private record BlockKey(String org, int nodes, int gpuMillis, Optional<String> gpuType, boolean withinGuarantee,
                            boolean preemptible) {
    }

    private record Blocked(long capacityVersion, long heldVersion, Reservation reservation, PendingReason reason,
                           String message) {
    }

    /** What decides whether a job can ever fit the cluster. */
    private record Shape(int nodes, int gpuMillis, Optional<String> gpuType) {
    }

    private record Ranked(FairShareKey key) implements Comparable<Ranked> {
        @Override
        public int compareTo(Ranked other) {
            return key.compareTo(other.key);
        }
    }

    /**
     * A pending job with its ordering computed once: {@code rank} packs the priority class above the predicted
     * GPU-time in tenths of a second (capped at 2^52, about 14,000 GPU-years).
     */
    private record Queued(JobRequest job, long rank, long submitOrder, String id) {
        private static final long GPU_TIME_CAP = (1L << 52) - 1;

        Queued(JobRequest job) {
            this(job, ((long) job.priority().ordinal() << 52)
                    | Math.min(GPU_TIME_CAP, Math.round(predictedGpuSeconds(job) * 10)), job.submitOrder(), job.id());
        }
    }

    /** GPU-time the job is expected to take: the learned prediction where there is one, else its time limit. */
    static double predictedGpuSeconds(JobRequest job) {
        Duration runtime = job.predictedRuntime().orElse(job.timeLimit());
        return runtime.toSeconds() * Math.max(job.totalGpuMillis(), 1) / (double) GpuShare.WHOLE;
    }

    static String formatGpus(long millis) {
        return millis % GpuShare.WHOLE == 0 ? Long.toString(millis / GpuShare.WHOLE)
                : String.format(java.util.Locale.ROOT, "%.3f", millis / (double) GpuShare.WHOLE);
    }
}
