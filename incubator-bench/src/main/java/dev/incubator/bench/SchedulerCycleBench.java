package dev.incubator.bench;

import dev.incubator.compute.PriorityClass;
import dev.incubator.compute.scheduler.Decisions;
import dev.incubator.compute.scheduler.Gpu;
import dev.incubator.compute.scheduler.GpuShare;
import dev.incubator.compute.scheduler.JobRequest;
import dev.incubator.compute.scheduler.Node;
import dev.incubator.compute.scheduler.OrgShare;
import dev.incubator.compute.scheduler.Policy;
import dev.incubator.compute.scheduler.RunningJob;
import dev.incubator.compute.scheduler.Scheduler;
import dev.incubator.compute.scheduler.Snapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One scheduling cycle at incubator scale: 1,000 nodes x 8 GPUs, 200 organisations, 50,000 pending jobs, the
 * cluster about 90 % busy with running jobs (a quarter of them borrowed), heavy-tailed job sizes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 10)
@Fork(value = 1, jvmArgs = {"-Xmx4g"})
public class SchedulerCycleBench {
    @Param({"FAIR_SHARE", "FIFO_BACKFILL"})
    public String policy;

    @Param({"50000"})
    public int pendingJobs;

    private Scheduler scheduler;
    private Snapshot[] snapshots;
    private int next;

    @Setup
    public void setUp() {
        scheduler = new Scheduler(Policy.valueOf(policy));
        Snapshot snapshot = snapshot(new Random(42), 1_000, 8, 200, pendingJobs);
        // Two equal snapshots whose running jobs are different objects, used in turn: the scheduler cannot reuse
        // the previous cycle's capacity (which it does when it is given the same running-job objects again), so
        // every measured cycle does all its work, as in a service that builds new objects each cycle.
        snapshots = new Snapshot[] {snapshot, new Snapshot(snapshot.now(), snapshot.nodes(),
                snapshot.running().stream().map(job -> new RunningJob(job.id(), job.org(), job.priority(),
                        job.allocation(), job.startedAt(), job.timeLimit(), job.borrowed(), job.checkpointing(),
                        job.lastCheckpoint(), job.terminating())).toList(), snapshot.pending(), snapshot.orgs())};
    }

    @Benchmark
    public Decisions cycle() {
        next ^= 1;
        return scheduler.schedule(snapshots[next]);
    }

    static Snapshot snapshot(Random random, int nodeCount, int gpusPerNode, int orgCount, int pendingCount) {
        Instant now = Instant.parse("2026-06-01T12:00:00Z");
        // One name object per organisation, as the service's snapshot holds them.
        String[] orgNames = new String[orgCount];
        for (int o = 0; o < orgCount; o++) {
            orgNames[o] = "org-" + o;
        }
        List<Node> nodes = new ArrayList<>();
        for (int n = 0; n < nodeCount; n++) {
            List<Gpu> gpus = new ArrayList<>();
            String type = n % 4 == 0 ? "h100" : "a100";
            for (int g = 0; g < gpusPerNode; g++) {
                gpus.add(new Gpu(g, type, 81_920, "rack-" + (n / 32)));
            }
            nodes.add(new Node("node-" + n, gpus, 128, 2 << 20, true));
        }
        List<RunningJob> running = new ArrayList<>();
        int id = 0;
        for (Node node : nodes) {
            int gpu = 0;
            int busy = random.nextDouble() < 0.9 ? gpusPerNode : random.nextInt(gpusPerNode);
            while (gpu < busy) {
                int size = Math.min(busy - gpu, 1 << random.nextInt(4));
                List<GpuShare> shares = new ArrayList<>();
                for (int i = 0; i < size; i++) {
                    shares.add(new GpuShare(node.name(), gpu + i, GpuShare.WHOLE));
                }
                running.add(new RunningJob("run-" + id++, orgNames[random.nextInt(orgCount)], PriorityClass.NORMAL,
                        shares, now.minusSeconds(random.nextInt(86_400)), Duration.ofHours(1 + random.nextInt(72)),
                        random.nextInt(4) == 0, random.nextBoolean(), Optional.empty(), false));
                gpu += size;
            }
        }
        List<JobRequest> pending = new ArrayList<>();
        for (int p = 0; p < pendingCount; p++) {
            double roll = random.nextDouble();
            int nodesWanted = roll < 0.02 ? 2 + random.nextInt(15) : 1;
            int gpuMillis = roll >= 0.02 && roll < 0.1 ? 250 * (1 + random.nextInt(3)) : (nodesWanted > 1 ? 8 : 1 << random.nextInt(4)) * 1000;
            pending.add(new JobRequest("job-" + p, orgNames[random.nextInt(orgCount)],
                    PriorityClass.values()[random.nextInt(3)], nodesWanted, gpuMillis,
                    random.nextInt(5) == 0 ? Optional.of("h100") : Optional.empty(),
                    Duration.ofMinutes(10 + random.nextInt(4_000)), now.minusSeconds(pendingCount - p), p,
                    random.nextBoolean() ? Optional.of(Duration.ofMinutes(1 + random.nextInt(2_000))) : Optional.empty()));
        }
        Map<String, OrgShare> orgs = new HashMap<>();
        for (int o = 0; o < orgCount; o++) {
            orgs.put(orgNames[o], new OrgShare(orgNames[o], random.nextInt(40), 0.5 + random.nextDouble(),
                    random.nextInt(1_000_000), random.nextInt(10) != 0));
        }
        return new Snapshot(now, nodes, running, pending, orgs);
    }
}
