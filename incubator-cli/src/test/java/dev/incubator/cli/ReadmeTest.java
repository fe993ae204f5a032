package dev.incubator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.server.TestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command block of the README from "First steps" on, line by line as printed, in order, against one fresh
 * server: shell lines run in bash in a scratch directory, a heredoc becomes its file, each {@code ./incubator} line
 * runs the CLI there (as its client daemon does), {@code > FILE} saves what it prints. Only what differs on a test
 * machine is replaced: the server's URL and data directory, and what the README elides because each reader gets
 * their own: ids ({@code grt_...}, {@code job_...}, {@code dua_...}), Ada's token (saved in {@code ada.token}),
 * the operator's token in {@code hf_inc_...}, and the witness key ({@code KEY}). Every line must succeed but one
 * cancel, which is told clearly that the job already ended.
 */
class ReadmeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ELIDED = Pattern.compile("(grt|job|dua|eval)_[0-9a-z]{26}");
    private static final Pattern SECRET = Pattern.compile("inc_[A-Za-z0-9_-]{20,}");
    private static final Pattern WORD = Pattern.compile("\"([^\"]*)\"|'([^']*)'|(\\S+)");

    @TempDir
    Path temp;

    private TestServer server;
    private Path work;
    private final Map<String, String> ids = new HashMap<>();
    private final List<String> ran = new ArrayList<>();
    private String witnessKey;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(temp.resolve("data"));
        work = Files.createDirectories(temp.resolve("work"));
        IncubatorCommand.useEnvironment(Map.of("XDG_CONFIG_HOME", temp.resolve("config").toString()));
    }

    @AfterEach
    void stop() {
        server.close();
        IncubatorCommand.useEnvironment(System.getenv());
    }

    @Test
    void everyCommandBlockRunsAsPrinted() throws Exception {
        List<String> readme = Files.readAllLines(Path.of("..", "README.md"));
        int i = readme.indexOf("## First steps");
        assertThat(i).isPositive();
        int blocks = 0;
        for (; i < readme.size(); i++) {
            if (readme.get(i).startsWith("    ") && (i == 0 || readme.get(i - 1).isBlank())) {
                i = runBlock(readme, i);
                blocks++;
            }
        }
        assertThat(blocks).as("command blocks").isEqualTo(11);
        assertThat(ran).containsExactly(
                // first steps
                "login --url", "whoami", "user create", "org create", "grant award", "grant list", "grant show",
                "token create", "user create", "member add", "member set-role", "audit events",
                // jobs
                "mkdir -p", "hub create", "hub push", "job submit", "queue", "job logs", "job cancel", "cluster", "usage --org",
                "inbox --unread",
                // the hub
                "mkdir -p", "hub create", "hub push", "hub tag", "printf 'weights", "hub push", "hub pull", "hub pull", "hub ls", "hub log",
                "hub diff", "hub fsck", "hub gc", "hf download",
                // agreements and lineage
                "hub create", "hub push", "access request", "login --profile", "inbox --kind", "access list",
                "access approve", "access report", "hub lineage", "hub lineage-exception", "login --url",
                // training a model
                "template list", "template show", "hub create", "hub push", "job submit", "job metrics", "job publish",
                "job submit", "job compare",
                // serving a model
                "deploy create", "curl -sf", "deploy show", "deploy usage", "deploy delete",
                // evaluating a model
                "mkdir -p", "eval task", "hub create", "hub push", "eval run", "eval leaderboard", "eval proof",
                "eval verify",
                // the audit log
                "audit head", "audit proof", "audit export", "curl -s", "audit verify",
                "audit witness", "audit witness-add", "audit witness",
                // trace replay
                "sim replay", "sim replay", "sim replay");

        // What the lines did, beyond succeeding.
        JsonNode audit = cli("audit", "events", "--org", "deep-lab", "-o", "json").json().path("items");
        assertThat(audit.toString()).contains("membership.add").contains("access.approve").contains("lineage.exception");
        assertThat(audit.get(0).path("sequence").asLong()).as("newest first")
                .isGreaterThan(audit.get(audit.size() - 1).path("sequence").asLong());
        assertThat(Files.readString(work.resolve("copy/model.bin"))).isEqualTo("weights of epoch 3\n");
        assertThat(work.resolve("config-only/model.bin")).as("--include '*.json'").doesNotExist();
        assertThat(work.resolve("config-only/config.json")).exists();
        for (String report : List.of("sim-helios", "sim-synthetic", "sim-openb")) {
            assertThat(work.resolve(report).resolve("report.md")).exists();
        }
        assertThat(Files.getPosixFilePermissions(temp.resolve("config/incubator/credentials.json")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    /** Runs the block starting at {@code start}; returns its last line. */
    private int runBlock(List<String> readme, int start) throws Exception {
        int i = start;
        for (; i < readme.size() && readme.get(i).startsWith("    "); i++) {
            String line = readme.get(i).substring(4);
            while (line.endsWith("\\")) {
                line = line.substring(0, line.length() - 1) + readme.get(++i).strip();
            }
            if (line.startsWith("cat > ")) {
                StringBuilder heredoc = new StringBuilder();
                for (i++; !readme.get(i).substring(4).equals("YAML"); i++) {
                    heredoc.append(readme.get(i).substring(4)).append('\n');
                }
                Files.writeString(work.resolve(line.substring(6, line.indexOf(' ', 6))), heredoc);
                continue;
            }
            if (line.equals("./incubator serve &")) {
                continue;
            }
            if (line.startsWith("./incubator ")) {
                runIncubator(line);
            } else {
                runShell(line);
            }
        }
        return i - 1;
    }

    private void runIncubator(String line) throws Exception {
        String command = line.replaceAll("\\s+#.*$", "").substring("./incubator ".length());
        Path redirect = null;
        int arrow = command.indexOf(" > ");
        if (arrow > 0) {
            redirect = work.resolve(command.substring(arrow + 3).strip());
            command = command.substring(0, arrow);
        }
        List<String> args = new ArrayList<>();
        Matcher word = WORD.matcher(command);
        while (word.find()) {
            String arg = word.group(1) != null ? word.group(1) : word.group(2) != null ? word.group(2) : word.group(3);
            boolean comparing = args.size() >= 2 && args.get(1).equals("compare");
            arg = switch (arg) {
                // job compare job_... job_...: the job before the last, then the last
                case "job_..." -> comparing && args.size() == 2 ? ids.get("job-before") : ids.get("job");
                case "grt_...", "dua_..." -> ids.get(arg.substring(0, 3));
                case "eval_..." -> ids.get("eval");
                case "KEY" -> witnessKey;
                case "http://127.0.0.1:8420" -> server.url().toString();
                case "~/.incubator/bootstrap-token" -> temp.resolve("data/bootstrap-token").toString();
                default -> arg.startsWith("../shared/") || arg.startsWith("toolkits/") ? Path.of("..").resolve(arg)
                        .toAbsolutePath().normalize()
                        .toString() : Files.exists(work.resolve(arg)) ? work.resolve(arg).toString() : arg;
            };
            args.add(arg);
        }
        CliRun result = cli(args.toArray(String[]::new));
        ran.add(String.join(" ", args.subList(0, Math.min(2, args.size()))));
        Matcher id = ELIDED.matcher(result.out());
        while (id.find()) {
            ids.putIfAbsent(id.group(1), id.group());
            if (List.of("submit", "award", "request").contains(args.get(1))) {
                String before = ids.put(id.group(1), id.group());
                if (id.group(1).equals("job") && before != null && !before.equals(id.group())) {
                    ids.put("job-before", before);
                }
            }
        }
        if (args.get(0).equals("job") && args.get(1).equals("cancel")) {
            assertThat(result.exitCode()).isEqualTo(1);
            assertThat(result.err()).contains("already ended (succeeded)");
            return;
        }
        assertThat(result.exitCode()).as(line + "\n" + result.err()).isZero();
        if (redirect != null) {
            Files.writeString(redirect, result.out());
        }
        if (args.contains("--print-key")) {
            witnessKey = result.out().strip();
        }
        if (args.get(0).equals("token") && args.contains("ada")) {
            Matcher secret = SECRET.matcher(result.out());
            assertThat(secret.find()).as("the secret is printed once").isTrue();
            Files.writeString(work.resolve("ada.token"), secret.group() + "\n");
        }
        if (args.get(0).equals("eval") && args.get(1).equals("run")) {
            assertThat(result.out()).contains(": succeeded", "scores", "record     sha256");
        }
        if (args.get(0).equals("eval") && args.get(1).equals("verify")) {
            assertThat(result.out()).startsWith("OK: models/deep-lab/tiny-zh@").contains("20 items recomputed");
        }
        if (args.get(0).equals("job") && args.get(1).equals("logs")) {
            assertThat(result.out()).contains("training on 37 bytes");
        }
        if (args.get(0).equals("job") && args.get(1).equals("metrics")) {
            assertThat(result.out()).contains("validation_loss", "tokens_per_second");
            assertThat(Files.readString(work.resolve("loss.svg"))).startsWith("<svg");
        }
        if (args.get(0).equals("job") && args.get(1).equals("compare")) {
            assertThat(result.out()).contains("template", "pretrain", "finetune", "loss");
        }
        if (args.get(0).equals("deploy") && args.get(1).equals("usage")) {
            assertThat(result.out()).as("the curl call, counted").contains("1 requests");
        }
        if (args.get(0).equals("grant") && args.get(1).equals("show")) {
            assertThat(result.out()).contains("Ledger:");
        }
        if (args.get(0).equals("audit") && args.get(1).equals("verify")) {
            assertThat(result.out()).doesNotContain("key taken from the export");
        }
    }

    /** A shell line, in bash, with the official Hugging Face CLI as {@code hf} on the PATH. */
    private void runShell(String line) throws Exception {
        String url = server.url().toString().replaceAll("/$", "");
        String command = line.replace("http://127.0.0.1:8420", url).replace("hf_inc_...", "hf_" + server.operatorToken())
                .replace(" ../shared/", " " + Path.of("..", "..", "shared").toAbsolutePath().normalize() + "/");
        ran.add(String.join(" ", List.of(command.replaceAll("^(\\w+=\\S+ )+", "").split(" ")).subList(0, 2)));
        if (command.contains(" hf ") && !hfRuns()) {
            // As HuggingFacePythonClientTest: skipped on a developer machine without the client's Debian packages.
            assertThat(System.getenv("CI")).as("CI must provide python3 and the packages huggingface_hub needs")
                    .isNotEqualToIgnoringCase("true");
            return;
        }
        ProcessBuilder shell = new ProcessBuilder("bash", "-c", command).directory(work.toFile())
                .redirectErrorStream(true);
        shell.environment().put("PATH", hfShim() + ":" + System.getenv("PATH"));
        shell.environment().put("HF_HOME", temp.resolve("hf-home").toString());
        shell.environment().put("HF_HUB_DISABLE_TELEMETRY", "1");
        Process process = shell.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as(line).isTrue();
        assertThat(process.exitValue()).as(line + "\n" + output).isZero();
    }

    private boolean hfRuns() throws Exception {
        Process probe = new ProcessBuilder(hfShim().resolve("hf").toString(), "version").redirectErrorStream(true)
                .start();
        probe.getInputStream().readAllBytes();
        return probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0;
    }

    /** A directory with {@code hf}: the official client of ../shared, run by Debian's python3 (no pip here). */
    private Path hfShim() throws Exception {
        Path bin = temp.resolve("bin");
        if (Files.exists(bin.resolve("hf"))) {
            return bin;
        }
        Files.createDirectories(bin);
        Path shared = Path.of("..", "..", "shared", "clients", "python").toAbsolutePath().normalize();
        Files.writeString(bin.resolve("hf"), "#!/bin/sh\nPYTHONPATH=" + shared.resolve("site-1.28.0") + ":"
                + shared.resolve("huggingface_hub-1.28.0") + " exec /usr/bin/python3 -c 'from huggingface_hub.cli.hf"
                + " import main; import sys; sys.argv[0] = \"hf\"; main()' \"$@\"\n");
        Files.setPosixFilePermissions(bin.resolve("hf"), PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }

    /** One CLI run in the scratch directory, as the client daemon runs it for a shell there. */
    private CliRun cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = ClientDaemon.run(args, work, IncubatorCommand.environment(), new PrintWriter(out, true),
                new PrintWriter(err, true));
        return new CliRun(exit, out.toString(), err.toString());
    }
}
