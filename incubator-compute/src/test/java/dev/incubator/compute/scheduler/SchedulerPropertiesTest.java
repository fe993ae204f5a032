package dev.incubator.compute.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incubator.compute.PriorityClass;
import dev.incubator.compute.scheduler.Decisions.Preempt;
import dev.incubator.compute.scheduler.Decisions.Start;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Invariants checked over many seeded random clusters, loads and queues, for every policy. */
class SchedulerPropertiesTest {
    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
    private static final List<String> TYPES = List.of("a100", "h100");

    @Test
    void noGpuIsOvercommittedAndEveryJobGetsOneDecision() {
        for (long seed = 1; seed <= 300; seed++) {
            Snapshot snapshot = randomSnapshot(new Random(seed));
            for (Policy policy : Policy.values()) {
                Decisions decisions = new Scheduler(policy).schedule(snapshot);
                String context = "seed " + seed + ", " + policy;
                assertEveryJobDecidedOnce(snapshot, decisions, context);
                assertNoOvercommit(snapshot, decisions, context);
                assertStartsMatchTheirRequests(snapshot, decisions, context);
                assertOnlyBorrowedWorkIsPreempted(snapshot, decisions, context);
                assertThat(new Scheduler(policy).schedule(snapshot)).as(context + " deterministic").isEqualTo(decisions);
            }
        }
    }

    @Test
    void theOrderInWhichPendingJobsArriveDoesNotChangeTheDecisions() {
        for (long seed = 1; seed <= 100; seed++) {
            Snapshot snapshot = randomSnapshot(new Random(seed));
            List<JobRequest> shuffled = new ArrayList<>(snapshot.pending());
            java.util.Collections.shuffle(shuffled, new Random(seed));
            Snapshot reordered = new Snapshot(snapshot.now(), snapshot.nodes(), snapshot.running(), shuffled,
                    snapshot.orgs());
            for (Policy policy : Policy.values()) {
                assertThat(new Scheduler(policy).schedule(reordered)).as("seed " + seed + ", " + policy)
                        .isEqualTo(new Scheduler(policy).schedule(snapshot));
            }
        }
    }

    @Test
    void aBlockedGuaranteeGetsItsGpusWithinOneCyclePlusTheGracePeriod() {
        for (long seed = 1; seed <= 200; seed++) {
            Random random = new Random(seed);
            int nodeCount = 1 + random.nextInt(4);
            int gpusPerNode = 2 + random.nextInt(7);
            List<Node> nodes = nodes(nodeCount, gpusPerNode, "a100");
            // The cluster is full of borrowed work from other organisations.
            List<RunningJob> running = new ArrayList<>();
            for (Node node : nodes) {
                int gpu = 0;
                while (gpu < gpusPerNode) {
                    int size = Math.min(gpusPerNode - gpu, 1 + random.nextInt(3));
                    List<GpuShare> shares = new ArrayList<>();
                    for (int i = 0; i < size; i++) {
                        shares.add(new GpuShare(node.name(), gpu + i, GpuShare.WHOLE));
                    }
                    running.add(new RunningJob("b-" + node.name() + "-" + gpu, "borrower-" + random.nextInt(3),
                            PriorityClass.NORMAL, shares, NOW.minusSeconds(random.nextInt(10_000)), Duration.ofHours(24),
                            true, random.nextBoolean(), Optional.of(NOW.minusSeconds(random.nextInt(5_000))), false));
                    gpu += size;
                }
            }
            int guarantee = 1 + random.nextInt(gpusPerNode);
            JobRequest needy = new JobRequest("needy", "guaranteed", PriorityClass.NORMAL, 1,
                    (1 + random.nextInt(guarantee)) * GpuShare.WHOLE, Optional.empty(), Duration.ofHours(1), NOW, 1,
                    Optional.empty());
            Map<String, OrgShare> orgs = Map.of("guaranteed", new OrgShare("guaranteed", guarantee, 1, 0, true));
            Scheduler scheduler = new Scheduler(Policy.FAIR_SHARE);

            Decisions first = scheduler.schedule(new Snapshot(NOW, nodes, running, List.of(needy), orgs));
            assertThat(first.preemptions()).as("seed " + seed).isNotEmpty();
            Set<String> victims = new HashSet<>(first.preemptions().stream().map(Preempt::jobId).toList());
            // After the grace period the victims have stopped.
            List<RunningJob> remaining = running.stream().filter(job -> !victims.contains(job.id())).toList();
            Decisions second = scheduler.schedule(new Snapshot(NOW.plusSeconds(60), nodes, remaining, List.of(needy), orgs));
            assertThat(second.start("needy")).as("seed " + seed).hasValueSatisfying(start ->
                    assertThat(start.borrowed()).isFalse());
        }
    }

    private static void assertEveryJobDecidedOnce(Snapshot snapshot, Decisions decisions, String context) {
        List<String> decided = new ArrayList<>(decisions.starts().stream().map(Start::jobId).toList());
        decided.addAll(decisions.pending().stream().map(Decisions.Pending::jobId).toList());
        assertThat(decided).as(context).containsExactlyInAnyOrderElementsOf(
                snapshot.pending().stream().map(JobRequest::id).toList());
    }

