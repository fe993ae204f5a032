package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attack on the local executor: a job of one organisation tries every way to the service's secrets and to
 * another organisation's job, and each fails, while its own mount and checkpoint work. Needs root (the service
 * gives each organisation an OS account); CI runs it as root.
 */
class JobIsolationTest {
    @TempDir
    Path dataDir;

    private TestServer server;
    private String token;

    @BeforeEach
    void start() {
        assumeTrue(TestServer.ROOT || System.getenv("CI") != null,
                "job isolation needs root: the service creates an OS account per organisation");
        assertThat(TestServer.ROOT).as("CI runs the isolation scenarios as root").isTrue();
        server = TestServer.start(dataDir, java.time.Clock.systemUTC(), Optional.empty());
        token = server.operatorToken();
        for (String org : List.of("alpha", "beta")) {
            server.createOrg(org);
            server.awardGrant(org, Map.of("any", 100));
            server.post("/api/v1/repos").token(token).json(Map.of("kind", "dataset", "namespace", org, "name",
                    "corpus", "visibility", "organisation")).expect(201);
            server.commit(token, "datasets/" + org + "/corpus", Map.of("notes.txt", "secret notes of " + org))
                    .expect(200);
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aJobOfOneOrganisationReadsNeitherTheServiceNorAnotherOrganisationsJob() throws Exception {
        // Alpha's job holds its mount and a checkpoint while beta's job attacks.
        String victim = submit("alpha", "victim", List.of("datasets/alpha/corpus"), Map.of("ALPHA_SECRET", "s3cr3t-alpha"),
                "echo alpha-checkpoint > $INCUBATOR_CHECKPOINT_DIR/step-1.pt; touch $INCUBATOR_JOB_DIR/../ready-flag"
                        + " 2>/dev/null; sleep 60 # alpha-marker-7731");
        await().atMost(Duration.ofSeconds(30)).until(() -> state("alpha", victim).equals("running"));
        Path victimDir = dataDir.resolve("jobs").resolve(victim);
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(victimDir.resolve("checkpoints/step-1.pt")));

        Path data = dataDir.toAbsolutePath();
        Map<String, String> attempts = new LinkedHashMap<>();
        attempts.put("bootstrap token", "cat " + data.resolve("bootstrap-token"));
        attempts.put("hub master key", "cat " + data.resolve("hub-master.key"));
        attempts.put("audit signing key", "cat " + data.resolve("audit-signing.key"));
        attempts.put("job credential key", "cat " + data.resolve("job-credential.key"));
        attempts.put("database", "head -c 16 " + data.resolve("incubator.db"));
        attempts.put("data directory listing", "ls " + data);
        attempts.put("hub packs", "ls " + data.resolve("blobs"));
        attempts.put("jobs listing", "ls " + data.resolve("jobs"));
        attempts.put("other job, mount", "cat " + victimDir.resolve("mounts/datasets/alpha/corpus/notes.txt"));
        attempts.put("other job, checkpoint", "cat " + victimDir.resolve("checkpoints/step-1.pt"));
        attempts.put("other job, logs", "cat " + victimDir.resolve("stdout.log"));
        attempts.put("other job, directory", "ls " + victimDir);
        StringBuilder script = new StringBuilder();
        attempts.forEach((what, command) -> script.append(command).append(" >/dev/null 2>&1 && echo 'LEAK: ")
                .append(what).append("' || echo 'refused: ").append(what).append("'\n"));
        // Processes: only the job's own are visible, and no other environment.
        script.append("ps -eo args > $HOME/ps.txt; grep -q 'alpha-mark''er-7731' $HOME/ps.txt && echo 'LEAK: ps'"
                + " || echo 'refused: ps'\n");
        script.append("cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n' | grep -q 's3cr3t-al''pha' && echo 'LEAK: environ'"
                + " || echo 'refused: environ'\n");
        script.append("echo \"uid=$(id -u)\"\n");
        script.append("env | cut -d= -f1 | sort | sed 's/^/env: /'\n");
        // Its own mount and checkpoint work.
        script.append("cat $INCUBATOR_MOUNTS/datasets/beta/corpus/notes.txt && echo\n");
        script.append("echo beta-checkpoint > $INCUBATOR_CHECKPOINT_DIR/step-1.pt && echo 'checkpoint written'\n");
        String attacker = submit("beta", "attacker", List.of("datasets/beta/corpus"), Map.of(), script.toString());
        await().atMost(Duration.ofSeconds(60)).until(() -> List.of("succeeded", "failed").contains(state("beta",
                attacker)));
        String log = log("beta", attacker);

        assertThat(log).doesNotContain("LEAK");
        attempts.keySet().forEach(what -> assertThat(log).contains("refused: " + what));
        assertThat(log).contains("refused: ps").contains("refused: environ");
        assertThat(log).contains("secret notes of beta").contains("checkpoint written");
        assertThat(log).doesNotContain("secret notes of alpha").doesNotContain("alpha-checkpoint");
        assertThat(uid(log)).isNotZero();

        // Nothing of the service's own environment reaches the job: only what the platform builds for it.
        List<String> variables = log.lines().filter(line -> line.startsWith("env: ")).map(line -> line.substring(5))
                .toList();
        assertThat(variables).isNotEmpty().allSatisfy(name -> assertThat(name.startsWith("INCUBATOR_")
                || List.of("PATH", "HOME", "LANG", "TMPDIR", "USER", "LOGNAME", "CUDA_VISIBLE_DEVICES", "PWD", "SHLVL",
                "_", "OLDPWD").contains(name)).as(name).isTrue());
        List<String> serviceOnly = new ArrayList<>(System.getenv().keySet());
        serviceOnly.removeAll(List.of("PATH", "HOME", "LANG", "USER", "LOGNAME", "PWD", "SHLVL", "_", "OLDPWD",
                "TMPDIR"));
        assertThat(variables).doesNotContainAnyElementsOf(serviceOnly);

        // The data directory and what is in it are closed to other users.
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir))).isEqualTo("rwx--x--x");
        for (String secret : List.of("bootstrap-token", "hub-master.key", "audit-signing.key", "job-credential.key",
                "incubator.db")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve(secret))))
                    .as(secret).endsWith("------");
        }
        server.post("/api/v1/orgs/alpha/jobs/" + victim + "/cancel").token(token).expect(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> state("alpha", victim).equals("cancelled"));
        // The attempt's mount copy is gone with the attempt; its checkpoint stays for a resubmit.
        assertThat(victimDir.resolve("mounts")).doesNotExist();
        assertThat(victimDir.resolve("checkpoints/step-1.pt")).exists();
    }

    @Test
    void twoOrganisationsConcurrentJobsRunAsDifferentAccountsAndSeeOnlyTheirOwnProcesses() {
        String script = "echo \"uid=$(id -u)\"; echo \"procs=$(ps -e --no-headers | wc -l)\"; sleep 3;"
                + " ls $INCUBATOR_JOB_DIR/../ 2>/dev/null | wc -l | sed 's/^/siblings=/'";
        String a = submit("alpha", "a", List.of(), Map.of(), script);
        String b = submit("beta", "b", List.of(), Map.of(), script);
        String a2 = submit("alpha", "a2", List.of(), Map.of(), script);
        await().atMost(Duration.ofSeconds(60)).until(() -> state("alpha", a).equals("succeeded")
                && state("beta", b).equals("succeeded") && state("alpha", a2).equals("succeeded"));
        String logA = log("alpha", a);
        String logB = log("beta", b);
        assertThat(uid(logA)).isEqualTo(uid(log("alpha", a2))).as("one account per organisation");
        assertThat(uid(logA)).isNotEqualTo(uid(logB)).isNotZero();
        for (String log : List.of(logA, logB)) {
            // bash, ps and wc of the job itself, and its wrapper: never the other jobs or the service.
            int processes = Integer.parseInt(log.lines().filter(line -> line.startsWith("procs=")).findFirst()
                    .orElseThrow().substring(6).trim());
            assertThat(processes).isLessThanOrEqualTo(6);
            assertThat(log).contains("siblings=0");
        }
    }

    @Test
    void readinessAndTheServerSayWhichIsolationIsInForce() {
        JsonNode ready = server.get("/readyz").expect(200);
        assertThat(ready.path("checks").path("isolation").asText())
                .contains("OS account per organisation").contains("own PID namespace");
    }

    private String submit(String org, String name, List<String> mounts, Map<String, String> env, String script) {
        return server.post("/api/v1/orgs/" + org + "/jobs").token(token).json(Map.of("name", name,
                "command", List.of("bash", "-c", script), "gpus_per_node", 1, "mounts", mounts, "env", env,
                "checkpoint_grace_seconds", 1)).expect(201).path("id").asText();
    }

    private String state(String org, String id) {
        return server.get("/api/v1/orgs/" + org + "/jobs/" + id).token(token).expect(200).path("state").asText();
    }

    private String log(String org, String id) {
        return server.get("/api/v1/orgs/" + org + "/jobs/" + id + "/logs").token(token).send().text();
    }

    private static int uid(String log) {
        return Integer.parseInt(log.lines().filter(line -> line.startsWith("uid=")).findFirst().orElseThrow()
                .substring(4).trim());
    }
}
