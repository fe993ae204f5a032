package dev.incubator.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.incubator.sim.report.Report;
import dev.incubator.sim.trace.ClusterSpec;
import dev.incubator.sim.trace.Submission;
import dev.incubator.sim.trace.Trace;
import dev.incubator.sim.trace.TraceJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small traces whose right answers are worked out by hand in the comments. */
class SimulatorTest {
    private final Simulator simulator = new Simulator(SimOptions.defaults());

    @Test
    void threeJobsOnFourGpusUnderFifo() {
        // A takes all 4 GPUs from 0 to 100. B (2 GPUs, 50 s, submitted at 10) and C (2 GPUs, 30 s, at 20) both
        // start at 100: B ends at 150, C at 130. JCT: A 100, B 140, C 110; queueing: 0, 90, 80.
        Trace trace = trace("1x4", Map.of("lab", 4),
                job("A", "lab", 0, 4, 100), job("B", "lab", 10, 2, 50), job("C", "lab", 20, 2, 30));
        PolicyResult result = simulator.run(trace, SimPolicy.FIFO, progress -> { });
        assertThat(result.jct()).containsExactly(100, 140, 110);
        assertThat(result.queueDelay()).containsExactly(0, 90, 80);
        assertThat(result.makespanSeconds()).isEqualTo(150);
        assertThat(result.unfinished()).isZero();
    }

    @Test
    void theOracleRunsTheShortestWaitingJobFirstAndFifoDoesNot() {
        // One GPU. J1 runs 0-100. Then FIFO runs J2 (50 s) 100-150 and J3 (10 s) 150-160: JCT 100, 149, 158.
        // SJF runs J3 100-110, then J2 from the next cycle at 110 to 160: JCT 100, 159, 108.
        Trace trace = trace("1x1", Map.of("lab", 1),
                job("J1", "lab", 0, 1, 100), job("J2", "lab", 1, 1, 50), job("J3", "lab", 2, 1, 10));
        assertThat(simulator.run(trace, SimPolicy.FIFO, progress -> { }).jct()).containsExactly(100, 149, 158);
        assertThat(simulator.run(trace, SimPolicy.SJF_ORACLE, progress -> { }).jct()).containsExactly(100, 159, 108);
    }

    @Test
    void aGuaranteedTenantReclaimsBorrowedGpusAndTheVictimStartsOver() {
        // b borrows both GPUs from 0. a (guaranteed 2) submits at 100: b is preempted at the cycle at 100, keeps
        // its GPUs for the 30 s grace, a starts at 130 and ends at 180 (JCT 80). b lost 2 GPUs x 130 s and starts
        // over at 180, ending at 1180 (JCT 1180).
        Trace trace = trace("1x2", Map.of("a", 2, "b", 0),
                job("b-job", "b", 0, 2, 1000), job("a-job", "a", 100, 2, 50));
        PolicyResult result = simulator.run(trace, SimPolicy.INCUBATOR, progress -> { });
        assertThat(result.jct()).containsExactly(1180, 80);
        assertThat(result.preemptions()).isEqualTo(1);
        assertThat(result.lostGpuHours()).isCloseTo(260 / 3600.0, within(1e-9));
        assertThat(result.guaranteeSeconds()).containsEntry("a", 0.0);
    }