    private static void assertNoOvercommit(Snapshot snapshot, Decisions decisions, String context) {
        Map<String, Integer> used = new HashMap<>();
        snapshot.running().forEach(job -> job.allocation().forEach(share ->
                used.merge(share.node() + "/" + share.index(), share.millis(), Integer::sum)));
        decisions.starts().forEach(start -> start.allocation().forEach(share ->
                used.merge(share.node() + "/" + share.index(), share.millis(), Integer::sum)));
        Set<String> gpus = new HashSet<>();
        snapshot.nodes().forEach(node -> node.gpus().forEach(gpu -> gpus.add(node.name() + "/" + gpu.index())));
        used.forEach((gpu, millis) -> {
            assertThat(gpus).as(context + ": " + gpu + " exists").contains(gpu);
            assertThat(millis).as(context + ": " + gpu + " is not overcommitted").isLessThanOrEqualTo(GpuShare.WHOLE);
        });
    }

    private static void assertStartsMatchTheirRequests(Snapshot snapshot, Decisions decisions, String context) {
        Map<String, JobRequest> requests = new HashMap<>();
        snapshot.pending().forEach(job -> requests.put(job.id(), job));
        Map<String, Node> nodes = new HashMap<>();
        snapshot.nodes().forEach(node -> nodes.put(node.name(), node));
        for (Start start : decisions.starts()) {
            JobRequest job = requests.get(start.jobId());
            assertThat(start.allocation().stream().mapToLong(GpuShare::millis).sum()).as(context + " " + job.id())
                    .isEqualTo(job.totalGpuMillis());
            if (!job.isFractional() && job.gpuMillis() > 0) {
                assertThat(start.allocation().stream().map(GpuShare::node).distinct().count()).as(context)
                        .isEqualTo(job.nodes());
            }
            job.gpuType().ifPresent(type -> start.allocation().forEach(share -> assertThat(
                    nodes.get(share.node()).gpus().get(share.index()).type()).as(context).isEqualTo(type)));
        }
    }

    private static void assertOnlyBorrowedWorkIsPreempted(Snapshot snapshot, Decisions decisions, String context) {
        Map<String, RunningJob> running = new HashMap<>();
        snapshot.running().forEach(job -> running.put(job.id(), job));
        for (Preempt preempt : decisions.preemptions()) {
            assertThat(running.get(preempt.jobId()).borrowed()).as(context + " victim " + preempt.jobId()).isTrue();
        }
    }

    private static Snapshot randomSnapshot(Random random) {
        List<Node> nodes = new ArrayList<>();
        int nodeCount = 1 + random.nextInt(6);
        for (int n = 0; n < nodeCount; n++) {
            nodes.addAll(nodes(1, 1 + random.nextInt(8), TYPES.get(random.nextInt(2))).stream()
                    .map(node -> new Node(node.name() + "-" + nodes.size(), node.gpus(), 64, 1 << 20, true)).toList());
        }
        List<String> orgs = List.of("a", "b", "c", "d");
        Map<String, Integer> free = new HashMap<>();
        List<RunningJob> running = new ArrayList<>();
        int runningCount = random.nextInt(12);
        for (int r = 0; r < runningCount; r++) {
            Node node = nodes.get(random.nextInt(nodes.size()));
            int gpu = random.nextInt(node.gpus().size());
            String key = node.name() + "/" + gpu;
            int available = free.getOrDefault(key, GpuShare.WHOLE);
            if (available < 250) {
                continue;
            }
            int millis = random.nextBoolean() ? available : 250;
            free.put(key, available - millis);
            running.add(new RunningJob("r" + r, orgs.get(random.nextInt(4)), PriorityClass.values()[random.nextInt(3)],
                    List.of(new GpuShare(node.name(), gpu, millis)), NOW.minusSeconds(random.nextInt(7200)),
                    Duration.ofMinutes(30 + random.nextInt(600)), random.nextBoolean(), random.nextBoolean(),
                    Optional.empty(), random.nextInt(5) == 0));
        }
        List<JobRequest> pending = new ArrayList<>();
        int pendingCount = random.nextInt(30);
        for (int p = 0; p < pendingCount; p++) {
            int kind = random.nextInt(4);
            int jobNodes = kind == 3 ? 1 + random.nextInt(3) : 1;
            int gpuMillis = kind == 0 ? 250 * (1 + random.nextInt(3)) : (1 + random.nextInt(kind == 3 ? 4 : 8)) * 1000;
            Optional<String> type = random.nextInt(3) == 0 ? Optional.of(TYPES.get(random.nextInt(2))) : Optional.empty();
            pending.add(new JobRequest("p" + p, orgs.get(random.nextInt(4)), PriorityClass.values()[random.nextInt(3)],
                    jobNodes, gpuMillis, type, Duration.ofMinutes(10 + random.nextInt(600)), NOW, p,
                    random.nextBoolean() ? Optional.of(Duration.ofMinutes(1 + random.nextInt(300))) : Optional.empty()));
        }
        Map<String, OrgShare> shares = new LinkedHashMap<>();
        for (String org : orgs) {
            shares.put(org, new OrgShare(org, random.nextInt(6), 0.5 + random.nextDouble(), random.nextInt(10_000),
                    random.nextInt(4) != 0));
        }
        return new Snapshot(NOW, nodes, running, pending, shares);
    }

    private static List<Node> nodes(int count, int gpusPerNode, String type) {
        List<Node> nodes = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            List<Gpu> gpus = new ArrayList<>();
            for (int g = 0; g < gpusPerNode; g++) {
                gpus.add(new Gpu(g, type, 81_920, "island-" + (g / 4)));
            }
            nodes.add(new Node("n" + n, gpus, 64, 1 << 20, true));
        }
        return nodes;
    }
}
