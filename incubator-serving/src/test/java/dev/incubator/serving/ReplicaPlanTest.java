package dev.incubator.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incubator.serving.ReplicaPlan.Action;
import dev.incubator.serving.ReplicaPlan.Demand;
import dev.incubator.serving.ReplicaPlan.Drain;
import dev.incubator.serving.ReplicaPlan.Settings;
import dev.incubator.serving.ReplicaPlan.Start;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplicaPlanTest {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private static final String REV_1 = "1".repeat(40);
    private static final String REV_2 = "2".repeat(40);

    private static Deployment deployment(int min, int max) {
        return new Deployment("dep", "org", "lab", "chat", "models/lab/tiny", REV_1, Deployment.Engine.BUILTIN,
                List.of(), min, max, 0, 1, 512, Duration.ofMinutes(5), Deployment.Access.PRIVATE, Set.of(),
                Deployment.Limits.NONE, Optional.empty(), false, 30, Deployment.State.ACTIVE, "alice", T0, T0, 1);
    }

    private static Replica ready(String job, Deployment d, String revision, Instant at) {
        return new Replica(job, d.id(), revision, Replica.State.READY, Optional.of("http://x:1"), at,
                Optional.of(at), Optional.of(Duration.ofSeconds(1)), 0, Optional.empty());
    }

    private static Replica starting(String job, Deployment d, String revision, Instant at) {
        return new Replica(job, d.id(), revision, Replica.State.STARTING, Optional.empty(), at, Optional.empty(),
                Optional.empty(), 0, Optional.empty());
    }

    private static List<Action> plan(Deployment d, List<Replica> replicas, Demand demand, Instant now) {
        return ReplicaPlan.plan(d, replicas, demand, now, Settings.DEFAULT);
    }

    @Test
    void aNewDeploymentStartsItsMinimumAndOneThatMayScaleToZeroWaitsForItsFirstRequest() {
        assertThat(plan(deployment(2, 3), List.of(), Demand.NONE, T0)).containsExactly(
                new Start(2, "scaling to 2 replica(s)"));
        assertThat(plan(deployment(0, 3), List.of(), Demand.NONE, T0)).as("nothing runs before it is called")
                .isEmpty();
    }

    @Test
    void afterARestartAReplicaThatRunsCountsAsActivity() {
        Deployment d = deployment(0, 1);
        List<Replica> one = List.of(ready("a", d, REV_1, T0));
        assertThat(plan(d, one, Demand.NONE, T0.plusSeconds(60))).as("no request seen yet by this server").isEmpty();
        assertThat(plan(d, one, Demand.NONE, T0.plusSeconds(300)))
                .containsExactly(new Drain("a", "idle for 5 min: scaled to zero"));
    }

    @Test
    void loadAddsReplicasUpToTheMaximumAndTheNewestLeaveFirstWhenItFalls() {
        Deployment d = deployment(1, 3);
        List<Replica> one = List.of(ready("a", d, REV_1, T0));
        assertThat(plan(d, one, new Demand(Optional.of(T0), 9, false), T0.plusSeconds(1)))
                .as("9 in flight at 4 each wants 3").containsExactly(new Start(2, "scaling to 3 replica(s)"));
        assertThat(plan(d, one, new Demand(Optional.of(T0), 40, false), T0.plusSeconds(1)))
                .as("never above the maximum").containsExactly(new Start(2, "scaling to 3 replica(s)"));
        List<Replica> three = List.of(ready("a", d, REV_1, T0), ready("b", d, REV_1, T0.plusSeconds(1)),
                ready("c", d, REV_1, T0.plusSeconds(2)));
        assertThat(plan(d, three, new Demand(Optional.of(T0), 1, false), T0.plusSeconds(5)))
                .containsExactly(new Drain("c", "scaling down to 1 replica(s)"),
                        new Drain("b", "scaling down to 1 replica(s)"));
    }

    @Test
    void anIdleDeploymentScalesToZeroAndAWaitingRequestStartsOne() {
        Deployment d = deployment(0, 2);
        List<Replica> one = List.of(ready("a", d, REV_1, T0));
        Demand quiet = new Demand(Optional.of(T0.plusSeconds(10)), 0, false);
        assertThat(plan(d, one, quiet, T0.plusSeconds(10 + 299))).as("not yet idle for 5 min").isEmpty();
        assertThat(plan(d, one, quiet, T0.plusSeconds(10 + 300)))
                .containsExactly(new Drain("a", "idle for 5 min: scaled to zero"));
        assertThat(plan(d, List.of(), new Demand(Optional.of(T0.plusSeconds(900)), 1, true), T0.plusSeconds(900)))
                .containsExactly(new Start(1, "a request is waiting (cold start)"));
        assertThat(plan(deployment(1, 2), one, quiet, T0.plus(Duration.ofDays(1))))
                .as("a minimum of one never scales to zero").isEmpty();
    }

    @Test
    void aRevisionChangeRollsOneReplicaAtATime() {
        Deployment d = deployment(2, 2).withRevision(REV_2, T0.plusSeconds(60));
        List<Replica> replicas = new ArrayList<>(List.of(ready("old1", d, REV_1, T0), ready("old2", d, REV_1,
                T0.plusSeconds(1))));
        Demand demand = new Demand(Optional.of(T0.plusSeconds(61)), 1, false);
        assertThat(plan(d, replicas, demand, T0.plusSeconds(62)))
                .containsExactly(new Start(1, "rolling to revision 222222222222"));
        replicas.add(starting("new1", d, REV_2, T0.plusSeconds(62)));
        assertThat(plan(d, replicas, demand, T0.plusSeconds(63))).as("waits while the new one starts").isEmpty();
        replicas.set(2, ready("new1", d, REV_2, T0.plusSeconds(62)));
        assertThat(plan(d, replicas, demand, T0.plusSeconds(64)))
                .containsExactly(new Drain("old1", "replaced by revision 222222222222"));
        replicas.remove(0);
        assertThat(plan(d, replicas, demand, T0.plusSeconds(65)))
                .containsExactly(new Start(1, "rolling to revision 222222222222"));
        replicas.add(ready("new2", d, REV_2, T0.plusSeconds(66)));
        assertThat(plan(d, replicas, demand, T0.plusSeconds(67)))
                .containsExactly(new Drain("old2", "replaced by revision 222222222222"));
    }

    @Test
    void aReplicaThatKeepsFailingHealthChecksIsReplaced() {
        Deployment d = deployment(1, 1);
        Replica sick = ready("a", d, REV_1, T0).failed("connection refused").failed("connection refused")
                .failed("connection refused");
        assertThat(plan(d, List.of(sick), Demand.NONE, T0.plusSeconds(5))).containsExactly(
                new Drain("a", "failed 3 health checks in a row: connection refused"),
                new Start(1, "scaling to 1 replica(s)"));
    }

    @Test
    void aDeletedDeploymentDrainsEverything() {
        Deployment d = deployment(2, 2);
        List<Replica> replicas = List.of(ready("a", d, REV_1, T0), starting("b", d, REV_1, T0));
        assertThat(plan(d.deleted(T0.plusSeconds(1)), replicas, Demand.NONE, T0.plusSeconds(2))).containsExactly(
                new Drain("a", "the deployment was deleted"), new Drain("b", "the deployment was deleted"));
    }
}
