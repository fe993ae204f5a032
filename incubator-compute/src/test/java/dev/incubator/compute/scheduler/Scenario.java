package dev.incubator.compute.scheduler;

import dev.incubator.compute.PriorityClass;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Fluent builders for scheduler scenarios:
 * {@code cluster().node("n1", 8).org("lab", 4).pending(job("a").org("lab").gpus(4)).snapshot()}.
 */
public final class Scenario {
    public static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

    private final List<Node> nodes = new ArrayList<>();
    private final List<RunningJob> running = new ArrayList<>();
    private final List<JobRequest> pending = new ArrayList<>();
    private final Map<String, OrgShare> orgs = new LinkedHashMap<>();
    private long submitOrder;

    public static Scenario cluster() {
        return new Scenario();
    }

    public static JobBuilder job(String id) {
        return new JobBuilder(id);
    }

    public Scenario node(String name, int gpus) {
        return node(name, gpus, "a100", "island-" + name);
    }

    public Scenario node(String name, int gpus, String type, String island) {
        List<Gpu> list = new ArrayList<>();
        for (int i = 0; i < gpus; i++) {
            list.add(new Gpu(i, type, 81_920, island));
        }
        nodes.add(new Node(name, list, 64, 1_048_576, true));
        return this;
    }

    /** A node with these GPUs, CPUs and MiB of memory. */
    public Scenario node(String name, int gpus, int cpus, long memoryMib) {
        List<Gpu> list = new ArrayList<>();
        for (int i = 0; i < gpus; i++) {
            list.add(new Gpu(i, "a100", 81_920, "island-" + name));
        }
        nodes.add(new Node(name, list, cpus, memoryMib, true));
        return this;
    }

    /** A node whose GPUs alternate between two NVLink islands: 0-3 on "a", 4-7 on "b". */
    public Scenario splitNode(String name) {
        List<Gpu> list = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            list.add(new Gpu(i, "a100", 81_920, i < 4 ? name + "-a" : name + "-b"));
        }
        nodes.add(new Node(name, list, 64, 1_048_576, true));
        return this;
    }

    public Scenario org(String name, int guaranteedGpus) {
        orgs.put(name, new OrgShare(name, guaranteedGpus, 1.0, 0, true));
        return this;
    }

    public Scenario org(String name, int guaranteedGpus, double decayedUsage) {
        orgs.put(name, new OrgShare(name, guaranteedGpus, 1.0, decayedUsage, true));
        return this;
    }

    public Scenario orgWithoutGrant(String name) {
        orgs.put(name, OrgShare.withoutGrant(name));
        return this;
    }

    public Scenario pending(JobBuilder job) {
        pending.add(job.submitOrder(++submitOrder).build());
        return this;
    }

    public Scenario running(JobBuilder job) {
        running.add(job.runningJob());
        return this;
    }

    public Snapshot snapshot() {
        return new Snapshot(NOW, nodes, running, pending, orgs);
    }

    public Snapshot snapshot(Instant now) {
        return new Snapshot(now, nodes, running, pending, orgs);
    }

    public static final class JobBuilder {
        private int cpus;
        private long memoryMib;
        private List<String> hosts = List.of();
        private final String id;
        private String org = "lab";
        private PriorityClass priority = PriorityClass.NORMAL;
        private int nodes = 1;
        private int gpuMillis = 1000;
        private Optional<String> type = Optional.empty();
        private Duration timeLimit = Duration.ofHours(1);
        private long submitOrder;
        private Optional<Duration> predicted = Optional.empty();
        private boolean reclaiming;
        private final List<GpuShare> allocation = new ArrayList<>();
        private boolean borrowed;
        private Duration ranFor = Duration.ofMinutes(10);
        private Optional<Duration> checkpointAgo = Optional.empty();
        private boolean terminating;

        private JobBuilder(String id) {
            this.id = id;
        }

        public JobBuilder org(String value) {
            org = value;
            return this;
        }

        public JobBuilder priority(PriorityClass value) {
            priority = value;
            return this;
        }

        public JobBuilder gpus(int perNode) {
            gpuMillis = perNode * 1000;
            return this;
        }

        public JobBuilder fraction(double share) {
            gpuMillis = (int) Math.round(share * 1000);
            return this;
        }

        public JobBuilder nodes(int value) {
            nodes = value;
            return this;
        }

        public JobBuilder type(String value) {
            type = Optional.of(value);
            return this;
        }

        public JobBuilder timeLimit(Duration value) {
            timeLimit = value;
            return this;
        }

        public JobBuilder predicted(Duration value) {
            predicted = Optional.of(value);
            return this;
        }

        /** Borrowed work was preempted for this job in an earlier cycle. */
        public JobBuilder reclaiming() {
            reclaiming = true;
            return this;
        }

        JobBuilder submitOrder(long value) {
            submitOrder = value;
            return this;
        }

        /** For running jobs: holds GPUs {@code first..last} (inclusive) of {@code node}. */
        public JobBuilder on(String node, int first, int last) {
            for (int i = first; i <= last; i++) {
                allocation.add(new GpuShare(node, i, GpuShare.WHOLE));
            }
            return this;
        }

        public JobBuilder share(String node, int gpu, double share) {
            allocation.add(new GpuShare(node, gpu, (int) Math.round(share * 1000)));
            return this;
        }

        public JobBuilder borrowed() {
            borrowed = true;
            return this;
        }

        public JobBuilder ranFor(Duration value) {
            ranFor = value;
            return this;
        }

        public JobBuilder checkpointedAgo(Duration value) {
            checkpointAgo = Optional.of(value);
            return this;
        }

        public JobBuilder terminating() {
            terminating = true;
            return this;
        }

        /** CPUs and MiB of memory per node. */
        public JobBuilder cpus(int value, long memory) {
            cpus = value;
            memoryMib = memory;
            return this;
        }

        /** For running jobs without GPUs: the nodes they run on. */
        public JobBuilder hosts(String... names) {
            hosts = List.of(names);
            return this;
        }

        public JobRequest build() {
            return new JobRequest(id, org, priority, nodes, gpuMillis, type, timeLimit, NOW.minusSeconds(60),
                    submitOrder, predicted, reclaiming, cpus, memoryMib);
        }

        RunningJob runningJob() {
            return new RunningJob(id, org, priority, allocation, NOW.minus(ranFor), timeLimit, borrowed,
                    checkpointAgo.isPresent(), checkpointAgo.map(NOW::minus), terminating,
                    new Claim(allocation, hosts.isEmpty() ? Claim.hostsOf(allocation) : hosts, cpus, memoryMib));
        }
    }
}
