package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.incubator.server.TestServer.Response;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real jobs as local processes on 4 virtual GPUs, scheduled, metered and reported through the API. */
class ComputeApiTest {
    @TempDir
    Path dataDir;

    private final MutableClock clock = new MutableClock(Instant.now());
    protected TestServer server;
    protected String token;

    @BeforeEach
    void start() {
        server = TestServer.start(dataDir, clock, store(), slurm());
        token = server.operatorToken();
        for (String org : List.of("alpha", "beta")) {
            server.createOrg(org);
            server.post("/api/v1/orgs/" + org + "/grants").token(token).json(Map.of("programme", "seed",
                    "gpu_hours", Map.of("any", 100), "starts_on", "2020-01-01", "ends_on", "2099-12-31",
                    "guaranteed_gpus", 2)).expect(201);
        }
    }

    /** The compute back end: empty for local processes; a subclass runs the same scenarios on Slurm. */
    protected Optional<dev.incubator.server.config.ServerConfig.Slurm> slurm() {
        return Optional.empty();
    }

    /** The metadata store; subclasses run the same scenarios on another. */
    protected Optional<dev.incubator.store.StoreConfig> store() {
        return Optional.empty();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void jobsOfSeveralOrganisationsGetDisjointGpusAndAreMetered() {
        String a = submit("alpha", 2, "echo gpus=$CUDA_VISIBLE_DEVICES; sleep 2");
        String b = submit("beta", 2, "echo gpus=$CUDA_VISIBLE_DEVICES; sleep 2");
        String c = submit("alpha", 2, "echo gpus=$CUDA_VISIBLE_DEVICES");

        await().atMost(Duration.ofSeconds(20)).until(() -> state("alpha", a).equals("running")
                && state("beta", b).equals("running"));
        await().atMost(Duration.ofSeconds(10)).until(() -> !job("alpha", c).path("reason").asText().equals("NEW"));
        JsonNode waiting = job("alpha", c);
        assertThat(waiting.path("state").asText()).isEqualTo("pending");
        assertThat(waiting.path("reason").asText()).isEqualTo("QUOTA_EXCEEDED_AND_NO_IDLE");
        assertThat(waiting.path("message").asText()).contains("guarantee of 2 GPUs");
        assertThat(server.get("/api/v1/queue").token(token).expect(200).path("items").findValuesAsText("id"))
                .contains(a, b, c);

        await().atMost(Duration.ofSeconds(30)).until(() -> state("alpha", c).equals("succeeded")
                && state("alpha", a).equals("succeeded") && state("beta", b).equals("succeeded"));
        Set<String> first = gpus(log("alpha", a));
        Set<String> second = gpus(log("beta", b));
        assertThat(first).hasSize(2);
        assertThat(second).hasSize(2).doesNotContainAnyElementsOf(first);
        assertThat(job("alpha", a).path("exit_code").asInt()).isZero();

        JsonNode grant = server.get("/api/v1/orgs/alpha/grants").token(token).expect(200).path("items").get(0);
        assertThat(grant.path("used_gpu_hours").decimalValue()).isPositive();
        JsonNode ledger = server.get("/api/v1/orgs/alpha/grants/" + grant.path("id").asText() + "/ledger")
                .token(token).expect(200);
        // Exact metering: what the ledger charged each job is its metered usage, to the milli-GPU-hour (a job of a
        // few GPU-seconds, such as c, is charged nothing rather than rounded up).
        for (String id : List.of(a, c)) {
            java.math.BigDecimal charged = java.math.BigDecimal.ZERO;
            for (JsonNode entry : ledger.path("items")) {
                if (entry.path("reference").asText().equals(id)) {
                    charged = charged.add(entry.path("gpu_hours").decimalValue().abs());
                }
            }
            assertThat(charged).isEqualByComparingTo(job("alpha", id).path("gpu_hours").decimalValue());
        }
        assertThat(ledger.path("items").findValuesAsText("reference")).contains(a);

        JsonNode usage = server.get("/api/v1/orgs/alpha/usage").token(token).expect(200);
        assertThat(usage.path("per_job").findValuesAsText("key")).contains(a, c);
        assertThat(usage.path("gpu_hours").asDouble()).isPositive();
        assertThat(usage.path("energy_kwh").asDouble()).isPositive();
        assertThat(usage.path("co2e_kg").asDouble())
                .isCloseTo(usage.path("energy_kwh").asDouble() * 0.5703, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(usage.path("per_day")).hasSize(1);
    }

    @Test
    void aJobWithoutATimeLimitGetsItsOrganisationsDefault() {
        server.request("PATCH", "/api/v1/orgs/alpha").token(token)
                .json(Map.of("default_job_time_limit_minutes", 240)).expect(200);
        JsonNode submitted = server.post("/api/v1/orgs/alpha/jobs").token(token)
                .json(Map.of("name", "quick", "command", List.of("true"))).expect(201);
        assertThat(submitted.path("time_limit_minutes").asInt()).isEqualTo(240);
        JsonNode other = server.post("/api/v1/orgs/beta/jobs").token(token)
                .json(Map.of("name", "quick", "command", List.of("true"))).expect(201);
        assertThat(other.path("time_limit_minutes").asInt()).isEqualTo(60);
    }

    @Test
    void impossibleSpecsAreRefusedAtSubmitWithEveryReason() {
        Response tooBig = server.post("/api/v1/orgs/alpha/jobs").token(token)
                .json(Map.of("name", "big", "command", List.of("true"), "gpus_per_node", 8)).send();
        assertThat(tooBig.status()).isEqualTo(400);
        assertThat(tooBig.json().path("errors").get(0).path("message").asText()).contains("needs 8 GPUs");

        Map<String, Object> bad = new LinkedHashMap<>();
        bad.put("name", "bad");
        bad.put("command", List.of());
        bad.put("gpus_per_node", -1);
        bad.put("gpu_type", "h100");
        bad.put("time_limit_minutes", 0);
        Response invalid = server.post("/api/v1/orgs/alpha/jobs").token(token).json(bad).send();
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.json().path("errors").findValuesAsText("field"))
                .contains("command", "gpus_per_node", "gpu_type", "time_limit_minutes");
        // Alternatives: any one of them; one in the cluster suffices (its GPUs are virtual, or Slurm's fake ones).
        String present = server.get("/api/v1/cluster").token(token).expect(200).path("nodes").get(0).path("gpus")
                .get(0).path("type").asText();
        Response either = server.post("/api/v1/orgs/alpha/jobs").token(token).json(Map.of("name", "either",
                "command", List.of("true"), "gpu_type", "h100|" + present)).send();
        assertThat(either.status()).as(either.text()).isEqualTo(201);
        Response neither = server.post("/api/v1/orgs/alpha/jobs").token(token).json(Map.of("name", "neither",
                "command", List.of("true"), "gpu_type", "h100|a100")).send();
        assertThat(neither.json().path("errors").get(0).path("message").asText())
                .contains("'h100|a100' is not in this cluster; it has " + present);
        Response tooMany = server.post("/api/v1/orgs/alpha/jobs").token(token).json(Map.of("name", "wide",
                "command", List.of("true"), "nodes", 8, "gpus_per_node", 1)).send();
        assertThat(tooMany.status()).isEqualTo(400);
        assertThat(tooMany.json().path("errors").findValuesAsText("field")).as("named for what is wrong")
                .containsExactly("nodes");
    }

    @Test
    void aCancelledRunningJobStopsAndATimedOutOneIsMarkedSo() {
        String cancelled = submit("alpha", 1, "sleep 60");
        String slow = submit("beta", 1, "sleep 60");
        await().atMost(Duration.ofSeconds(20)).until(() -> state("alpha", cancelled).equals("running")
                && state("beta", slow).equals("running"));
        server.post("/api/v1/orgs/alpha/jobs/" + cancelled + "/cancel").token(token).expect(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> state("alpha", cancelled).equals("cancelled"));

        clock.advance(Duration.ofMinutes(61));
        await().atMost(Duration.ofSeconds(20)).until(() -> state("beta", slow).equals("timeout"));
        assertThat(job("beta", slow).path("reason").asText()).isEqualTo("TIMEOUT");
        assertThat(job("beta", slow).path("message").asText()).as("a duration people read").contains("of 1h")
                .doesNotContain("PT");
    }

    @Test
    void aGuaranteedOrganisationReclaimsBorrowedGpusAndTheVictimReturnsToTheQueue() {
        server.createOrg("gamma"); // no grant: its jobs only borrow idle GPUs
        String checkpointing = "trap 'echo checkpoint; exit 0' TERM; echo ready; sleep 60 & wait";
        List<String> borrowers = List.of(submit("gamma", 2, checkpointing), submit("gamma", 2, checkpointing));
        // Running, and with the checkpoint handler installed (a back end may report a job running before its
        // script has begun).
        await().atMost(Duration.ofSeconds(30)).until(() -> borrowers.stream().allMatch(id -> state("gamma", id)
                .equals("running") && log("gamma", id).contains("ready")));
        assertThat(job("gamma", borrowers.get(0)).path("borrowed").asBoolean()).isTrue();

        String guaranteed = submit("alpha", 2, "echo reclaimed; sleep 1");
        await().atMost(Duration.ofSeconds(30)).until(() -> state("alpha", guaranteed).equals("succeeded"));
        List<JsonNode> after = borrowers.stream().map(id -> job("gamma", id)).toList();
        assertThat(after).anySatisfy(victim -> {
            assertThat(victim.path("attempt").asInt()).isEqualTo(2);
            assertThat(List.of("pending", "admitted", "running")).contains(victim.path("state").asText());
        });
        assertThat(log("gamma", after.stream().filter(victim -> victim.path("attempt").asInt() == 2).findFirst()
                .orElseThrow().path("id").asText())).contains("checkpoint");
        for (String id : borrowers) {
            server.post("/api/v1/orgs/gamma/jobs/" + id + "/cancel").token(token).send();
        }
    }

    @Test
    void aFailedAttemptIsRetriedAsTheNextAttempt() {
        String flaky = server.post("/api/v1/orgs/alpha/jobs").token(token).json(Map.of("name", "flaky",
                "command", List.of("bash", "-c", "echo attempt $INCUBATOR_ATTEMPT; [ \"$INCUBATOR_ATTEMPT\" -ge 2 ]"),
                "gpus_per_node", 1, "retries", 1)).expect(201).path("id").asText();
        await().atMost(Duration.ofSeconds(20)).until(() -> state("alpha", flaky).equals("succeeded"));
        assertThat(job("alpha", flaky).path("attempt").asInt()).isEqualTo(2);
        assertThat(log("alpha", flaky)).contains("attempt 1").contains("attempt 2");
    }

    @Test
    void aJobReadsTheRepositoriesItMountsInEveryAttempt() {
        server.post("/api/v1/repos").token(token).json(Map.of("kind", "dataset", "namespace", "alpha", "name",
                "corpus", "visibility", "organisation")).expect(201);
        server.commit(token, "datasets/alpha/corpus", Map.of("shards/0.txt", "first shard")).expect(200);
        String reader = server.post("/api/v1/orgs/alpha/jobs").token(token).json(Map.of("name", "reader",
                "mounts", List.of("datasets/alpha/corpus"), "retries", 1, "command", List.of("bash", "-c",
                        "echo \"attempt $INCUBATOR_ATTEMPT: $(cat $INCUBATOR_MOUNTS/datasets/alpha/corpus/shards/0.txt)\";"
                                + " [ \"$INCUBATOR_ATTEMPT\" -ge 2 ]"))).expect(201).path("id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> List.of("succeeded", "failed").contains(state("alpha",
                reader)));
        assertThat(job("alpha", reader).path("state").asText()).isEqualTo("succeeded");
        assertThat(job("alpha", reader).path("mounts").get(0).asText()).isEqualTo("datasets/alpha/corpus");
        assertThat(log("alpha", reader)).contains("attempt 1: first shard").contains("attempt 2: first shard");
    }

    @Test
    void mountsAreCopiedOffTheSchedulingCycleAndACancelWhileCopyingEndsTheJobUnstarted() throws Exception {
        java.util.concurrent.CountDownLatch copying = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        // A slow copy, standing in for a large repository.
        server.server().compute().mounts((job, target) -> {
            copying.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        String mounting = server.post("/api/v1/orgs/alpha/jobs").token(token).json(Map.of("name", "mounting",
                "mounts", List.of("datasets/alpha/huge"), "gpus_per_node", 1, "command", List.of("bash", "-c",
                        "echo started"))).expect(201).path("id").asText();
        assertThat(copying.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        String other = submit("beta", 1, "echo meanwhile");
        await().atMost(Duration.ofSeconds(20)).until(() -> state("beta", other).equals("succeeded"));
        assertThat(state("alpha", mounting)).as("holds its GPU while copying").isEqualTo("admitted");

        server.post("/api/v1/orgs/alpha/jobs/" + mounting + "/cancel").token(token).expect(200);
        release.countDown();
        await().atMost(Duration.ofSeconds(20)).until(() -> state("alpha", mounting).equals("cancelled"));
        assertThat(log("alpha", mounting)).doesNotContain("started");
    }

    @Test
    void aVanishedProcessIsReportedLost() throws Exception {
        String marker = "lost-marker-" + System.nanoTime();
        String doomed = submit("beta", 1, "sleep 30 # " + marker);
        await().atMost(Duration.ofSeconds(20)).until(() -> state("beta", doomed).equals("running"));
        new ProcessBuilder("pkill", "-KILL", "-f", marker).start().waitFor();
        await().atMost(Duration.ofSeconds(20)).until(() -> state("beta", doomed).equals("failed"));
        assertThat(job("beta", doomed).path("reason").asText()).isEqualTo("LOST");
    }

    @Test
    void aUsersFinishedJobsTeachTheSchedulerWhichOfTheirJobsIsShorter() throws Exception {
        // History: this user's 4-GPU jobs end at once, their 3-GPU jobs take seconds.
        String quick = submit("alpha", 4, "true");
        await().atMost(Duration.ofSeconds(20)).until(() -> state("alpha", quick).equals("succeeded"));
        String slowish = submit("alpha", 3, "sleep 6");
        await().atMost(Duration.ofSeconds(20)).until(() -> state("alpha", slowish).equals("succeeded"));
        // While two GPUs are busy (neither waiting job fits), a 3-GPU job is queued before a 4-GPU one. By time
        // limits alone (60 min x 3 against 60 min x 4 GPU-minutes) the 3-GPU job would go first; by predicted
        // GPU-time the 4-GPU one does. The blocker has a size of its own so its run time teaches nothing about them.
        Path release = dataDir.resolve("release-blocker");
        String blocker = submit("alpha", 2, "while [ ! -f '" + release + "' ]; do sleep 0.1; done");
        await().atMost(Duration.ofSeconds(20)).until(() -> state("alpha", blocker).equals("running"));
        String wide = submit("alpha", 3, "sleep 1");
        String predictedShorter = submit("alpha", 4, "true");
        java.nio.file.Files.createFile(release); // both wait now: the blocker ends only after they were queued
        await().atMost(Duration.ofSeconds(30)).until(() -> state("alpha", wide).equals("succeeded")
                && state("alpha", predictedShorter).equals("succeeded"));
        assertThat(Instant.parse(job("alpha", predictedShorter).path("started_at").asText()))
                .isBefore(Instant.parse(job("alpha", wide).path("started_at").asText()));
    }

    @Test
    void theClusterShowsWhoHoldsWhichGpu() {
        String running = submit("alpha", 1, "sleep 5");
        await().atMost(Duration.ofSeconds(20)).until(() -> state("alpha", running).equals("running"));
        JsonNode cluster = server.get("/api/v1/cluster").token(token).expect(200);
        assertThat(cluster.path("total_gpus").asInt()).isEqualTo(4);
        assertThat(cluster.path("nodes").get(0).path("gpus").findValuesAsText("held_by")).contains(running);
    }

    @Test
    void aJobNoNodeCanHoldIsRefusedAtSubmitNamingTheLargestNode() {
        int cpus = nodeCpus();
        JsonNode refused = server.post("/api/v1/orgs/alpha/jobs").token(token).json(Map.of("name", "huge",
                "command", List.of("true"), "cpus", cpus * 4, "memory_mib", 9_961_472)).expect(400);
        assertThat(refused.path("errors").findValuesAsText("field")).contains("cpus", "memory_mib");
        assertThat(refused.path("errors").findValuesAsText("message")).anySatisfy(message ->
                assertThat(message).contains(cpus * 4 + " CPUs").contains("has " + cpus + " CPUs"));
    }

    @Test
    void aJobThatFitsOnlyLaterWaitsNamingTheCpusItLacks() {
        int cpus = nodeCpus();
        String big = server.post("/api/v1/orgs/alpha/jobs").token(token).json(Map.of("name", "big",
                "command", List.of("bash", "-c", "sleep 30"), "cpus", cpus * 3 / 4, "checkpoint_grace_seconds", 1))
                .expect(201).path("id").asText();
        await().atMost(Duration.ofSeconds(20)).until(() -> state("alpha", big).equals("running"));
        String waiting = server.post("/api/v1/orgs/beta/jobs").token(token).json(Map.of("name", "waits",
                "command", List.of("true"), "cpus", cpus / 2)).expect(201).path("id").asText();
        await().atMost(Duration.ofSeconds(10)).until(() -> !job("beta", waiting).path("reason").asText().equals("NEW"));
        assertThat(job("beta", waiting).path("state").asText()).isEqualTo("pending");
        assertThat(job("beta", waiting).path("message").asText()).contains("waiting for CPUs (" + cpus / 2
                + " per node, at most " + (cpus - cpus * 3 / 4) + " free on a node)");
        server.post("/api/v1/orgs/alpha/jobs/" + big + "/cancel").token(token).expect(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> state("beta", waiting).equals("succeeded"));
    }

    @Test
    void aJobOverItsMemoryIsStoppedAndSaysSo() {
        // The local executor's enforcement; on Slurm, --mem is the cluster's to enforce (task/cgroup).
        org.junit.jupiter.api.Assumptions.assumeTrue(slurm().isEmpty(), "memory enforcement of the local executor");
        // tail keeps a line without newline in memory: 600 MiB against a limit of 100 MiB.
        String hungry = server.post("/api/v1/orgs/alpha/jobs").token(token).json(Map.of("name", "hungry",
                "command", List.of("bash", "-c", "head -c 629145600 /dev/zero | tail -n 1 > /dev/null && echo survived"),
                "memory_mib", 100)).expect(201).path("id").asText();
        await().atMost(Duration.ofSeconds(60)).until(() -> List.of("succeeded", "failed").contains(state("alpha",
                hungry)));
        JsonNode ended = job("alpha", hungry);
        String isolation = server.get("/readyz").expect(200).path("checks").path("isolation").asText();
        org.junit.jupiter.api.Assumptions.assumeFalse(isolation.contains("memory not enforced"), isolation);
        assertThat(ended.path("state").asText()).as(ended.toString()).isEqualTo("failed");
        assertThat(log("alpha", hungry)).doesNotContain("survived");
        if (isolation.contains("cgroup")) {
            assertThat(ended.path("reason").asText()).isEqualTo("OUT_OF_MEMORY");
            assertThat(ended.path("message").asText()).contains("memory_mib of 100 MiB");
        }
    }

    @Test
    void aJobCanNotBorrowAnotherOrganisationsCode() {
        server.post("/api/v1/repos").token(token).json(Map.of("kind", "dataset", "namespace", "alpha", "name",
                "job-code", "visibility", "organisation")).expect(201);
        String commit = server.commit(token, "datasets/alpha/job-code", Map.of("train.sh", "echo secret recipe"))
                .expect(200).path("commitOid").asText();
        server.createUser("mallory");
        server.addMember("beta", "mallory", "member");
        String mallory = server.tokenFor("mallory", "read", "write");
        JsonNode refused = server.post("/api/v1/orgs/beta/jobs").token(mallory).json(Map.of("name", "steal",
                "command", List.of("bash", "train.sh"), "code", "datasets/alpha/job-code@" + commit)).expect(400);
        assertThat(refused.path("detail").asText()).contains("not found").doesNotContain("secret");
        JsonNode malformed = server.post("/api/v1/orgs/alpha/jobs").token(token).json(Map.of("name", "bad",
                "command", List.of("true"), "code", "datasets/alpha/job-code")).expect(400);
        assertThat(malformed.path("errors").findValuesAsText("field")).contains("code");
    }

    @Test
    void aMissingMountIsRefusedAtSubmit() {
        JsonNode refused = server.post("/api/v1/orgs/alpha/jobs").token(token).json(Map.of("name", "reader",
                "mounts", List.of("datasets/alpha/never-made"), "command", List.of("true"))).expect(400);
        assertThat(refused.path("errors").findValuesAsText("field")).contains("mounts");
        assertThat(refused.path("detail").asText()).contains("datasets/alpha/never-made");
    }

    @Test
    void aMemberIsWarnedAtSubmitWhenTheGrantRunsLow() {
        JsonNode grant = server.get("/api/v1/orgs/beta/grants").token(token).expect(200).path("items").get(0);
        server.post("/api/v1/orgs/beta/grants/" + grant.path("id").asText() + "/usage").token(token)
                .json(Map.of("gpu_type", "virtual", "gpu_hours", 85, "reference", "manual")).expect(201);
        JsonNode submitted = server.post("/api/v1/orgs/beta/jobs").token(token).json(Map.of("name", "late",
                "command", List.of("true"))).expect(201);
        assertThat(submitted.path("warnings").get(0).asText()).contains("85 % used").contains("15");
        JsonNode fresh = server.post("/api/v1/orgs/alpha/jobs").token(token).json(Map.of("name", "early",
                "command", List.of("true"))).expect(201);
        assertThat(fresh.path("warnings")).isEmpty();
    }

    @Test
    void dependenciesWaitForOtherJobsAndEndWhenTheyCanNeverBeSatisfied() {
        String first = submit("alpha", 0, "sleep 2; echo first");
        String afterOk = dependent("after_ok:" + first);
        String afterNotOk = dependent("after_not_ok:" + first);
        String afterAny = dependent("after_any:" + first);
        await().atMost(Duration.ofSeconds(10)).until(() -> job("alpha", afterOk).path("reason").asText()
                .equals("DEPENDENCY"));
        assertThat(job("alpha", afterOk).path("message").asText()).isEqualTo("waits for after_ok:" + first);
        assertThat(job("alpha", afterOk).path("depends_on").get(0).asText()).isEqualTo("after_ok:" + first);
        assertThat(state("alpha", afterOk)).isEqualTo("pending");

        await().atMost(Duration.ofSeconds(30)).until(() -> state("alpha", afterOk).equals("succeeded")
                && state("alpha", afterAny).equals("succeeded") && state("alpha", afterNotOk).equals("cancelled"));
        assertThat(job("alpha", afterOk).path("started_at").asText())
                .isGreaterThanOrEqualTo(job("alpha", first).path("finished_at").asText());
        JsonNode never = job("alpha", afterNotOk);
        assertThat(never.path("reason").asText()).isEqualTo("DEPENDENCY_NEVER_SATISFIED");
        assertThat(never.path("message").asText()).contains("ended succeeded");

        // Only jobs of the same organisation, and only well-formed ones.
        JsonNode foreign = server.post("/api/v1/orgs/beta/jobs").token(token).json(Map.of("name", "peek",
                "command", List.of("true"), "depends_on", List.of("after_ok:" + first))).expect(400);
        assertThat(foreign.path("errors").findValuesAsText("message")).contains("job " + first
                + " not found in this organisation");
        JsonNode malformed = server.post("/api/v1/orgs/alpha/jobs").token(token).json(Map.of("name", "bad",
                "command", List.of("true"), "depends_on", List.of("before:" + first))).expect(400);
        assertThat(malformed.path("errors").findValuesAsText("field")).contains("depends_on");
    }

    @Test
    void anArrayRunsOneTaskPerIndexAndNeverMoreAtOnceThanItsLimit() {
        JsonNode first = server.post("/api/v1/orgs/alpha/jobs").token(token).json(Map.of("name", "sweep",
                "command", List.of("bash", "-c", "echo task=$INCUBATOR_ARRAY_INDEX of $INCUBATOR_ARRAY_JOB_ID; sleep 1"),
                "array", "0-5%2")).expect(201);
        String array = first.path("id").asText();
        assertThat(first.path("array_tasks").asInt()).isEqualTo(6);
        assertThat(first.path("array_id").asText()).isEqualTo(array);
        List<JsonNode> tasks = new java.util.ArrayList<>();
        server.get("/api/v1/orgs/alpha/jobs?limit=100").token(token).expect(200).path("items")
                .forEach(task -> tasks.add(task));
        assertThat(tasks).hasSize(6);
        int[] mostRunning = {0};
        boolean[] limited = {false};
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            JsonNode items = server.get("/api/v1/orgs/alpha/jobs?limit=100").token(token).expect(200).path("items");
            int running = 0;
            int done = 0;
            for (JsonNode task : items) {
                running += List.of("running", "admitted").contains(task.path("state").asText()) ? 1 : 0;
                done += task.path("state").asText().equals("succeeded") ? 1 : 0;
                limited[0] |= task.path("reason").asText().equals("ARRAY_LIMIT");
            }
            mostRunning[0] = Math.max(mostRunning[0], running);
            return done == 6;
        });
        assertThat(mostRunning[0]).isBetween(1, 2);
        assertThat(limited[0]).as("tasks past the limit say why they wait").isTrue();
        for (JsonNode task : tasks) {
            assertThat(log("alpha", task.path("id").asText())).isEqualTo("task=" + task.path("array_index").asInt()
                    + " of " + array + "\n");
        }
        JsonNode bad = server.post("/api/v1/orgs/alpha/jobs").token(token).json(Map.of("name", "bad",
                "command", List.of("true"), "array", "5-1")).expect(400);
        assertThat(bad.path("errors").findValuesAsText("field")).contains("array");
        server.post("/api/v1/orgs/alpha/jobs").token(token).json(Map.of("name", "huge",
                "command", List.of("true"), "array", "0-5000")).expect(400);
    }

    @Test
    void aJobGetsItsWarningSignalBeforeItsTimeLimit() {
        String warned = server.post("/api/v1/orgs/alpha/jobs").token(token).json(Map.of("name", "long",
                "command", List.of("bash", "-c", "trap 'echo warned; exit 0' USR1; echo ready; while :; do sleep 0.2; done"),
                "time_limit_minutes", 10, "warning_signal", "USR1", "warning_seconds", 120)).expect(201)
                .path("id").asText();
        // the trap is set once the script says so; a signal before that would end the shell
        await().atMost(Duration.ofSeconds(30)).until(() -> log("alpha", warned).contains("ready"));
        assertThat(log("alpha", warned)).doesNotContain("warned");
        clock.advance(Duration.ofMinutes(9));
        await().atMost(Duration.ofSeconds(30)).until(() -> state("alpha", warned).equals("succeeded"));
        assertThat(log("alpha", warned)).contains("warned");
        JsonNode tooLate = server.post("/api/v1/orgs/alpha/jobs").token(token).json(Map.of("name", "bad",
                "command", List.of("true"), "time_limit_minutes", 1, "warning_signal", "USR1", "warning_seconds", 90))
                .expect(400);
        assertThat(tooLate.path("errors").findValuesAsText("field")).contains("warning_seconds");
    }

    private String dependent(String dependency) {
        return server.post("/api/v1/orgs/alpha/jobs").token(token).json(Map.of("name", "then", "command",
                List.of("true"), "depends_on", List.of(dependency))).expect(201).path("id").asText();
    }

    /** CPUs of the first node, as the cluster reports them. */
    private int nodeCpus() {
        return server.get("/api/v1/cluster").token(token).expect(200).path("nodes").get(0).path("cpus").asInt();
    }

    private String submit(String org, int gpus, String script) {
        return server.post("/api/v1/orgs/" + org + "/jobs").token(token).json(Map.of("name", "job",
                "command", List.of("bash", "-c", script), "gpus_per_node", gpus, "time_limit_minutes", 60,
                "checkpoint_grace_seconds", 2)).expect(201).path("id").asText();
    }

    private JsonNode job(String org, String id) {
        return server.get("/api/v1/orgs/" + org + "/jobs/" + id).token(token).expect(200);
    }

    private String state(String org, String id) {
        return job(org, id).path("state").asText();
    }

    private String log(String org, String id) {
        return server.get("/api/v1/orgs/" + org + "/jobs/" + id + "/logs").token(token).send().text();
    }

    private static Set<String> gpus(String log) {
        String line = log.lines().filter(text -> text.startsWith("gpus=")).findFirst().orElseThrow();
        return new HashSet<>(List.of(line.substring(5).split(",")));
    }
}
