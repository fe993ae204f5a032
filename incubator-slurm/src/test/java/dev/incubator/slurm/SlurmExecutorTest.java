package dev.incubator.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.incubator.compute.Job;
import dev.incubator.compute.JobSpec;
import dev.incubator.compute.JobState;
import dev.incubator.compute.PriorityClass;
import dev.incubator.compute.port.Executor;
import dev.incubator.compute.scheduler.Node;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Against the real single-node Slurm that scripts/slurm.sh starts (4 fake GPUs, slurmrestd with JWT). CI starts it
 * and sets INCUBATOR_TEST_SLURM_URL, INCUBATOR_TEST_SLURM_JWT_KEY and INCUBATOR_TEST_SLURM_JOB_DIR; elsewhere the
 * tests are skipped unless those are set (eval "$(scripts/slurm.sh env)" after scripts/slurm.sh start).
 */
class SlurmExecutorTest {
    private SlurmClient slurm;
    private SlurmExecutor executor;

    @BeforeEach
    void connect() {
        String url = System.getenv("INCUBATOR_TEST_SLURM_URL");
        if (url == null && "true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("CI must start Slurm (scripts/slurm.sh) and set INCUBATOR_TEST_SLURM_*");
        }
        Assumptions.assumeTrue(url != null, "no Slurm: run scripts/slurm.sh start and eval \"$(scripts/slurm.sh env)\"");
        slurm = SlurmClient.withKey(URI.create(url), "v0.0.38", "root",
                Path.of(System.getenv("INCUBATOR_TEST_SLURM_JWT_KEY")), Clock.systemUTC());
        executor = new SlurmExecutor(slurm, Path.of(System.getenv("INCUBATOR_TEST_SLURM_JOB_DIR")), Optional.empty(),
                Optional.empty(), Clock.systemUTC());
    }

    @Test
    void theInventoryOffersTheNodesFakeGpus() {
        List<Node> nodes = new SlurmInventory(slurm).nodes();
        assertThat(nodes).hasSize(1);
        assertThat(nodes.get(0).gpus()).hasSize(4).allSatisfy(gpu -> assertThat(gpu.type()).isEqualTo("fake"));
        assertThat(nodes.get(0).schedulable()).isTrue();
    }

    @Test
    void aJobRunsOnItsGpusWithItsEnvironmentAndItsExitCodeIsDecoded() throws Exception {
        Job job = started(job(2, "echo gpus=$CUDA_VISIBLE_DEVICES job=$INCUBATOR_JOB_ID ckpt=$INCUBATOR_CHECKPOINT_DIR;"
                + " echo oops >&2; exit 3"));
        await().atMost(Duration.ofSeconds(30)).until(() -> executor.status(job) instanceof Executor.Exited);
        assertThat(executor.status(job)).isEqualTo(new Executor.Exited(3));
        String out = Files.readString(executor.log(job, "stdout"));
        assertThat(out).containsPattern("gpus=\\d,\\d ").contains("job=" + job.id(), "ckpt=");
        assertThat(Files.readString(executor.log(job, "stderr"))).contains("oops");
    }

    @Test
    void aSignalReachesTheJobAndAKillEndsIt() throws Exception {
        Job graceful = started(job(1, "trap 'echo got-term; exit 0' TERM; sleep 60 & wait"));
        Job stubborn = started(job(1, "trap '' TERM; sleep 60"));
        await().atMost(Duration.ofSeconds(30)).until(() -> running(graceful) && running(stubborn));
        Thread.sleep(1_000); // let the scripts install their traps
        executor.signal(graceful, "TERM");
        await().atMost(Duration.ofSeconds(30)).until(() -> executor.status(graceful) instanceof Executor.Exited);
        assertThat(executor.status(graceful)).isEqualTo(new Executor.Exited(0));
        assertThat(Files.readString(executor.log(graceful, "stdout"))).contains("got-term");

        executor.kill(stubborn);
        await().atMost(Duration.ofSeconds(30)).until(() -> executor.status(stubborn) instanceof Executor.Exited);
        assertThat(((Executor.Exited) executor.status(stubborn)).exitCode()).isNotZero();
    }

