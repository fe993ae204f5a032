package dev.incubator.compute.scheduler;

import static dev.incubator.compute.scheduler.Scenario.NOW;
import static dev.incubator.compute.scheduler.Scenario.cluster;
import static dev.incubator.compute.scheduler.Scenario.job;
import static org.assertj.core.api.Assertions.assertThat;

import dev.incubator.compute.PriorityClass;
import dev.incubator.compute.scheduler.Decisions.Pending;
import dev.incubator.compute.scheduler.Decisions.Preempt;
import dev.incubator.compute.scheduler.Decisions.Start;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchedulerScenariosTest {
    private final Scheduler fairShare = new Scheduler(Policy.FAIR_SHARE);

    @Test
    void aJobWithinTheGuaranteeRunsUnborrowed() {
        Decisions decisions = fairShare.schedule(cluster().node("n1", 8).org("lab", 4)
                .pending(job("a").org("lab").gpus(4)).snapshot());
        assertThat(decisions.start("a")).hasValueSatisfying(start -> {
            assertThat(start.borrowed()).isFalse();
            assertThat(start.allocation()).hasSize(4);
        });
    }

    @Test
    void freedGpusGoToAJobWithinItsGuaranteeBeforeAnotherTenantsBorrowedOne() {
        // Both tenants are below their guarantee; the older one's next job asks for more than its guarantee, so it
        // would borrow: the other tenant's job within its guarantee comes first, whatever the tie-break says.
        Decisions decisions = fairShare.schedule(cluster().node("n1", 4).org("alpha", 2).org("beta", 2)
                .pending(job("stream-1").org("alpha").gpus(4))
                .pending(job("small").org("beta").gpus(1)).snapshot());
        assertThat(decisions.start("small")).hasValueSatisfying(start -> assertThat(start.borrowed()).isFalse());
        assertThat(decisions.start("stream-1")).as("borrows only what is idle").isEmpty();
    }

    @Test
    void aTenantsOwnJobsWithinItsGuaranteeStillComeFirstWhenItsHeadWouldBorrow() {
        Decisions decisions = fairShare.schedule(cluster().node("n1", 8).org("alpha", 4).org("beta", 0)
                .pending(job("wide").org("alpha").gpus(6).predicted(Duration.ofMinutes(1)))
                .pending(job("narrow").org("alpha").gpus(2).predicted(Duration.ofHours(2)))
                .pending(job("other").org("beta").gpus(8)).snapshot());
        assertThat(decisions.start("wide")).hasValueSatisfying(start -> assertThat(start.borrowed()).isTrue());
        assertThat(decisions.start("narrow")).hasValueSatisfying(start -> assertThat(start.borrowed()).isFalse());
    }

    @Test
    void aJobNamingGpuTypeAlternativesRunsOnWhicheverHasRoom() {
        Scenario scenario = cluster().node("old", 4, "v100m16", "i1").node("new", 4, "v100m32", "i2").org("lab", 8)
                .running(job("busy").org("lab").gpus(4).type("v100m16").on("old", 0, 3))
                .pending(job("either").org("lab").gpus(2).type("v100m16|v100m32"))
                .pending(job("only-old").org("lab").gpus(2).type("v100m16"))
                .pending(job("neither").org("lab").gpus(1).type("p100|t4"));
        Decisions decisions = fairShare.schedule(scenario.snapshot());
        assertThat(decisions.start("either")).hasValueSatisfying(start -> assertThat(start.allocation())
                .allSatisfy(share -> assertThat(share.node()).isEqualTo("new")));
        assertThat(decisions.start("only-old")).isEmpty();
        assertThat(decisions.pendingOf("neither")).hasValueSatisfying(pending -> {
            assertThat(pending.reason()).isEqualTo(PendingReason.GANG_NOT_SATISFIABLE);
            assertThat(pending.message()).contains("nor any of p100|t4");
        });
    }

    @Test
    void idleGpusAreBorrowedBeyondTheGuarantee() {
        Decisions decisions = fairShare.schedule(cluster().node("n1", 8).org("lab", 2)
                .pending(job("a").org("lab").gpus(6)).snapshot());
        assertThat(decisions.start("a")).hasValueSatisfying(start -> assertThat(start.borrowed()).isTrue());
    }

    @Test
    void aBlockedGuaranteeReclaimsBorrowedGpusLosingTheLeastWork() {
        Scenario scenario = cluster().node("n1", 8).org("guaranteed", 4).org("borrower", 0)
                .running(job("old").org("borrower").gpus(4).on("n1", 0, 3).borrowed().ranFor(Duration.ofHours(5)))
                .running(job("checkpointed").org("borrower").gpus(4).on("n1", 4, 7).borrowed()
                        .ranFor(Duration.ofHours(6)).checkpointedAgo(Duration.ofMinutes(2)))
                .pending(job("needy").org("guaranteed").gpus(4));
        Decisions decisions = fairShare.schedule(scenario.snapshot());
        assertThat(decisions.preemptions()).extracting(Preempt::jobId).containsExactly("checkpointed");
        assertThat(decisions.pendingOf("needy")).hasValueSatisfying(pending ->
                assertThat(pending.reason()).isEqualTo(PendingReason.WAITING_FOR_PREEMPTION));
    }

    @Test
    void whileVictimsStopNoFurtherJobIsPreempted() {
        Scenario scenario = cluster().node("n1", 8).org("guaranteed", 4).org("borrower", 0)
                .running(job("leaving").org("borrower").gpus(4).on("n1", 0, 3).borrowed().terminating())
                .running(job("other").org("borrower").gpus(4).on("n1", 4, 7).borrowed())
                .pending(job("needy").org("guaranteed").gpus(4))
                .pending(job("small").org("borrower").gpus(1));
        Decisions decisions = fairShare.schedule(scenario.snapshot());
        assertThat(decisions.preemptions()).isEmpty();
        assertThat(decisions.pendingOf("needy").orElseThrow().reason()).isEqualTo(PendingReason.WAITING_FOR_PREEMPTION);
        assertThat(decisions.starts()).isEmpty();
    }

    @Test
    void guaranteedJobsAreNeverVictims() {
        Scenario scenario = cluster().node("n1", 8).org("a", 8).org("b", 8)
                .running(job("a-job").org("a").gpus(8).on("n1", 0, 7))
                .pending(job("b-job").org("b").gpus(8));
        Decisions decisions = fairShare.schedule(scenario.snapshot());
        assertThat(decisions.preemptions()).isEmpty();
        assertThat(decisions.pendingOf("b-job").orElseThrow().reason()).isEqualTo(PendingReason.WAITING_FOR_RESOURCES);
    }

    @Test
    void gangJobsGetAllTheirGpusOrNone() {
        Scenario scenario = cluster().node("n1", 4).node("n2", 4).org("lab", 0)
                .running(job("r1").org("other").gpus(1).on("n1", 0, 0))
                .pending(job("gang").org("lab").gpus(4).nodes(2));
        Decisions decisions = fairShare.schedule(scenario.snapshot());
        assertThat(decisions.starts()).isEmpty();
        Pending pending = decisions.pendingOf("gang").orElseThrow();
        assertThat(pending.message()).contains("needs 8 GPUs on 2 nodes, 7 free");
        assertThat(pending.estimatedStart()).contains(NOW.minus(Duration.ofMinutes(10)).plus(Duration.ofHours(1)));
    }

    @Test
    void aJobLargerThanTheClusterIsNeverSatisfiable() {
        Decisions decisions = fairShare.schedule(cluster().node("n1", 4).node("n2", 4)
                .pending(job("huge").gpus(8).nodes(2)).pending(job("alien").gpus(1).type("h100")).snapshot());
        assertThat(decisions.pendingOf("huge").orElseThrow().reason()).isEqualTo(PendingReason.GANG_NOT_SATISFIABLE);
        assertThat(decisions.pendingOf("huge").orElseThrow().message()).contains("needs 16 GPUs on 2 nodes");
        assertThat(decisions.pendingOf("alien").orElseThrow().message()).contains("GPU type h100");
    }

    @Test
    void backfillStartsShortJobsButNeverDelaysTheReservedHead() {
        Scenario scenario = cluster().node("n1", 10).org("lab", 0)
                .running(job("busy").org("lab").gpus(6).on("n1", 0, 5).timeLimit(Duration.ofHours(1))
                        .ranFor(Duration.ZERO))
                .pending(job("head").org("lab").gpus(10).timeLimit(Duration.ofHours(1)).predicted(Duration.ofMinutes(1)))
                .pending(job("short").org("lab").gpus(2).timeLimit(Duration.ofMinutes(30)).predicted(Duration.ofHours(3)))
                .pending(job("long").org("lab").gpus(2).timeLimit(Duration.ofHours(2)).predicted(Duration.ofHours(4)));
        Decisions decisions = fairShare.schedule(scenario.snapshot());
        assertThat(decisions.pendingOf("head").orElseThrow().estimatedStart()).contains(NOW.plus(Duration.ofHours(1)));
        assertThat(decisions.start("short")).isPresent();
        assertThat(decisions.pendingOf("long").orElseThrow().reason()).isEqualTo(PendingReason.BEHIND_HIGHER_PRIORITY);
    }

    @Test
    void aJobWithinItsGuaranteeIsNotHeldBackByAReservationForBorrowedWork() {
        // "wide" (10 GPUs) would run beyond lab's guarantee of 4, so its reservation must not keep "small" (2 GPUs,
        // within the guarantee) waiting; "other", beyond the guarantee too, still respects it.
        Scenario scenario = cluster().node("n1", 10).org("lab", 4).org("rival", 0)
                .running(job("busy").org("rival").gpus(6).on("n1", 0, 5).timeLimit(Duration.ofHours(1))
                        .ranFor(Duration.ZERO))
                .pending(job("wide").org("lab").gpus(10).timeLimit(Duration.ofHours(1)).predicted(Duration.ofMinutes(1)))
                .pending(job("small").org("lab").gpus(2).timeLimit(Duration.ofHours(2)).predicted(Duration.ofHours(3)))
                .pending(job("other").org("rival").gpus(2).timeLimit(Duration.ofHours(2)));
        Decisions decisions = fairShare.schedule(scenario.snapshot());
        assertThat(decisions.start("small")).hasValueSatisfying(start -> assertThat(start.borrowed()).isFalse());
        assertThat(decisions.pendingOf("other").orElseThrow().reason()).isEqualTo(PendingReason.BEHIND_HIGHER_PRIORITY);
    }

    @Test
    void gpusFreedForAReclaimGoToTheJobTheyWereFreedFor() {
        // Both organisations are below their guarantee and "least" holds the smaller share of it (1 of 4 against
        // 2 of 4), so it would go first and take 2 of the 3 free GPUs; but borrowed work was preempted for
        // "claim" last cycle, and the GPUs it freed are claim's.
        Scenario scenario = cluster().node("n1", 6).org("least", 4).org("claimant", 4)
                .running(job("least-running").org("least").gpus(1).on("n1", 0, 0))
                .running(job("claimant-running").org("claimant").gpus(2).on("n1", 1, 2))
                .pending(job("greedy").org("least").gpus(2))
                .pending(job("claim").org("claimant").gpus(2).reclaiming());
        Decisions decisions = fairShare.schedule(scenario.snapshot());
        assertThat(decisions.start("claim")).hasValueSatisfying(start -> assertThat(start.borrowed()).isFalse());
        assertThat(decisions.pendingOf("greedy")).isPresent();

        Scenario unclaimed = cluster().node("n1", 6).org("least", 4).org("claimant", 4)
                .running(job("least-running").org("least").gpus(1).on("n1", 0, 0))
                .running(job("claimant-running").org("claimant").gpus(2).on("n1", 1, 2))
                .pending(job("greedy").org("least").gpus(2))
                .pending(job("claim").org("claimant").gpus(2));
        assertThat(fairShare.schedule(unclaimed.snapshot()).start("greedy")).isPresent();
    }

    @Test
    void plainFifoLetsNothingPassTheBlockedHead() {
        Scenario scenario = cluster().node("n1", 8).org("lab", 0)
                .running(job("busy").org("lab").gpus(6).on("n1", 0, 5))
                .pending(job("head").org("lab").gpus(8))
                .pending(job("short").org("lab").gpus(2).timeLimit(Duration.ofMinutes(5)));
        Decisions fifo = new Scheduler(Policy.FIFO).schedule(scenario.snapshot());
        assertThat(fifo.starts()).isEmpty();
        assertThat(fifo.pendingOf("short").orElseThrow().reason()).isEqualTo(PendingReason.BEHIND_HIGHER_PRIORITY);
        Decisions backfill = new Scheduler(Policy.FIFO_BACKFILL).schedule(scenario.snapshot());
        assertThat(backfill.start("short")).isPresent();
    }

    @Test
    void fairShareServesTheOrganisationThatUsedLeastFirst() {
        Scenario scenario = cluster().node("n1", 1).org("heavy", 0, 1_000_000).org("light", 0, 10)
                .pending(job("heavy-job").org("heavy").gpus(1))
                .pending(job("light-job").org("light").gpus(1));
        Decisions decisions = fairShare.schedule(scenario.snapshot());
        assertThat(decisions.starts()).extracting(Start::jobId).containsExactly("light-job");
        assertThat(decisions.pendingOf("heavy-job").orElseThrow().position()).isEqualTo(2);
    }

    @Test
    void withinAnOrganisationPriorityThenShortestPredictedGpuTimeGoFirst() {
        Scenario scenario = cluster().node("n1", 1).org("lab", 0)
                .pending(job("normal-short").org("lab").gpus(1).predicted(Duration.ofMinutes(5)))
                .pending(job("high-long").org("lab").gpus(1).priority(PriorityClass.HIGH).predicted(Duration.ofHours(9)))
                .pending(job("normal-long").org("lab").gpus(1).predicted(Duration.ofHours(2)));
        Decisions decisions = fairShare.schedule(scenario.snapshot());
        assertThat(decisions.starts()).extracting(Start::jobId).containsExactly("high-long");
        assertThat(decisions.pending()).extracting(Pending::jobId).containsExactly("normal-short", "normal-long");
    }

    @Test
    void shortestFirstOrdersEveryOrganisationsJobsByPredictedGpuTime() {
        Scenario scenario = cluster().node("n1", 2).org("a", 2).org("b", 0)
                .pending(job("a-long").org("a").gpus(1).predicted(Duration.ofHours(3)))
                .pending(job("b-wide").org("b").gpus(2).predicted(Duration.ofMinutes(40)))
                .pending(job("b-short").org("b").gpus(1).predicted(Duration.ofMinutes(30)))
                .pending(job("a-mid").org("a").gpus(1).predicted(Duration.ofHours(1)));
        Decisions decisions = new Scheduler(Policy.SHORTEST_FIRST).schedule(scenario.snapshot());
        // GPU-time: b-short 30, b-wide 80, a-mid 60, a-long 180 GPU-minutes; b-short and a-mid fill the node.
        assertThat(decisions.starts()).extracting(Start::jobId).containsExactly("b-short", "a-mid");
        assertThat(decisions.pending()).extracting(Pending::jobId).containsExactly("b-wide", "a-long");
        assertThat(decisions.starts()).allSatisfy(start -> assertThat(start.borrowed()).isFalse());
    }

    @Test
    void withoutAGrantJobsRunOnlyAsBorrowedWorkOnIdleGpus() {
        Decisions idle = fairShare.schedule(cluster().node("n1", 2).orgWithoutGrant("broke")
                .pending(job("a").org("broke").gpus(1)).snapshot());
        assertThat(idle.start("a")).hasValueSatisfying(start -> assertThat(start.borrowed()).isTrue());

        Decisions full = fairShare.schedule(cluster().node("n1", 2).orgWithoutGrant("broke").org("funded", 2)
                .pending(job("funded-job").org("funded").gpus(2))
                .pending(job("broke-job").org("broke").gpus(1)).snapshot());
        assertThat(full.starts()).extracting(Start::jobId).containsExactly("funded-job");
        assertThat(full.pendingOf("broke-job").orElseThrow().reason()).isEqualTo(PendingReason.GRANT_EXHAUSTED);
    }

    @Test
    void anOrganisationAtItsGuaranteeWaitsWhenNothingIsIdle() {
        Decisions decisions = fairShare.schedule(cluster().node("n1", 2).org("lab", 1)
                .running(job("mine").org("lab").gpus(1).on("n1", 0, 0))
                .running(job("theirs").org("other").gpus(1).on("n1", 1, 1))
                .pending(job("more").org("lab").gpus(1)).snapshot());
        Pending pending = decisions.pendingOf("more").orElseThrow();
        assertThat(pending.reason()).isEqualTo(PendingReason.QUOTA_EXCEEDED_AND_NO_IDLE);
        assertThat(pending.message()).startsWith("QUOTA_EXCEEDED_AND_NO_IDLE: organisation lab is at its guarantee of 1");
    }

    @Test
    void placementIsBestFitAndKeepsWholeNodesFree() {
        Decisions decisions = fairShare.schedule(cluster().node("big", 8).node("small", 8)
                .running(job("r").org("x").gpus(6).on("small", 0, 5))
                .pending(job("two").gpus(2)).snapshot());
        assertThat(decisions.start("two").orElseThrow().allocation()).extracting(GpuShare::node).containsOnly("small");
    }

    @Test
    void gpusOfOneIslandArePreferred() {
        Decisions decisions = fairShare.schedule(cluster().splitNode("n1")
                .running(job("r").org("x").gpus(2).on("n1", 0, 1))
                .pending(job("four").gpus(4)).snapshot());
        assertThat(decisions.start("four").orElseThrow().allocation()).extracting(GpuShare::index)
                .containsExactly(4, 5, 6, 7);
    }

    @Test
    void fractionalJobsPackOntoSharedGpusFirst() {
        Decisions decisions = fairShare.schedule(cluster().node("n1", 2)
                .running(job("notebook").org("x").share("n1", 1, 0.5))
                .pending(job("quarter").fraction(0.25)).pending(job("other-quarter").fraction(0.25))
                .pending(job("whole").gpus(1)).snapshot());
        assertThat(decisions.start("quarter").orElseThrow().allocation()).containsExactly(new GpuShare("n1", 1, 250));
        assertThat(decisions.start("other-quarter").orElseThrow().allocation())
                .containsExactly(new GpuShare("n1", 1, 250));
        assertThat(decisions.start("whole").orElseThrow().allocation()).containsExactly(new GpuShare("n1", 0, 1000));
    }

    @Test
    void theSameSnapshotAlwaysGivesTheSameDecisions() {
        Scenario scenario = cluster().node("n1", 8).node("n2", 8).org("a", 4).org("b", 2, 500)
                .running(job("r").org("b").gpus(6).on("n1", 0, 5).borrowed())
                .pending(job("x").org("a").gpus(8)).pending(job("y").org("b").gpus(3))
                .pending(job("z").org("a").fraction(0.5));
        assertThat(fairShare.schedule(scenario.snapshot())).isEqualTo(fairShare.schedule(scenario.snapshot()));
        assertThat(List.of(Policy.values())).hasSize(4);
    }

    @Test
    void aJobFitsANodeOnlyIfItsGpusCpusAndMemoryAllFit() {
        // n1 is the tighter fit for the GPUs, but its CPUs are taken; n2 has room for all three.
        Decisions decisions = fairShare.schedule(cluster().node("n1", 4, 8, 65_536).node("n2", 4, 32, 65_536)
                .org("lab", 8)
                .running(job("busy").org("lab").gpus(2).on("n1", 0, 1).cpus(6, 1_024))
                .running(job("light").org("lab").gpus(1).on("n2", 0, 0).cpus(2, 1_024))
                .pending(job("a").org("lab").gpus(2).cpus(4, 8_192)).snapshot());
        assertThat(decisions.start("a")).hasValueSatisfying(start ->
                assertThat(start.allocation()).extracting(GpuShare::node).containsOnly("n2"));
    }

    @Test
    void aJobWaitsNamingTheResourceThatIsShort() {
        Decisions decisions = fairShare.schedule(cluster().node("n1", 4, 8, 16_384).org("lab", 4)
                .running(job("hog").org("lab").gpus(1).on("n1", 0, 0).cpus(2, 12_000))
                .pending(job("a").org("lab").gpus(1).cpus(2, 8_192)).snapshot());
        assertThat(decisions.starts()).isEmpty();
        Pending waiting = decisions.pendingOf("a").orElseThrow();
        assertThat(waiting.reason()).isNotEqualTo(PendingReason.GANG_NOT_SATISFIABLE);
        assertThat(waiting.message()).contains("waiting for memory (8192 MiB per node, at most 4384 MiB free on a node)")
                .doesNotContain("CPUs (");
    }

    @Test
    void aJobNoNodeCouldEverHoldIsNeverSatisfiableAndNamesTheLargestNode() {
        Decisions decisions = fairShare.schedule(cluster().node("n1", 4, 8, 16_384).node("n2", 4, 16, 8_192)
                .org("lab", 4).pending(job("a").org("lab").gpus(1).cpus(64, 1_024)).snapshot());
        Pending waiting = decisions.pendingOf("a").orElseThrow();
        assertThat(waiting.reason()).isEqualTo(PendingReason.GANG_NOT_SATISFIABLE);
        assertThat(waiting.message()).contains("64 CPUs").contains("n2, has 16").contains("n1, has 16384 MiB");
    }

    @Test
    void jobsWithoutGpusArePlacedByCpusAndMemoryAndHoldThem() {
        Decisions decisions = fairShare.schedule(cluster().node("n1", 0, 4, 8_192).node("n2", 0, 4, 8_192)
                .org("lab", 0)
                .running(job("etl").org("lab").gpus(0).hosts("n1").cpus(3, 1_024))
                .pending(job("a").org("lab").gpus(0).cpus(2, 1_024))
                .pending(job("b").org("lab").gpus(0).cpus(2, 1_024))
                .pending(job("c").org("lab").gpus(0).cpus(2, 1_024)).snapshot());
        assertThat(decisions.start("a").orElseThrow().hosts()).containsExactly("n2");
        assertThat(decisions.start("b").orElseThrow().hosts()).containsExactly("n2");
        assertThat(decisions.start("c")).isEmpty();
        assertThat(decisions.pendingOf("c").orElseThrow().message()).contains("waiting for CPUs");
    }

    @Test
    void reclaimingAGuaranteeFreesTheCpusOfBorrowedJobsOnTheHost() {
        Decisions decisions = fairShare.schedule(cluster().node("n1", 4, 4, 65_536).org("guaranteed", 2)
                .org("borrower", 0)
                .running(job("cpu-borrower").org("borrower").gpus(1).on("n1", 0, 0).cpus(4, 1_024).borrowed())
                .pending(job("needy").org("guaranteed").gpus(1).cpus(2, 1_024)).snapshot());
        assertThat(decisions.preemptions()).extracting(Preempt::jobId).containsExactly("cpu-borrower");
    }
}
