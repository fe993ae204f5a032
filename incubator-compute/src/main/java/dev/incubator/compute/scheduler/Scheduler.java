package dev.incubator.compute.scheduler;

import static java.util.Objects.requireNonNull;

import dev.incubator.compute.PriorityClass;
import dev.incubator.compute.scheduler.Decisions.Pending;
import dev.incubator.compute.scheduler.Decisions.Preempt;
import dev.incubator.compute.scheduler.Decisions.Start;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
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

    /**
     * The layout of the last node list seen: rebuilt only when a snapshot brings a different list (callers that
     * keep the same immutable list between cycles, as the simulator does, save rebuilding it every cycle).
     */
    private volatile Capacity.Layout layout;

    private Capacity.Layout layout(List<Node> nodes) {
        Capacity.Layout known = layout;
        if (known == null || known.source != nodes) {
            known = new Capacity.Layout(nodes);
            layout = known;
        }
        return known;
    }

    /**
     * Capacity after the running jobs of the last cycle, with those jobs (by identity) and their GPU thousandths.
     * A caller that passes the same {@link RunningJob} objects again (the simulator does) has only the jobs that
     * started or ended since applied, instead of every running job.
     */
    private record Baseline(Capacity.Layout layout, Capacity capacity, IdentityHashMap<RunningJob, Long> millis) {
    }

    private volatile Baseline baseline;

    /** The capacity left by these running jobs on the layout's nodes, and each job's thousandths of GPUs. */
    private synchronized Baseline baseline(Capacity.Layout layout, List<RunningJob> running) {
        Baseline previous = baseline;
        Capacity capacity;
        IdentityHashMap<RunningJob, Long> millis = new IdentityHashMap<>(running.size() * 2);
        int kept = 0;
        if (previous != null && previous.layout() == layout) {
            for (RunningJob job : running) {
                if (previous.millis().containsKey(job)) {
                    kept++;
                }
            }
        }
        // Diffing pays when most running jobs are the same objects as last time; otherwise start afresh.
        if (previous != null && previous.layout() == layout && kept * 2 >= running.size() && kept > 0) {
            capacity = previous.capacity().copy();
            for (RunningJob job : running) {
                Long known = previous.millis().get(job);
                millis.put(job, known != null ? known : capacity.apply(job.claim(), -1));
            }
            for (Map.Entry<RunningJob, Long> gone : previous.millis().entrySet()) {
                if (!millis.containsKey(gone.getKey())) {
                    capacity.apply(gone.getKey().claim(), +1);
                }
            }
        } else {
            capacity = new Capacity(layout);
            for (RunningJob job : running) {
                millis.put(job, capacity.apply(job.claim(), -1));
            }
        }
        Baseline next = new Baseline(layout, capacity, millis);
        baseline = next;
        return next;
    }

    public Decisions schedule(Snapshot snapshot) {
        return new Cycle(snapshot).run();
    }

    /** The working state of one cycle. */
    private final class Cycle {
        private final Snapshot snapshot;
        private final Instant now;
        private final Capacity capacity;
        /** Pending jobs in queue order (submit order, then id); jobs are referred to by index into it. */
        private List<JobRequest> jobs;
        private final ShapeInfo[] shapeOf;
        private final OrgState[] orgOf;
        private final String[] idOf;
        private final long[] queueKeyOf;
        private final Map<String, OrgState> orgs = new HashMap<>();
        private final List<Start> starts = new ArrayList<>();
        private final List<Preempt> preemptions = new ArrayList<>();
        private final List<Pending> pending;
        private final Set<String> alreadyPreempted = new HashSet<>();
        private Reservation reservation;
        private boolean fifoBlocked;
        private int position;
        private final ReleaseEstimator estimator;
        /** Borrowed running jobs in victim order, computed once per cycle. */
        private List<Victim> victimOrder;
        /** Per victim in that order: whether its GPUs are already promised to a job this cycle. */
        private boolean[] claimed;
        private int firstUnclaimed;
        /** Per GPU type: the smallest demand a reclaim already failed to satisfy this cycle. */
        private final Map<String, Long> failedReclaim = new HashMap<>();

        private IdentityHashMap<RunningJob, Long> millisOfRunning;

        /** A copy of the baseline for this cycle's own changes (starts, holds, what-ifs). */
        private Capacity capacityAfter(Capacity.Layout layout, List<RunningJob> running) {
            Baseline base = baseline(layout, running);
            millisOfRunning = base.millis();
            return base.capacity().copy();
        }

        Cycle(Snapshot snapshot) {
            this.snapshot = snapshot;
            this.now = snapshot.now();
            List<RunningJob> runningJobs = snapshot.running();
            this.capacity = capacityAfter(layout(snapshot.nodes()), runningJobs);
            long[] millisOf = new long[runningJobs.size()];
            OrgState last = null;
            for (int r = 0; r < runningJobs.size(); r++) {
                RunningJob job = runningJobs.get(r);
                long millis = millisOfRunning.get(job);
                millisOf[r] = millis;
                // Consecutive jobs of one organisation (common in the service's order) skip the lookup.
                OrgState org = last != null && last.share.org().equals(job.org()) ? last : org(job.org());
                last = org;
                org.allocated += millis;
                if (!job.borrowed()) {
                    org.guaranteedUse += millis;
                }
                if (job.terminating()) {
                    alreadyPreempted.add(job.id());
                }
            }
            this.estimator = new ReleaseEstimator(runningJobs, millisOf, now);
            List<JobRequest> queued = snapshot.pending();
            if (queued.size() > INDEX_MASK) {
                throw new IllegalArgumentException("a cycle schedules at most " + INDEX_MASK + " pending jobs");
            }
            this.shapeOf = new ShapeInfo[queued.size()];
            this.orgOf = new OrgState[queued.size()];
            this.idOf = new String[queued.size()];
            this.queueKeyOf = new long[queued.size()];
            this.pending = new ArrayList<>(queued.size());
            // One sequential pass over the jobs, which also checks that they come in queue order (the service and
            // the simulator keep them so); later passes, in scheduling order, read these arrays instead.
            if (!index(queued)) {
                queued = queued.stream().sorted(QUEUE_ORDER).toList();
                orgs.values().forEach(org -> org.queued = 0);
                index(queued);
            }
            this.jobs = queued;
        }

        /** Fills the per-job arrays; false, leaving them partly filled, when the jobs are not in queue order. */
        private boolean index(List<JobRequest> queued) {
            ShapeTable shapes = new ShapeTable();
            JobRequest previous = null;
            for (int i = 0; i < queued.size(); i++) {
                JobRequest job = queued.get(i);
                if (previous != null && QUEUE_ORDER.compare(previous, job) > 0) {
                    return false;
                }
                previous = job;
                OrgState org = org(job.org());
                org.queued++;
                if (job.reclaiming()) {
                    org.reclaiming++;
                }
                orgOf[i] = org;
                idOf[i] = job.id();
                queueKeyOf[i] = queueKey(job, i);
                shapeOf[i] = shapes.shapeOf(job);
            }
            return true;
        }

        Decisions run() {
            // 1. Order the pending jobs: by organisation fair share (or submit order), then within each.
            // 2. For each job in that order: place it (gang, best fit, topology), honouring the reservation.
            // 3. A blocked job below its organisation's guarantee reclaims borrowed GPUs by preemption.
            // 4. The first other blocked job gets a reservation; later jobs backfill around it.
            // 5. Every job left waiting gets its reason, position and an estimated start.
            if (policy == Policy.FAIR_SHARE) {
                runFairShare();
            } else if (policy == Policy.SHORTEST_FIRST) {
                long[] order = queueKeyOf.clone();
                Arrays.sort(order);
                for (long queueKey : order) {
                    int index = (int) (queueKey & INDEX_MASK);
                    consider(index, queueKey, orgOf[index]);
                }
            } else {
                for (int i = 0; i < jobs.size(); i++) {
                    consider(i, queueKeyOf[i], orgOf[i]);
                }
            }
            return new Decisions(starts, preemptions, pending);
        }

        private void runFairShare() {
            // Within an organisation: priority class, then predicted GPU-time (shortest first), then queue order;
            // packed into one long per job so that each queue is a primitive sort.
            for (OrgState org : orgs.values()) {
                org.queue = new long[org.queued];
            }
            for (int i = 0; i < jobs.size(); i++) {
                OrgState org = orgOf[i];
                org.queue[org.next++] = queueKeyOf[i];
            }
            PriorityQueue<Ranked> ranking = new PriorityQueue<>();
            for (OrgState org : orgs.values()) {
                if (org.queued > 0) {
                    Arrays.sort(org.queue);
                    org.next = 0;
                    ranking.add(new Ranked(fairShareKey(org), org));
                }
            }
            // An organisation's key changes only when its own jobs start, so it is recomputed only then; while it
            // stays the lowest, its next jobs are taken without going back through the priority queue.
            while (!ranking.isEmpty()) {
                Ranked ranked = ranking.poll();
                OrgState org = ranked.org();
                FairShareKey key = ranked.key();
                while (true) {
                    int startsBefore = org.starts;
                    long queueKey = org.queue[org.next++];
                    boolean claimed = queueKey >>> 61 == 0;
                    if (claimed) {
                        org.reclaiming--;
                    }
                    consider((int) (queueKey & INDEX_MASK), queueKey, org);
                    if (org.next == org.queue.length) {
                        break;
                    }
                    if (org.starts == startsBefore && !claimed) {
                        continue;
                    }
                    FairShareKey next = fairShareKey(org);
                    Ranked competitor = ranking.peek();
                    if (!next.equals(key) || (competitor != null && competitor.key().compareTo(next) < 0)) {
                        ranking.add(new Ranked(next, org));
                        break;
                    }
                }
            }
        }

        /**
         * Lower is served first: organisations whose next job starts within their guarantee, least satisfied
         * first; then organisations with a grant by decayed usage per weight; then those without a grant. An
         * organisation below its guarantee whose next job would borrow (it asks for more than the guarantee has
         * left) competes as a borrower: GPUs freed while another organisation's job waits within its guarantee go
         * to that job, not to a stream of borrowed ones that each end before a reclaim could see them.
         */
        private FairShareKey fairShareKey(OrgState org) {
            OrgShare share = org.share;
            long guarantee = share.guaranteedMillis();
            if (org.reclaiming > 0) {
                return new FairShareKey(-1, (double) org.guaranteedUse / Math.max(1, guarantee), share.org());
            }
            if (guarantee > 0 && org.guaranteedUse < guarantee && nextWithinGuarantee(org)) {
                return new FairShareKey(0, (double) org.guaranteedUse / guarantee, share.org());
            }
            double usage = share.decayedUsage() + org.allocated / (double) GpuShare.WHOLE;
            return new FairShareKey(share.grantActive() ? 1 : 2, usage / share.weight(), share.org());
        }

        /** Whether the organisation's next job in its own order would start within its guarantee. */
        private boolean nextWithinGuarantee(OrgState org) {
            if (org.next >= org.queue.length || !org.share.grantActive()) {
                return false;
            }
            long queueKey = org.queue[org.next];
            boolean preemptible = (queueKey >>> 61) == PriorityClass.PREEMPTIBLE.ordinal() + 1;
            ShapeInfo shape = shapeOf[(int) (queueKey & INDEX_MASK)];
            return !preemptible && org.guaranteedUse + shape.totalMillis <= org.share.guaranteedMillis();
        }

        /** Decides one job; {@code queueKey} and {@code org} are the job's own, passed in to save lookups. */
        private void consider(int index, long queueKey, OrgState org) {
            position++;
            ShapeInfo shape = shapeOf[index];
            if (shape.never.isPresent()) {
                wait(index, PendingReason.GANG_NOT_SATISFIABLE, shape.never.get(), Optional.empty());
                return;
            }
            if (fifoBlocked) {
                wait(index, PendingReason.BEHIND_HIGHER_PRIORITY, "waits behind the first job in the queue (FIFO)",
                        estimate(shape));
                return;
            }
            OrgShare share = org.share;
            boolean preemptible = (queueKey >>> 61) == PriorityClass.PREEMPTIBLE.ordinal() + 1;
            boolean withinGuarantee = policy == Policy.FAIR_SHARE && share.grantActive() && !preemptible
                    && org.guaranteedUse + shape.totalMillis <= share.guaranteedMillis();
            boolean borrowed = !withinGuarantee && (policy == Policy.FAIR_SHARE || !share.grantActive() || preemptible);
            int blockIndex = shape.id * 4 + (withinGuarantee ? 2 : 0) + (preemptible ? 1 : 0);
            Blocked known = org.blocked(blockIndex);
            if (known != null && known.reservation() == reservation && reservation != null) {
                // Free capacity only shrinks within a cycle, so a job that did not fit still does not: only the
                // words (how many GPUs are free) may have changed since.
                if (known.capacityVersion() != capacity.version()) {
                    known = blocked(known.reason(), org, shape);
                    org.remember(blockIndex, known);
                }
                pending.add(new Pending(idOf[index], known.reason(), known.message(), position, estimate(shape)));
                return;
            }

            // Placement depends on the shape alone; the job itself is read only when it may start.
            Optional<List<GpuShare>> placement = shape.placementFailed ? Optional.empty() : shape.place(Set.of());
            shape.placementFailed = placement.isEmpty();
            // A job within its guarantee is not held back for a reservation that is not itself a guarantee: the
            // guarantee comes first, the reserved job's start moves back.
            boolean reservationBinds = reservation != null && (!withinGuarantee || reservation.withinGuarantee());
            if (placement.isPresent() && reservationBinds && conflicts(jobs.get(index), placement.get())) {
                placement = shape.place(reservation.gpus());
                // Within its guarantee, a job that may not take the reserved GPUs reclaims borrowed ones elsewhere.
                if (placement.isEmpty() && withinGuarantee && reclaim(index, reservation.gpus())) {
                    return;
                }
                if (placement.isEmpty()) {
                    wait(index, PendingReason.BEHIND_HIGHER_PRIORITY, "would delay job " + reservation.jobId()
                            + ", reserved to start by " + reservation.start(), estimate(shape));
                    return;
                }
            }
            if (placement.isPresent()) {
                start(jobs.get(index), org, placement.get(), borrowed);
                return;
            }
            if (withinGuarantee && reclaim(index, Set.of())) {
                return;
            }
            if (policy == Policy.FIFO) {
                fifoBlocked = true;
            } else if (reservation == null && !preemptible && share.grantActive() && policy != Policy.SHORTEST_FIRST) {
                reservation = reserve(index, withinGuarantee);
            }
            Optional<Instant> estimate = reservation != null && reservation.index() == index
                    ? Optional.of(reservation.start()) : estimate(shape);
            PendingReason reason;
            if (!share.grantActive()) {
                reason = PendingReason.GRANT_EXHAUSTED;
            } else if (borrowed && policy == Policy.FAIR_SHARE) {
                reason = PendingReason.QUOTA_EXCEEDED_AND_NO_IDLE;
            } else {
                reason = PendingReason.WAITING_FOR_RESOURCES;
            }
            Blocked outcome = blocked(reason, org, shape);
            wait(index, reason, outcome.message(), estimate);
            org.remember(blockIndex, outcome);
        }

        /** Why a job of this shape and organisation waits, in words, at the current capacity. */
        private Blocked blocked(PendingReason reason, OrgState org, ShapeInfo shape) {
            // Both halves are built once (per organisation and reason; per shape and capacity): one join per outcome.
            return new Blocked(capacity.version(), reservation, reason, org.prefix(reason) + shape.demand());
        }

        private OrgState org(String org) {
            OrgState state = orgs.get(org);
            if (state == null) {
                state = new OrgState(snapshot.org(org));
                orgs.put(org, state);
            }
            return state;
        }

        private void start(JobRequest job, OrgState org, List<GpuShare> allocation, boolean borrowed) {
            List<String> hosts = job.gpuMillis() == 0 ? capacity.hostsFor(job).orElseThrow() : Claim.hostsOf(allocation);
            Claim claim = Claim.of(allocation, hosts, job);
            capacity.apply(claim, -1);
            long millis = allocation.stream().mapToLong(GpuShare::millis).sum();
            org.allocated += millis;
            if (!borrowed) {
                org.guaranteedUse += millis;
            }
            org.starts++;
            estimator.started(job, claim, now);
            starts.add(new Start(job.id(), allocation, hosts, borrowed));
        }

        /**
         * Job shapes (nodes, GPUs per node, GPU type) to their {@link ShapeInfo}: open addressing without a key
         * object, since it is consulted once per pending job.
         */
        private final class ShapeTable {
            private long[] sizes = new long[64];
            private long[] hostKeys = new long[64];
            private String[] types = new String[64];
            private ShapeInfo[] infos = new ShapeInfo[64];
            private int count;

            ShapeInfo shapeOf(JobRequest job) {
                long size = ((long) job.nodes() << 32) | job.gpuMillis();
                long host = ((long) job.cpus() << 40) ^ job.memoryMib();
                String type = job.gpuType().orElse(null);
                int mask = infos.length - 1;
                int slot = (Long.hashCode((size ^ host * 31) * 0x9E3779B97F4A7C15L)
                        ^ (type == null ? 0 : type.hashCode())) & mask;
                while (infos[slot] != null) {
                    if (sizes[slot] == size && hostKeys[slot] == host && java.util.Objects.equals(types[slot], type)) {
                        return infos[slot];
                    }
                    slot = (slot + 1) & mask;
                }
                ShapeInfo info = new ShapeInfo(count++, job);
                sizes[slot] = size;
                hostKeys[slot] = host;
                types[slot] = type;
                infos[slot] = info;
                if (count * 2 > infos.length) {
                    grow();
                }
                return info;
            }

            private void grow() {
                long[] oldSizes = sizes;
                long[] oldHostKeys = hostKeys;
                String[] oldTypes = types;
                ShapeInfo[] oldInfos = infos;
                sizes = new long[oldSizes.length * 2];
                hostKeys = new long[oldSizes.length * 2];
                types = new String[oldSizes.length * 2];
                infos = new ShapeInfo[oldSizes.length * 2];
                int mask = infos.length - 1;
                for (int i = 0; i < oldInfos.length; i++) {
                    if (oldInfos[i] != null) {
                        int slot = (Long.hashCode((oldSizes[i] ^ oldHostKeys[i] * 31) * 0x9E3779B97F4A7C15L)
                                ^ (oldTypes[i] == null ? 0 : oldTypes[i].hashCode())) & mask;
                        while (infos[slot] != null) {
                            slot = (slot + 1) & mask;
                        }
                        sizes[slot] = oldSizes[i];
                        hostKeys[slot] = oldHostKeys[i];
                        types[slot] = oldTypes[i];
                        infos[slot] = oldInfos[i];
                    }
                }
            }
        }

        /** What fits the cluster for one job shape, and its estimated start while capacity is unchanged. */
        private final class ShapeInfo {
            final int id;
            final JobRequest example;
            final List<JobRequest> variants;
            final int typeIndex;
            final long totalMillis;
            final Optional<String> never;
            private final String needs;
            private long demandAtVersion = -1;
            private String demand;
            /** Whether a job of this shape already failed to fit: it cannot fit later in the cycle either. */
            boolean placementFailed;
            private long estimatedAtVersion = -1;
            private Optional<Instant> estimate;

            ShapeInfo(int id, JobRequest job) {
                this.id = id;
                // GPU-type alternatives: the variants (one per type) that could ever fit, in the order stated;
                // estimates, words and reclaims use the first of them.
                List<JobRequest> choices = job.gpuTypeChoices().size() == 1 ? List.of(job)
                        : job.gpuTypeChoices().stream().map(job::onGpuType).toList();
                List<JobRequest> possible = choices.stream().filter(variant -> capacity.neverFits(variant).isEmpty())
                        .toList();
                this.variants = possible.isEmpty() ? List.of(choices.get(0)) : possible;
                this.example = variants.get(0);
                this.typeIndex = capacity.typeIndex(example.gpuType().orElse(null));
                this.totalMillis = example.totalGpuMillis();
                this.never = possible.isEmpty() ? capacity.neverFits(choices.size() == 1 ? job : choices.get(0))
                        .map(reason -> choices.size() == 1 ? reason : reason + " (nor any of " + job.gpuType().get()
                                + ")") : Optional.empty();
                this.needs = "needs " + Capacity.describe(job) + ", ";
            }

            /** A placement on the first of the shape's GPU types that has room, avoiding {@code excluded}. */
            Optional<List<GpuShare>> place(Set<Long> excluded) {
                for (JobRequest variant : variants) {
                    Optional<List<GpuShare>> placement = capacity.place(variant, excluded);
                    if (placement.isPresent()) {
                        return placement;
                    }
                }
                return Optional.empty();
            }

            /** What the shape needs and what is free, at the current capacity. */
            String demand() {
                if (demandAtVersion != capacity.version()) {
                    demand = needs + formatGpus(capacity.freeMillisOf(typeIndex)) + " free"
                            + capacity.hostShortage(example).map(shortage -> "; " + shortage).orElse("");
                    demandAtVersion = capacity.version();
                }
                return demand;
            }
        }

        private Optional<Instant> estimate(ShapeInfo shape) {
            if (shape.estimatedAtVersion != capacity.version()) {
                shape.estimate = estimator.estimate(shape.example, capacity.freeMillisOf(shape.typeIndex));
                shape.estimatedAtVersion = capacity.version();
            }
            return shape.estimate;
        }

        /**
         * Frees GPUs for a job within its guarantee by preempting borrowed work: jobs already on their way out
         * count first, then victims that lose the least work. Returns false when even that would not fit it.
         */
        private boolean reclaim(int index, Set<Long> avoid) {
            JobRequest job = shapeOf[index].example;
            String jobId = idOf[index];
            String orgName = orgOf[index].share.org();
            String type = job.gpuType().orElse("*");
            if (avoid.isEmpty() && job.totalGpuMillis() >= failedReclaim.getOrDefault(type, Long.MAX_VALUE)) {
                return false; // victims only become fewer within a cycle: a larger demand would fail too
            }
            if (victimOrder == null) {
                // Jobs already on their way out first, then the preemptible class, least work at risk, latest start.
                victimOrder = snapshot.running().stream()
                        .filter(RunningJob::borrowed)
                        .map(running -> new Victim(running, !alreadyPreempted.contains(running.id()),
                                running.priority() != PriorityClass.PREEMPTIBLE, running.workAtRisk(now).toMillis(),
                                capacity.typeMask(running.allocation())))
                        .sorted(Comparator.comparing(Victim::stillRunning)
                                .thenComparing(Victim::protectedClass)
                                .thenComparingLong(Victim::atRiskMillis)
                                .thenComparing(victim -> victim.job().startedAt(), Comparator.reverseOrder())
                                .thenComparing(victim -> victim.job().id()))
                        .toList();
                claimed = new boolean[victimOrder.size()];
            }
            // Simulate on the cycle's own capacity and undo afterwards, rather than copying it per attempt. Only
            // victims holding GPUs of the job's type can help it.
            long typeBit = capacity.typeBit(shapeOf[index].typeIndex);
            List<Integer> tried = new ArrayList<>();
            Optional<List<GpuShare>> placement = Optional.empty();
            while (firstUnclaimed < claimed.length && claimed[firstUnclaimed]) {
                firstUnclaimed++;
            }
            for (int v = firstUnclaimed; v < victimOrder.size(); v++) {
                if (claimed[v] || (victimOrder.get(v).typeMask() & typeBit) == 0) {
                    continue;
                }
                RunningJob candidate = victimOrder.get(v).job();
                capacity.apply(candidate.claim(), +1);
                tried.add(v);
                placement = capacity.place(job, avoid);
                if (placement.isPresent()) {
                    break;
                }
            }
            for (int v : tried) {
                capacity.apply(victimOrder.get(v).job().claim(), -1);
            }
            if (placement.isPresent()) {
                // Victims whose GPUs the placement does not use need not stop.
                Set<Long> used = new HashSet<>();
                for (GpuShare share : placement.get()) {
                    used.add(capacity.key(share.node(), share.index()));
                    capacity.hold(share.node(), share.index());
                }
                List<String> victims = new ArrayList<>();
                List<String> hosts = Claim.hostsOf(placement.get());
                for (int v : tried) {
                    RunningJob victim = victimOrder.get(v).job();
                    // A victim on one of the job's hosts may be what frees the CPUs or memory the job needs.
                    boolean freesHost = (job.cpus() > 0 || job.memoryMib() > 0) && victim.claim().claimsHostResources()
                            && victim.claim().hosts().stream().anyMatch(hosts::contains);
                    if (!freesHost && victim.allocation().stream()
                            .noneMatch(share -> used.contains(capacity.key(share.node(), share.index())))) {
                        continue;
                    }
                    claimed[v] = true;
                    victims.add(victim.id());
                    if (alreadyPreempted.add(victim.id())) {
                        preemptions.add(new Preempt(victim.id(), jobId, "organisation " + orgName
                                + " reclaims its guaranteed GPUs from borrowed job " + victim.id()));
                    }
                }
                wait(index, PendingReason.WAITING_FOR_PREEMPTION, "reclaiming guaranteed GPUs from borrowed job(s) "
                        + String.join(", ", victims) + "; starts when they have checkpointed and stopped",
                        Optional.empty());
                return true;
            }
            if (avoid.isEmpty()) {
                failedReclaim.merge(type, job.totalGpuMillis(), Math::min);
            }
            return false;
        }

        /** The earliest time the job fits once running jobs end at their time limits, and the GPUs it would use. */
        private Reservation reserve(int index, boolean withinGuarantee) {
            ShapeInfo shape = shapeOf[index];
            // Release running jobs in end order on the cycle's capacity until the job fits (on any of its GPU
            // types), then undo.
            List<ReleaseEstimator.Release> releases = estimator.releasesInOrder();
            Reservation found = null;
            int released = 0;
            for (ReleaseEstimator.Release release : releases) {
                capacity.apply(release.claim(), +1);
                released++;
                if (shape.variants.stream().noneMatch(capacity::mayFit)) {
                    continue;
                }
                Optional<List<GpuShare>> placement = shape.place(Set.of());
                if (placement.isPresent()) {
                    Set<Long> gpus = new HashSet<>();
                    placement.get().forEach(share -> gpus.add(capacity.key(share.node(), share.index())));
                    found = new Reservation(index, idOf[index], release.at(), gpus, withinGuarantee);
                    break;
                }
            }
            for (int i = 0; i < released; i++) {
                capacity.apply(releases.get(i).claim(), -1);
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

        private void wait(int index, PendingReason reason, String message, Optional<Instant> estimate) {
            pending.add(new Pending(idOf[index], reason, message.startsWith(reason.name()) ? message
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

    /** A borrowed running job with its victim-order keys computed once. */
    private record Victim(RunningJob job, boolean stillRunning, boolean protectedClass, long atRiskMillis,
                          long typeMask) {
    }

    /** {@code index}: the reserving job's index in the cycle's queue order. */
    private record Reservation(int index, String jobId, Instant start, Set<Long> gpus, boolean withinGuarantee) {
    }

    private record Blocked(long capacityVersion, Reservation reservation, PendingReason reason,
                           String message) {
    }

    /** What decides whether a job can ever fit the cluster. */
    private record Ranked(FairShareKey key, OrgState org) implements Comparable<Ranked> {
        @Override
        public int compareTo(Ranked other) {
            return key.compareTo(other.key);
        }
    }

    /** Bits of a queue key that hold the job's index in the cycle's queue order. */
    private static final long INDEX_MASK = (1L << 28) - 1;
    private static final long GPU_SECONDS_CAP = (1L << 33) - 1;

    /**
     * A pending job's place within its organisation, as one long: 0 for a job with a reclaim under way, else the
     * priority class plus one (bits 61-62), then the predicted GPU-time in whole seconds (bits 28-60, capped at
     * about 270 GPU-years), then the job's index in queue order (bits 0-27), which breaks ties by submit order.
     */
    private static long queueKey(JobRequest job, int index) {
        if (job.reclaiming() && job.priority() != PriorityClass.PREEMPTIBLE) {
            return index; // before every other job of its organisation
        }
        long gpuSeconds = Math.min(GPU_SECONDS_CAP, Math.round(predictedGpuSeconds(job)));
        return ((long) (job.priority().ordinal() + 1) << 61) | (gpuSeconds << 28) | index;
    }

    /** Queue order: submit order (kept by preempted jobs), then id. */
    private static final Comparator<JobRequest> QUEUE_ORDER = (left, right) -> {
        int bySubmit = Long.compare(left.submitOrder(), right.submitOrder());
        return bySubmit != 0 ? bySubmit : left.id().compareTo(right.id());
    };

    /** Per-organisation working state of one cycle. */
    private static final class OrgState {
        final OrgShare share;
        long guaranteedUse;
        long allocated;
        /** Queued jobs with a reclaim under way not yet considered this cycle. */
        int reclaiming;
        int starts;
        int queued;
        long[] queue;
        int next;
        /**
         * Outcomes of jobs that could not be placed, by shape and guarantee standing, valid while capacity, held
         * GPUs and reservation are unchanged: the next such job fails the same way, with the same words, so it
         * is not placed again. Most of a long queue is decided through this.
         */
        private Blocked[] blocked = new Blocked[0];

        private final String[] prefixes = new String[PendingReason.values().length];

        OrgState(OrgShare share) {
            this.share = share;
        }

        /** The start of a blocked job's message: the reason code and what it means for this organisation. */
        String prefix(PendingReason reason) {
            String prefix = prefixes[reason.ordinal()];
            if (prefix == null) {
                prefix = reason.name() + ": " + switch (reason) {
                    case GRANT_EXHAUSTED -> "organisation " + share.org() + " has no active grant: its jobs run only"
                            + " as preemptible work on idle GPUs; ";
                    case QUOTA_EXCEEDED_AND_NO_IDLE -> "organisation " + share.org() + " is at its guarantee of "
                            + share.guaranteedGpus() + " GPUs and no idle GPUs can be borrowed; ";
                    default -> "";
                };
                prefixes[reason.ordinal()] = prefix;
            }
            return prefix;
        }

        Blocked blocked(int index) {
            return index < blocked.length ? blocked[index] : null;
        }

        void remember(int index, Blocked outcome) {
            if (index >= blocked.length) {
                blocked = Arrays.copyOf(blocked, Math.max(16, index + 1 + index / 2));
            }
            blocked[index] = outcome;
        }
    }

    /** GPU-time the job is expected to take: the learned prediction where there is one, else its time limit. */
    static double predictedGpuSeconds(JobRequest job) {
        Duration runtime = job.predictedRuntime().orElse(job.timeLimit());
        return runtime.toSeconds() * Math.max(job.totalGpuMillis(), 1) / (double) GpuShare.WHOLE;
    }

    static String formatGpus(long millis) {
        long whole = millis / GpuShare.WHOLE;
        long part = Math.abs(millis % GpuShare.WHOLE);
        if (part == 0) {
            return Long.toString(whole);
        }
        String sign = millis < 0 && whole == 0 ? "-" : "";
        return sign + whole + "." + (part < 10 ? "00" : part < 100 ? "0" : "") + part;
    }
}
