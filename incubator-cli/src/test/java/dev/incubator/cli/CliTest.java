package dev.incubator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.server.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI against a real server, as a user types it. */
class CliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private TestServer server;


    @BeforeEach
    void start() {
        server = TestServer.start(temp.resolve("data"));
        IncubatorCommand.useEnvironment(Map.of("XDG_CONFIG_HOME", temp.resolve("config").toString()));
    }

    @AfterEach
    void stop() {
        server.close();
        IncubatorCommand.useEnvironment(System.getenv());
    }

    @Test
    void theBootstrapTokenLogsInAndCredentialsArePrivate() throws Exception {
        CliRun login = login();
        assertThat(login.exitCode()).as(login.err()).isZero();
        assertThat(login.out()).contains("as admin");
        Path credentials = temp.resolve("config/incubator/credentials.json");
        assertThat(Files.getPosixFilePermissions(credentials)).isEqualTo(PosixFilePermissions.fromString("rw-------"));

        CliRun whoami = run("whoami", "--output", "json");
        assertThat(whoami.json().path("user").path("name").asText()).isEqualTo("admin");
        assertThat(run("whoami").out()).contains("platform roles").contains("operator");
    }

    @Test
    void anOperatorOnboardsAnOrganisationWithAGrant() throws Exception {
        login();
        assertThat(run("user", "create", "ada", "--email", "ada@example.org").exitCode()).isZero();
        CliRun org = run("org", "create", "deep-lab", "--kind", "lab", "--display-name", "Deep Lab", "--owner", "ada",
                "-o", "json");
        assertThat(org.exitCode()).as(org.err()).isZero();
        assertThat(org.json().path("name").asText()).isEqualTo("deep-lab");
        assertThat(run("member", "list", "deep-lab").out()).contains("ada").contains("owner");

        CliRun award = run("grant", "award", "deep-lab", "--programme", "2026 seed", "--gpu-hours", "any=1000",
                "--gpu-hours", "a100=250.5", "--starts-on", "2026-01-01", "--ends-on", "2099-12-31",
                "--guaranteed-gpus", "8", "-o", "json");
        assertThat(award.exitCode()).as(award.err()).isZero();
        String grantId = award.json().path("id").asText();
        CliRun show = run("grant", "show", "deep-lab", grantId);
        assertThat(show.out()).contains("balance GPU-h").contains("1250.500").contains("Ledger:").contains("award");
        CliRun adjusted = run("grant", "adjust", "deep-lab", grantId, "--gpu-hours", "any=250", "--note", "GPU Day bonus");
        assertThat(adjusted.exitCode()).as(adjusted.err()).isZero();
        assertThat(adjusted.out()).contains("1500.500");
        assertThat(run("grant", "show", "deep-lab", grantId).out()).contains("GPU Day bonus");
        CliRun typo = run("grant", "adjust", "deep-lab", grantId, "--gpu-hours", "lots", "--note", "x");
        assertThat(typo.exitCode()).isEqualTo(1);
        assertThat(typo.err()).contains("TYPE=HOURS");
        assertThat(run("user", "show", "ada").out()).contains("ada@example.org").contains("created");
        assertThat(run("grant", "list", "deep-lab", "-o", "json").json().path("items")).hasSize(1);
        assertThat(run("org", "list", "--all").out()).contains("deep-lab").contains("operators");

        CliRun token = run("token", "create", "--name", "ada-laptop", "--user", "ada", "--scope", "read", "-o", "json");
        assertThat(token.json().path("secret").asText()).startsWith("inc_");
        CliRun adas = run("token", "list", "--user", "ada");
        assertThat(adas.exitCode()).as(adas.err()).isZero();
        assertThat(adas.out()).contains("ada-laptop").doesNotContain(token.json().path("secret").asText());
        CliRun disabled = run("user", "disable", "ada", "--reason", "moved to another lab");
        assertThat(disabled.exitCode()).as(disabled.err()).isZero();
        assertThat(disabled.out()).contains("disabled").contains("ada");
        assertThat(run("user", "show", "ada", "-o", "json").json().path("disabled_at").asText()).isNotEmpty();
    }

    @Test
    void anOperatorAndAMemberKeepAProfileEachAndSwitchWithProfile() throws Exception {
        Path credentials = temp.resolve("config/incubator/credentials.json");
        // A credentials file of the older, flat form is the default profile.
        Files.createDirectories(credentials.getParent());
        Files.writeString(credentials, JSON.createObjectNode().put("url", server.url().toString())
                .put("token", server.operatorToken()).toString());
        assertThat(run("whoami", "-o", "json").json().path("user").path("name").asText()).isEqualTo("admin");
        run("user", "create", "ada", "--email", "ada@example.org");
        String ada = run("token", "create", "--user", "ada", "--name", "laptop", "--scope", "read", "-o", "json")
                .json().path("secret").asText();
        Path adaToken = Files.writeString(temp.resolve("ada-token"), ada);
        CliRun member = run("login", "--profile", "ada", "--url", server.url().toString(), "--token-file",
                adaToken.toString());
        assertThat(member.exitCode()).as(member.err()).isZero();
        assertThat(member.out()).contains("as ada").contains("profile 'ada' (now current)");
        assertThat(run("whoami", "-o", "json").json().path("user").path("name").asText()).isEqualTo("ada");
        assertThat(run("whoami", "--profile", "default", "-o", "json").json().path("user").path("name").asText())
                .isEqualTo("admin");
        assertThat(Files.getPosixFilePermissions(credentials)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        CliRun missing = run("whoami", "--profile", "nobody");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("no profile 'nobody'").contains("login --profile nobody");
    }

    @Test
    void aProfilesDefaultOrganisationServesTheCommandsThatActOnOne() throws Exception {
        login();
        run("org", "create", "deep-lab", "--kind", "lab");
        run("org", "create", "other-lab", "--kind", "lab");
        CliRun noDefault = run("job", "list");
        assertThat(noDefault.exitCode()).isEqualTo(1);
        assertThat(noDefault.err()).contains("incubator login --org NAME");
        CliRun unknown = run("login", "--url", server.url().toString(), "--token-file",
                temp.resolve("data/bootstrap-token").toString(), "--org", "no-such-lab");
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err()).contains("no-such-lab").contains("not found");
        CliRun login = run("login", "--url", server.url().toString(), "--token-file",
                temp.resolve("data/bootstrap-token").toString(), "--org", "deep-lab");
        assertThat(login.out()).contains("default organisation deep-lab");

        Path spec = Files.writeString(temp.resolve("sweep.yaml"), "name: sweep\ncommand: ['true']\n");
        CliRun submitted = run("job", "submit", "-f", spec.toString(), "-o", "json");
        assertThat(submitted.exitCode()).as(submitted.err()).isZero();
        assertThat(submitted.json().path("organisation").asText()).isEqualTo("deep-lab");
        run("job", "submit", "-f", Files.writeString(temp.resolve("other.yaml"), "name: other\ncommand: ['true']\n")
                .toString());
        assertThat(run("job", "list", "-o", "json").json().path("items")).hasSize(2);
        assertThat(run("job", "list", "--name", "sweep", "-o", "json").json().path("items"))
                .extracting(job -> job.path("name").asText()).containsExactly("sweep");
        assertThat(run("member", "list").exitCode()).isZero();
        assertThat(run("grant", "list", "-o", "json").exitCode()).isZero();
        assertThat(run("usage").exitCode()).isZero();
        assertThat(run("job", "list", "other-lab", "-o", "json").json().path("items")).as("named beats default")
                .isEmpty();
        IncubatorCommand.useEnvironment(Map.of("XDG_CONFIG_HOME", temp.resolve("config").toString(),
                "INCUBATOR_ORG", "other-lab"));
        assertThat(run("job", "list", "-o", "json").json().path("items")).as("INCUBATOR_ORG beats the profile")
                .isEmpty();
    }

    @Test
    void anOperatorSetsAnOrganisationsStorageQuotaAndItsMembersSeeWhatTheyUse() throws Exception {
        login();
        run("org", "create", "deep-lab", "--kind", "lab");
        CliRun show = run("org", "show", "deep-lab");
        assertThat(show.out()).contains("hub storage").contains("0 B of 1.0 TiB (0.0 %, default quota)");
        CliRun set = run("org", "quota", "deep-lab", "--set", "500GiB");
        assertThat(set.exitCode()).as(set.err()).isZero();
        assertThat(set.out()).contains("500.0 GiB").contains("organisation");
        assertThat(run("org", "quota", "deep-lab", "-o", "json").json().path("quota_bytes").asLong())
                .isEqualTo(500L << 30);
        CliRun typo = run("org", "quota", "deep-lab", "--set", "500 gigs");
        assertThat(typo.exitCode()).isNotZero();
        assertThat(typo.err()).contains("500GiB");
        assertThat(run("org", "quota", "deep-lab", "--set", "default").out()).contains("1.0 TiB").contains("default");
    }

    @Test
    void aRunsMetricsFollowWhileItRunsThenPlotAndCompare() throws Exception {
        login();
        run("org", "create", "deep-lab", "--kind", "lab");
        String script = "for s in 1 2 3 4 5 6; do echo \"{\\\"step\\\": $s, \\\"loss\\\": $((10 - s)).5}\" >> $INCUBATOR_METRICS;"
                + " sleep 0.7; done";
        List<String> ids = new java.util.ArrayList<>();
        for (String name : List.of("first", "second")) {
            Path spec = temp.resolve(name + ".yaml");
            Files.writeString(spec, "org: deep-lab\nname: " + name + "\ncommand: [bash, -c, '" + script.replace("'",
                    "''") + "']\n");
            CliRun submitted = run("job", "submit", "-f", spec.toString(), "-o", "json");
            assertThat(submitted.exitCode()).as(submitted.err()).isZero();
            ids.add(submitted.json().path("id").asText());
        }
        CliRun followed = run("job", "metrics", ids.get(0), "--follow");
        assertThat(followed.exitCode()).as(followed.err()).isZero();
        assertThat(followed.out().lines().filter(line -> line.matches("\\d+\\s+\\d.*")).toList())
                .as("every step once, in order, as they came").hasSize(6).first().asString().startsWith("1 ");
        assertThat(followed.out()).contains("loss").contains("4.5");
        CliRun table = run("job", "metrics", ids.get(0), "--plot", temp.resolve("loss.svg").toString());
        assertThat(table.out()).contains("9.5 -> 4.5").contains("█");
        assertThat(Files.readString(temp.resolve("loss.svg"))).contains("<path d=\"M").contains(">loss<");
        run("job", "logs", ids.get(1), "--follow");
        CliRun compared = run("job", "compare", ids.get(0), ids.get(1));
        assertThat(compared.out()).contains("first").contains("second").contains("4.5 @6");
        assertThat(run("job", "metrics", ids.get(0), "-o", "json").json().path("items").size()).isEqualTo(6);
    }

    @Test
    void aJobSpecInYamlRunsAndItsLogsFollow() throws Exception {
        login();
        run("org", "create", "deep-lab", "--kind", "lab");
        Path spec = temp.resolve("job.yaml");
        Files.writeString(spec, """
                org: deep-lab
                name: hello
                command: [bash, -c, 'echo "hello from $CUDA_VISIBLE_DEVICES"']
                gpus_per_node: 2
                time_limit_minutes: 5
                """);
        CliRun submitted = run("job", "submit", "-f", spec.toString(), "-o", "json");
        assertThat(submitted.exitCode()).as(submitted.err()).isZero();
        String id = submitted.json().path("id").asText();
        CliRun logs = run("job", "logs", "deep-lab", id, "--follow");
        assertThat(logs.out()).matches("(?s)hello from \\d,\\d\\s*");
        assertThat(run("job", "show", "deep-lab", id, "-o", "json").json().path("state").asText()).isEqualTo("succeeded");
        assertThat(run("job", "list", "deep-lab").out()).contains(id).contains("succeeded");
        assertThat(run("job", "list", "deep-lab", "--user", "admin", "--since", "2020-01-01").out()).contains(id);
        JsonNode logsJson = run("job", "logs", id, "-o", "json").json();
        assertThat(logsJson.path("job").asText()).isEqualTo(id);
        assertThat(logsJson.path("state").asText()).isEqualTo("succeeded");
        assertThat(logsJson.path("text").asText()).isNotNull();
        assertThat(run("job", "list", "deep-lab", "--user", "somebody-else").out()).doesNotContain(id);
        assertThat(run("job", "list", "deep-lab", "--since", "2999-01-01").out()).doesNotContain(id);
        CliRun badSince = run("job", "list", "deep-lab", "--since", "yesterday");
        assertThat(badSince.exitCode()).isEqualTo(1);
        assertThat(badSince.err()).contains("since").contains("2026-11-01");
        assertThat(run("cluster").out()).contains("GPUs: 4 total");
        assertThat(run("queue", "-o", "json").exitCode()).isZero();
        assertThat(run("usage", "--org", "deep-lab").out()).contains("GPU-hours").contains("kg CO2e").contains("Per day:");

        Path bad = temp.resolve("bad.yaml");
        Files.writeString(bad, "org: deep-lab\nname: x\ncommand: [\"true\"]\ngpus_per_node: 64\n");
        CliRun refused = run("job", "submit", "-f", bad.toString());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("gpus_per_node").contains("needs 64 GPUs");

        Files.writeString(bad, "org: deep-lab\nname: x\ncommand: [\"true\"\ngpus_per_node: 1\n");
        CliRun broken = run("job", "submit", "-f", bad.toString());
        assertThat(broken.exitCode()).isEqualTo(1);
        assertThat(broken.err()).contains("bad.yaml, line ").contains("column").contains("not valid YAML");

        IncubatorCommand.useStdin(new java.io.ByteArrayInputStream(("org: deep-lab\nname: piped\ncommand: [\"true\"]\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        try {
            CliRun piped = run("job", "submit", "-f", "-", "--wait");
            assertThat(piped.exitCode()).as(piped.err()).isZero();
            assertThat(piped.out()).contains("piped");
        } finally {
            IncubatorCommand.useStdin(System.in);
        }
    }

    @Test
    void anOwnerManagesHerMembersWithTheTokenTheReadmeGivesHerAndRefusalsSayWhoCanHelp() throws Exception {
        login();
        run("user", "create", "ada", "--email", "ada@example.org", "--display-name", "Ada Lovelace");
        run("org", "create", "deep-lab", "--kind", "university", "--display-name", "Deep Lab", "--owner", "ada");
        run("user", "create", "bob", "--email", "bob@example.org");
        run("user", "create", "carol", "--email", "carol@example.org");
        // The README's line, exactly as printed.
        String owner = run("token", "create", "--user", "ada", "--name", "laptop", "--scope", "read", "--scope",
                "write", "--scope", "admin", "-o", "json").json().path("secret").asText();
        String readWrite = run("token", "create", "--user", "ada", "--name", "rw", "--scope", "read", "--scope",
                "write", "-o", "json").json().path("secret").asText();
        String member = run("token", "create", "--user", "bob", "--name", "b", "--scope", "read", "--scope",
                "write", "--scope", "admin", "-o", "json").json().path("secret").asText();
        try {
            as(owner);
            CliRun added = run("member", "add", "deep-lab", "bob", "--role", "member");
            assertThat(added.exitCode()).as(added.err()).isZero();
            assertThat(run("member", "list", "deep-lab").out()).contains("bob");

            as(readWrite);
            CliRun lacking = run("member", "add", "deep-lab", "carol", "--role", "member");
            assertThat(lacking.exitCode()).isEqualTo(1);
            assertThat(lacking.err()).contains("lacks the 'admin' scope")
                    .contains("incubator token create --user YOU --scope admin");

            as(member);
            CliRun forbidden = run("member", "add", "deep-lab", "carol", "--role", "member");
            assertThat(forbidden.exitCode()).isEqualTo(1);
            assertThat(forbidden.err()).contains("needs the role 'admin' or higher in organisation 'deep-lab'")
                    .contains("(you are 'member')").contains("incubator member set-role deep-lab USER --role admin");
        } finally {
            IncubatorCommand.useEnvironment(Map.of("XDG_CONFIG_HOME", temp.resolve("config").toString()));
        }
    }

    @Test
    void submitWaitAndFollowExitWithTheJobsExitCode() throws Exception {
        login();
        run("org", "create", "deep-lab", "--kind", "lab");
        Path spec = temp.resolve("exit3.yaml");
        Files.writeString(spec, "org: deep-lab\nname: three\ncommand: [bash, -c, 'echo bye; exit 3']\n");
        CliRun waited = run("job", "submit", "-f", spec.toString(), "--wait", "-o", "json");
        assertThat(waited.exitCode()).as(waited.err()).isEqualTo(3);
        String id = waited.json().path("id").asText();
        CliRun followed = run("job", "logs", "deep-lab", id, "--follow");
        assertThat(followed.out()).contains("bye");
        assertThat(followed.exitCode()).isEqualTo(3);
        assertThat(run("job", "logs", "deep-lab", id).exitCode()).as("without --follow: the logs were printed")
                .isZero();
        // The queue as squeue shows it: user, GPUs, elapsed and time left.
        Path sleeper = temp.resolve("sleeper.yaml");
        Files.writeString(sleeper, "org: deep-lab\nname: sleeper\ncommand: [sleep, '30']\ngpus_per_node: 2\n"
                + "nodes: 1\ntime_limit_minutes: 90\n");
        String sleeping = run("job", "submit", "-f", sleeper.toString(), "-o", "json").json().path("id").asText();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> run("job", "show",
                sleeping, "-o", "json").json().path("state").asText().equals("running"));
        String queue = run("queue").out();
        assertThat(queue).contains("user").contains("elapsed").contains("time left");
        assertThat(queue.lines().filter(line -> line.contains(sleeping)).findFirst().orElseThrow())
                .contains("admin").contains("sleeper").containsPattern(" 2 ").containsPattern("00:00:\\d\\d")
                .containsPattern("01:29:\\d\\d");
        assertThat(run("queue", "--watch", "0").exitCode()).isEqualTo(1);
        run("job", "cancel", sleeping);
        // Job ids are global: the organisation may be left out.
        assertThat(run("job", "show", id, "-o", "json").json().path("exit_code").asInt()).isEqualTo(3);
        assertThat(run("job", "logs", id).out()).contains("bye");
        CliRun unknown = run("job", "show", "job_00000000000000000000000000");
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err()).contains("not found");

        // The failed job reaches its submitter's inbox, in their language.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() ->
                run("inbox", "--unread").out().contains(id));
        String inbox = run("inbox").out();
        assertThat(inbox).contains("* ntc_").contains("job.failed").contains("deep-lab")
                .contains("Job three (" + id + ") failed").contains("incubator job logs " + id);
        assertThat(run("inbox", "--lang", "zh").out()).contains("作业 three（" + id + "）失败");
        String notice = run("inbox", "-o", "json").json().path("items").get(0).path("id").asText();
        CliRun read = run("inbox", "read", notice);
        assertThat(read.exitCode()).as(read.err()).isZero();
        assertThat(read.out()).contains("marked read").contains("1");
        assertThat(run("inbox", "--unread").out()).contains("no unread notices");
        assertThat(run("inbox", "read").exitCode()).as("neither ids nor --all").isEqualTo(1);
        assertThat(run("inbox", "--kind", "gossip").err()).contains("access.request");
    }

    @Test
    void aCodeDirectoryTravelsOnceAndTheJobRunsInACopyOfIt() throws Exception {
        login();
        run("org", "create", "deep-lab", "--kind", "lab");
        Path code = Files.createDirectories(temp.resolve("code/lib"));
        Files.writeString(code.getParent().resolve("train.sh"), "source lib/util.sh; say \"epochs $2\";"
                + " echo trained > model.txt; cat model.txt\n");
        Files.writeString(code.resolve("util.sh"), "say() { echo \"train: $*\"; }\n");
        Path spec = temp.resolve("train.yaml");
        Files.writeString(spec, "org: deep-lab\nname: finetune\ncommand: [bash, train.sh, --epochs, '3']\n");
        CliRun first = run("job", "submit", "-f", spec.toString(), "--code", code.getParent().toString(), "--wait",
                "-o", "json");
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.err()).contains("code: 2 file(s)");
        assertThat(first.json().path("code").asText()).startsWith("datasets/deep-lab/job-code@");
        String id = first.json().path("id").asText();
        assertThat(run("job", "logs", id).out()).contains("train: epochs 3").contains("trained");

        CliRun again = run("job", "submit", "-f", spec.toString(), "--code", code.getParent().toString(), "--wait");
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.err()).as("a resubmit sends nothing new").contains(" 0 of ");

        CliRun missing = run("job", "submit", "-f", spec.toString(), "--code", temp.resolve("nope").toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("is not a directory");
    }

    private static JsonNode readJson(String text) throws Exception {
        return JSON.readTree(text);
    }

    /** Runs the next commands with this token instead of the saved login. */
    private void as(String token) {
        IncubatorCommand.useEnvironment(Map.of("XDG_CONFIG_HOME", temp.resolve("config").toString(),
                "INCUBATOR_URL", server.url().toString(), "INCUBATOR_TOKEN", token));
    }

    @Test
    void serverErrorsArePrintedAndExitNonZero() throws Exception {
        login();
        CliRun missing = run("org", "show", "nope");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("organisation 'nope' not found (404 not_found)");

        CliRun invalid = run("org", "create", "Bad Name", "--kind", "lab");
        assertThat(invalid.exitCode()).isEqualTo(1);
        assertThat(invalid.err()).contains("validation_failed").contains("name:");
        assertThat(invalid.err().split("name:", -1)).as("each invalid field once").hasSize(2);

        CliRun asJson = run("org", "show", "nope", "-o", "json");
        assertThat(asJson.exitCode()).isEqualTo(1);
        assertThat(asJson.out()).isEmpty();
        JsonNode problem = readJson(asJson.err());
        assertThat(problem.path("code").asText()).isEqualTo("not_found");
        assertThat(problem.path("status").asInt()).isEqualTo(404);
        assertThat(problem.path("detail").asText()).contains("nope");
    }

    @Test
    void withoutCredentialsTheCliSaysHowToLogIn() {
        CliRun run = run("org", "list");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("incubator login");
    }

    @Test
    void usageMistakesExitWithTwoAndShowHelp() {
        CliRun run = run("grant", "award");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Missing required");
    }

    @Test
    void environmentVariablesOverrideStoredCredentials() throws Exception {
        IncubatorCommand.useEnvironment(Map.of("XDG_CONFIG_HOME", temp.resolve("config").toString(),
                "INCUBATOR_URL", server.url().toString(), "INCUBATOR_TOKEN", server.operatorToken()));
        assertThat(run("whoami", "-o", "json").json().path("user").path("name").asText()).isEqualTo("admin");
    }

    @Test
    void rotatingTheBootstrapTokenWhereTheServiceRunsRevokesTheOldOne() throws Exception {
        String old = Files.readString(temp.resolve("data/bootstrap-token")).strip();
        server.close();
        CliRun rotated = run("token", "rotate-bootstrap", "--data-dir", temp.resolve("data").toString());
        assertThat(rotated.exitCode()).as(rotated.err()).isZero();
        assertThat(rotated.out()).contains("bootstrap-token").contains("the old one no longer works");
        server = TestServer.startExisting(temp.resolve("data"));
        assertThat(server.get("/api/v1/whoami").token(old).send().status()).isEqualTo(401);
        CliRun login = login();
        assertThat(login.exitCode()).as(login.err()).isZero();
        assertThat(run("whoami", "-o", "json").json().path("user").path("name").asText()).isEqualTo("admin");
    }

    private CliRun login() {
        return run("login", "--url", server.url().toString(), "--token-file",
                temp.resolve("data/bootstrap-token").toString());
    }

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }
}