    @Test
    void jobsBeyondTheGpusWaitInSlurmAndAnUnknownJobHasVanished() {
        Job first = started(job(4, "sleep 3"));
        Job second = started(job(4, "true"));
        assertThat(executor.status(second)).isInstanceOf(Executor.Running.class);
        await().atMost(Duration.ofSeconds(40)).until(() -> executor.status(second) instanceof Executor.Exited);
        assertThat(executor.status(first)).isEqualTo(new Executor.Exited(0));
        Job unknown = job(1, "true").toBuilder().state(JobState.ADMITTED).build().toBuilder()
                .state(JobState.RUNNING).started(Instant.now(), 987_654, Instant.now(), 0).build();
        assertThat(executor.status(unknown)).isInstanceOf(Executor.Vanished.class);
    }

    @Test
    void startingTheSameAttemptAgainAdoptsTheFirstSubmissionAndARetryIsANewOne() {
        // The service may stop after Slurm accepted a job and before it recorded the Slurm job id: the start it
        // repeats after the restart must find that job, not submit a second one.
        Job job = job(1, "sleep 2");
        long first = executor.start(job).pid();
        assertThat(executor.start(job).pid()).isEqualTo(first);
        Job retry = job.toBuilder().state(JobState.ADMITTED).build().toBuilder().state(JobState.RUNNING)
                .started(Instant.now(), first, Instant.now(), 0).build().toBuilder().state(JobState.PENDING)
                .requeued().build();
        assertThat(retry.attempt()).isEqualTo(2);
        assertThat(executor.start(retry).pid()).isNotEqualTo(first);
    }

    @Test
    void anUnreachableSlurmIsReportedAsSuchNotAsAFinishedJob() {
        SlurmClient nowhere = SlurmClient.withKey(URI.create("http://127.0.0.1:1"), "v0.0.38", "root",
                Path.of(System.getenv("INCUBATOR_TEST_SLURM_JWT_KEY")), Clock.systemUTC());
        Job job = job(1, "true").toBuilder().state(JobState.ADMITTED).build().toBuilder()
                .state(JobState.RUNNING).started(Instant.now(), 1, Instant.now(), 0).build();
        assertThatThrownBy(() -> new SlurmExecutor(nowhere, Path.of("/tmp"), Optional.empty(), Optional.empty(),
                Clock.systemUTC()).status(job)).isInstanceOf(SlurmUnreachableException.class)
                .hasMessageContaining("unreachable");
    }

    private boolean running(Job job) throws Exception {
        return executor.status(job) instanceof Executor.Running && Files.exists(executor.log(job, "stdout"));
    }

    private Job started(Job job) {
        Executor.Launched launched = executor.start(job);
        return job.toBuilder().state(JobState.ADMITTED).build().toBuilder().state(JobState.RUNNING)
                .started(launched.processStart(), launched.pid(), launched.processStart(), 0).build();
    }

    private static Job job(int gpus, String script) {
        JobSpec spec = new JobSpec("it", List.of("bash", "-c", script), Map.of("SEED", "1"), 1, gpus * 1000,
                Optional.empty(), 1, 512, Duration.ofMinutes(10), PriorityClass.NORMAL, Optional.empty(),
                Duration.ofSeconds(5), 0, List.of());
        return new Job(dev.incubator.common.Ids.next("job", Clock.systemUTC()), "org_test", "lab", "admin", spec,
                JobState.PENDING, Optional.empty(), Optional.empty(), 0, Optional.empty(), Instant.now(), 1,
                Optional.empty(), Optional.empty(), List.of(), false, false, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), 0, 0, 1, 1);
    }
}
