package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.incubator.server.config.ServerConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every scenario of {@link ComputeApiTest}, and the Slurm-specific ones below, with compute.backend=slurm against
 * the real Slurm that scripts/slurm.sh starts (CI does; elsewhere skipped unless INCUBATOR_TEST_SLURM_* are set):
 * admission stays Incubator's, Slurm runs the jobs.
 */
class SlurmComputeApiTest extends ComputeApiTest {
    @Override
    protected Optional<ServerConfig.Slurm> slurm() {
        String url = System.getenv("INCUBATOR_TEST_SLURM_URL");
        if (url == null && "true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("CI must start Slurm (scripts/slurm.sh) and set INCUBATOR_TEST_SLURM_*");
        }
        Assumptions.assumeTrue(url != null, "no Slurm: run scripts/slurm.sh start and eval \"$(scripts/slurm.sh env)\"");
        return Optional.of(new ServerConfig.Slurm(URI.create(url), "v0.0.38", "root",
                Path.of(System.getenv("INCUBATOR_TEST_SLURM_JWT_KEY")), Optional.empty(), Optional.empty(),
                Path.of(System.getenv("INCUBATOR_TEST_SLURM_JOB_DIR"))));
    }

    /**
     * Each scenario starts with an empty Slurm: the service is stopped first (so that it launches nothing more, e.g.
     * a requeued victim), whatever the scenario left in Slurm is cancelled, and the next scenario starts only once
     * Slurm has let go of its GPUs.
     */
    @org.junit.jupiter.api.AfterEach
    void cancelEverythingInSlurm() {
        if (server == null) {
            return; // no Slurm here: the scenario was skipped before a server started
        }
        server.close();
        dev.incubator.slurm.SlurmClient slurm = slurmClient();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            boolean empty = true;
            for (JsonNode job : slurm.get("jobs").path("jobs")) {
                if (active(job)) {
                    empty = false;
                    try {
                        slurm.delete("job/" + job.path("job_id").asLong());
                    } catch (RuntimeException e) {
                        // it ended meanwhile
                    }
                }
            }
            return empty;
        });
    }

    private static boolean active(JsonNode job) {
        return List.of("PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED")
                .contains(job.path("job_state").asText());
    }

    /**
     * Not on Slurm: killing the job's process makes Slurm report the job failed by signal 9, which is what
     * happened; a job Slurm no longer knows at all is reported lost (SlurmExecutorTest covers that).
     */
    @Override
    void aVanishedProcessIsReportedLost() {
    }

    @Test
    void theClusterIsSlurmsAndAdmittedJobsRunThereWithTheirGpusAndLogs() {
        JsonNode cluster = server.get("/api/v1/cluster").token(token).expect(200);
        assertThat(cluster.toString()).contains("fake");
        String id = submit(2, "echo gpus=$CUDA_VISIBLE_DEVICES job=$INCUBATOR_JOB_ID; exit 0");
        await().atMost(Duration.ofSeconds(60)).until(() -> state(id).equals("succeeded"));
        String log = server.get("/api/v1/orgs/alpha/jobs/" + id + "/logs").token(token).send().text();
        assertThat(log).containsPattern("gpus=\\d,\\d").contains("job=" + id);
    }

    @Test
    void theGpusAJobReportsAreTheOnesSlurmGaveIt() throws Exception {
        // A job started in Slurm behind Incubator's back holds GPU 0, so Slurm gives Incubator's next job other GPUs
        // than the scheduler chose: the job must then report what it really holds, as CUDA_VISIBLE_DEVICES says.
        dev.incubator.slurm.SlurmClient slurm = slurmClient();
        com.fasterxml.jackson.databind.node.ObjectNode foreign = slurm.object();
        foreign.put("script", "#!/bin/bash\nsleep 60\n");
        com.fasterxml.jackson.databind.node.ObjectNode spec = foreign.putObject("job");
        spec.put("name", "foreign").put("current_working_directory", "/tmp").put("gres", "gpu:1").put("time_limit", 2);
        spec.putObject("environment").put("PATH", "/usr/bin:/bin");
        long foreignId = slurm.post("job/submit", foreign).path("job_id").asLong();
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> slurm.get("job/" + foreignId).path("jobs").get(0)
                    .path("job_state").asText().equals("RUNNING"));
            // Incubator sees the foreign job's GPU as taken: a job needing all four waits in Incubator's queue with a
            // reason, instead of being handed to Slurm to wait there unexplained.
            String wide = submit(4, "true");
            await().atMost(Duration.ofSeconds(30)).until(() -> !job(wide).path("reason").asText().equals("NEW"));
            assertThat(state(wide)).isEqualTo("pending");
            server.post("/api/v1/orgs/alpha/jobs/" + wide + "/cancel").token(token).expect(200);
            String id = submit(2, "echo gpus=$CUDA_VISIBLE_DEVICES; sleep 4");
            // While it runs, the job reports the GPUs Slurm gave it (the scheduler had chosen 0 and 1).
            await().atMost(Duration.ofSeconds(60)).until(() -> reportedGpus(id).equals(java.util.Set.of("1", "2")));
            await().atMost(Duration.ofSeconds(60)).until(() -> state(id).equals("succeeded"));
            String log = server.get("/api/v1/orgs/alpha/jobs/" + id + "/logs").token(token).send().text();
            java.util.Set<String> visible = new java.util.TreeSet<>(List.of(log.lines()
                    .filter(line -> line.startsWith("gpus=")).findFirst().orElseThrow().substring(5).split(",")));
            assertThat(visible).containsExactly("1", "2");
        } finally {
            slurm.delete("job/" + foreignId);
        }
    }

    private java.util.Set<String> reportedGpus(String id) {
        java.util.Set<String> reported = new java.util.TreeSet<>();
        job(id).path("gpus").forEach(gpu -> reported.add(gpu.asText().replaceFirst("^.*:", "")));
        return reported;
    }

    private static dev.incubator.slurm.SlurmClient slurmClient() {
        return dev.incubator.slurm.SlurmClient.withKey(URI.create(System.getenv("INCUBATOR_TEST_SLURM_URL")),
                "v0.0.38", "root", Path.of(System.getenv("INCUBATOR_TEST_SLURM_JWT_KEY")), Clock.systemUTC());
    }

    @Test
    void aFailingJobsExitCodeAndACancelComeBackFromSlurm() {
        String failing = submit(1, "exit 3");
        String endless = submit(1, "sleep 120");
        await().atMost(Duration.ofSeconds(60)).until(() -> state(failing).equals("failed")
                && state(endless).equals("running"));
        assertThat(job(failing).path("exit_code").asInt()).isEqualTo(3);
        server.post("/api/v1/orgs/alpha/jobs/" + endless + "/cancel").token(token).expect(200);
        await().atMost(Duration.ofSeconds(60)).until(() -> state(endless).equals("cancelled"));
    }

    @Test
    void aRestartedServiceReattachesToTheJobsItRunsOnSlurm() {
        String id = submit(1, "echo started; sleep 4; echo finished");
        await().atMost(Duration.ofSeconds(60)).until(() -> state(id).equals("running"));
        server.close();
        server = TestServer.start(dataDir, Clock.systemUTC(), Optional.empty(), slurm());
        token = server.operatorToken();
        await().atMost(Duration.ofSeconds(60)).until(() -> state(id).equals("succeeded"));
        assertThat(server.get("/api/v1/orgs/alpha/jobs/" + id + "/logs").token(token).send().text())
                .contains("started", "finished");
        assertThat(slurmSubmissions(id)).isEqualTo(1);
    }

    @Test
    void aNodeFailureEndsItsJobsAsLost() throws Exception {
        // Slurm ends (or, as here with JobRequeue=1, requeues) the jobs of a node that goes down; either way the
        // attempt is lost, and Incubator, which decides what runs again, cancels a copy Slurm requeued. This
        // cluster's ReturnToService=2 brings the node back at once, so that a down node is not offered is covered
        // by SlurmParsingTest.
        String id = submit(1, "echo ready; sleep 60");
        await().atMost(Duration.ofSeconds(60)).until(() -> state(id).equals("running")
                && server.get("/api/v1/orgs/alpha/jobs/" + id + "/logs").token(token).send().text().contains("ready"));
        String node = slurmClient().get("nodes").path("nodes").get(0).path("name").asText();
        assertThat(scontrol("update", "nodename=" + node, "state=down", "reason=incubator-test")).isZero();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> state(id).equals("failed"));
            assertThat(job(id).path("reason").asText()).isEqualTo("LOST");
        } finally {
            scontrol("update", "nodename=" + node, "state=resume"); // refused when it is already back: fine
        }
    }

    private static int scontrol(String... arguments) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("scontrol"));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().put("SLURM_CONF", System.getenv("INCUBATOR_TEST_SLURM_CONF"));
        return builder.start().waitFor();
    }

    @Test
    void whileSlurmrestdIsDownTheServiceIsDegradedKeepsItsQueueAndRecoversWithoutDuplicates() throws Exception {
        String id;
        slurmScript("restd-stop");
        try {
            id = submit(1, "echo ran-once");
            await().atMost(Duration.ofSeconds(30)).until(() -> server.get("/readyz").send().text()
                    .contains("degraded"));
            Thread.sleep(1_000);
            assertThat(state(id)).isEqualTo("pending");
        } finally {
            slurmScript("restd-start");
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> state(id).equals("succeeded"));
        await().atMost(Duration.ofSeconds(10)).until(() -> !server.get("/readyz").send().text().contains("degraded"));
        assertThat(slurmSubmissions(id)).isEqualTo(1);
    }

    /** How many Slurm jobs were submitted for this Incubator job, over all its attempts. */
    private static long slurmSubmissions(String id) {
        long submissions = 0;
        for (JsonNode job : slurmClient().get("jobs").path("jobs")) {
            if (job.path("name").asText().startsWith("incubator-" + id + "-")) {
                submissions++;
            }
        }
        return submissions;
    }

    private static void slurmScript(String command) throws Exception {
        Path script = Path.of("..", "scripts", "slurm.sh").toAbsolutePath().normalize();
        Process process = new ProcessBuilder("bash", script.toString(), command).inheritIO().start();
        assertThat(process.waitFor()).as("slurm.sh " + command).isZero();
    }

    private String submit(int gpus, String script) {
        return server.post("/api/v1/orgs/alpha/jobs").token(token).json(Map.of("name", "job",
                "command", List.of("bash", "-c", script), "gpus_per_node", gpus, "time_limit_minutes", 10,
                "checkpoint_grace_seconds", 2)).expect(201).path("id").asText();
    }

    private JsonNode job(String id) {
        return server.get("/api/v1/orgs/alpha/jobs/" + id).token(token).expect(200);
    }

    private String state(String id) {
        return job(id).path("state").asText();
    }
}