    @Test
    void aStreamOfShortBorrowedJobsDoesNotStarveAnotherTenantsGuarantee() {
        // a (first in a tie, guaranteed 2 of 4) submits 100 jobs of 4 GPUs, 5 s each: every one borrows and
        // ends before the next 10 s cycle, so no reclaim ever finds a victim. b's 1-GPU job at 20 s is within
        // its guarantee: it gets the GPUs freed at the next cycle (30 s) and ends at 40 (JCT 20), instead of after
        // the whole stream (about 1,000 s).
        List<TraceJob> jobs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            jobs.add(job("stream-" + i, "a", 0, 4, 5));
        }
        jobs.add(job("small", "b", 20, 1, 10));
        Trace trace = trace("1x4", Map.of("a", 2, "b", 2), jobs.toArray(TraceJob[]::new));
        PolicyResult result = simulator.run(trace, SimPolicy.INCUBATOR, progress -> { });
        assertThat(result.jct()[100]).isEqualTo(20.0);
        assertThat(result.guaranteeSeconds()).containsEntry("b", 0.0);
        assertThat(result.unfinished()).isZero();
    }

    @Test
    void everyPolicyKillsAtTheSameLimitTheOracleToo() {
        // A 400-hour job on a platform whose limit is 336 hours: killed at 336 h under FIFO and under the oracle
        // (which may know the true run time to order jobs, not to run them longer).
        long hours400 = 400 * 3600;
        Trace trace = trace("1x1", Map.of("lab", 1), job("long", "lab", 0, 1, hours400), job("short", "lab", 1, 1, 60));
        for (SimPolicy policy : List.of(SimPolicy.FIFO, SimPolicy.SJF_ORACLE)) {
            PolicyResult result = simulator.run(trace, policy, progress -> { });
            assertThat(result.timeouts()).as(policy.cliName()).isEqualTo(1);
            assertThat(result.jct()[0]).as(policy.cliName()).isEqualTo(336 * 3600.0);
        }
        Report report = new Report(trace, SimOptions.defaults(), List.of(
                simulator.run(trace, SimPolicy.FIFO, progress -> { }),
                simulator.run(trace, SimPolicy.SJF_ORACLE, progress -> { })));
        assertThat(report.gapClosed("fifo")).as("the oracle does not beat FIFO here: no gap to speak of").isEmpty();
        assertThat(report.noWaitAvgJct()).isEqualTo((336 * 3600.0 + 60) / 2);
        assertThat(report.summaries().get(0).timeouts()).isEqualTo(1);
    }

    @Test
    void withPeriodicCheckpointsTheVictimResumesAndLosesOnlyWhatCameAfterItsLastOne() {
        // As above, with a checkpoint every minute: b ran 130 s when it stopped, 120 s of it saved. It loses
        // 2 GPUs x 10 s and resumes at 180 with 880 s left, ending at 1060 (JCT 1060); without checkpoints it would
        // have lost 2 x 130 s.
        Trace trace = trace("1x2", Map.of("a", 2, "b", 0),
                job("b-job", "b", 0, 2, 1000), job("a-job", "a", 100, 2, 50));
        PolicyResult result = new Simulator(SimOptions.defaults().withCheckpoints(java.time.Duration.ofMinutes(1)))
                .run(trace, SimPolicy.INCUBATOR, progress -> { });
        assertThat(result.jct()).containsExactly(1060, 80);
        assertThat(result.lostGpuHours()).isCloseTo(20 / 3600.0, within(1e-9));
        assertThat(result.lostGpuHoursWithoutCheckpoints()).isCloseTo(260 / 3600.0, within(1e-9));
    }

    @Test
    void withoutReclaimAGuaranteedTenantWaitsAndTheViolationIsCounted() {
        // Under FIFO nobody is preempted: a waits from 100 until b ends at 1000. One cycle (10 s) plus the grace
        // (30 s) are allowed, so a's guarantee is violated from 140 to 1000: 860 s.
        Trace trace = trace("1x2", Map.of("a", 2, "b", 0),
                job("b-job", "b", 0, 2, 1000), job("a-job", "a", 100, 2, 50));
        PolicyResult result = simulator.run(trace, SimPolicy.FIFO, progress -> { });
        assertThat(result.guaranteeSeconds()).containsEntry("a", 860.0);
        assertThat(result.jct()).containsExactly(1000, 950);
    }

    @Test
    void aJobTheClusterCanNeverRunIsReportedUnfinishedAndTheRestComplete() {
        Trace trace = trace("1x8", Map.of("lab", 8), job("huge", "lab", 0, 16, 10), job("fine", "lab", 0, 8, 10));
        PolicyResult result = simulator.run(trace, SimPolicy.FIFO_BACKFILL, progress -> { });
        assertThat(result.unfinished()).isEqualTo(1);
        assertThat(result.jct()).containsExactly(10);
    }

    @Test
    void policiesCannotReadRunTimes() {
        // The same submissions with their run times swapped: every policy but the oracle sees identical jobs, so
        // its first decisions (which jobs start at 0 on two GPUs) must be identical; the oracle's may differ.
        Trace first = trace("1x2", Map.of("lab", 2), job("x", "u1", 0, 1, 10), job("y", "u2", 0, 1, 5_000),
                job("z", "u3", 0, 1, 20));
        Trace swapped = trace("1x2", Map.of("lab", 2), job("x", "u1", 0, 1, 5_000), job("y", "u2", 0, 1, 10),
                job("z", "u3", 0, 1, 20));
        for (SimPolicy policy : List.of(SimPolicy.FIFO, SimPolicy.FIFO_BACKFILL, SimPolicy.QSSF, SimPolicy.INCUBATOR)) {
            assertThat(startedAtOnce(simulator.run(first, policy, progress -> { })))
                    .as(policy.cliName()).isEqualTo(startedAtOnce(simulator.run(swapped, policy, progress -> { })));
        }
        assertThat(startedAtOnce(simulator.run(first, SimPolicy.SJF_ORACLE, progress -> { })))
                .isNotEqualTo(startedAtOnce(simulator.run(swapped, SimPolicy.SJF_ORACLE, progress -> { })));
    }

    @Test
    void historyPredictionsComeOnlyFromFinishedJobs() {
        RunTimeKnowledge knowledge = RunTimeKnowledge.history(5);
        Submission first = job("one", "alice", 0, 1, 100).submission();
        assertThat(knowledge.predict(first)).isEmpty();
        knowledge.finished(first, java.time.Duration.ofSeconds(100));
        assertThat(knowledge.predict(job("two", "alice", 5, 1, 9_999).submission()))
                .contains(java.time.Duration.ofSeconds(100));
    }

    @Test
    void theSameInputsGiveByteIdenticalReports(@TempDir Path temp) throws Exception {
        Trace trace = dev.incubator.sim.trace.SyntheticTrace.generate(7, 400, 64, 4, 0.9);
        List<PolicyResult> once = new ArrayList<>();
        List<PolicyResult> twice = new ArrayList<>();
        for (SimPolicy policy : SimPolicy.values()) {
            once.add(simulator.run(trace, policy, progress -> { }));
            twice.add(simulator.run(dev.incubator.sim.trace.SyntheticTrace.generate(7, 400, 64, 4, 0.9), policy,
                    progress -> { }));
        }
        new Report(trace, SimOptions.defaults(), once).write(temp.resolve("a"));
        new Report(trace, SimOptions.defaults(), twice).write(temp.resolve("b"));
        for (String file : List.of("report.json", "report.md", "jct-cdf.svg", "queue-length.svg", "gpu-allocation.svg")) {
            assertThat(Files.readAllBytes(temp.resolve("a").resolve(file))).as(file)
                    .isEqualTo(Files.readAllBytes(temp.resolve("b").resolve(file)));
        }
        assertThat(Files.readString(temp.resolve("a/report.md"))).contains("| incubator |", "| sjf-oracle |",
                "What the columns mean");
    }

    private static List<String> startedAtOnce(PolicyResult result) {
        List<String> started = new ArrayList<>();
        for (int i = 0; i < result.queueDelay().length; i++) {
            if (result.queueDelay()[i] == 0) {
                started.add("job " + i);
            }
        }
        return started;
    }

    static TraceJob job(String id, String user, long submitSeconds, int gpus, long seconds) {
        int nodes = Math.max(1, (gpus + 7) / 8);
        return new TraceJob(new Submission(id, user, tenantOf(user), submitSeconds * 1000, nodes,
                gpus / nodes * 1000, Optional.empty(), Optional.empty()), seconds * 1000, "COMPLETED");
    }

    /** Users named after a tenant ("a", "b", "lab") belong to it; others (u1, alice) to "lab". */
    private static String tenantOf(String user) {
        return List.of("a", "b", "lab").contains(user) ? user : "lab";
    }

    static Trace trace(String cluster, Map<String, Integer> guarantees, TraceJob... jobs) {
        return new Trace("test", "synthetic", List.of(jobs), ClusterSpec.parse(cluster), guarantees, List.of());
    }
}
