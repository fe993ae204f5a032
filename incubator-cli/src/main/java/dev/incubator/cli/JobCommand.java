package dev.incubator.cli;

import static dev.incubator.cli.Output.Column.field;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.incubator.cli.Output.Column;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "job", mixinStandardHelpOptions = true, description = "Submit and follow GPU jobs.",
        subcommands = {JobCommand.Submit.class, JobCommand.ListJobs.class, JobCommand.Show.class,
                JobCommand.Cancel.class, JobCommand.Logs.class, JobToolkit.Metrics.class, JobToolkit.Compare.class,
                JobToolkit.Publish.class})
final class JobCommand {
    static final List<Column> COLUMNS = List.of(field("id", "id"), field("name", "name"), field("state", "state"),
            field("gpus/node", "gpus_per_node"), field("nodes", "nodes"), field("reason", "reason"),
            field("submitted", "submitted_at"));

    static final List<Column> DETAIL = List.of(field("id", "id"), field("name", "name"),
            field("organisation", "organisation"), field("submitted by", "submitted_by"), field("state", "state"),
            field("reason", "reason"), field("why", "message"), field("position", "position"),
            field("estimated start", "estimated_start"), field("command", "command"), field("nodes", "nodes"),
            field("GPUs per node", "gpus_per_node"), field("GPU type", "gpu_type"), field("priority", "priority"),
            field("time limit (min)", "time_limit_minutes"), field("GPUs", "gpus"), field("borrowed", "borrowed"),
            field("started", "started_at"), field("finished", "finished_at"), field("exit code", "exit_code"),
            field("GPU-hours", "gpu_hours"), field("attempt", "attempt"), field("depends on", "depends_on"),
            field("array", "array_id"), field("array index", "array_index"), field("array tasks", "array_tasks"));

    @Command(name = "submit", mixinStandardHelpOptions = true,
            description = {"Submit a job described in a YAML or JSON file.",
                    "Fields: name, command (list), env, nodes, gpus_per_node (e.g. 2 or 0.25), gpu_type, cpus,",
                    "memory_mib, time_limit_minutes, priority (high|normal|preemptible), checkpoint_signal, array (e.g.",
                    "0-99%10), depends_on (e.g. [after_ok:job_...]),",
                    "checkpoint_grace_seconds, retries, mounts (hub repositories to mount read-only under",
                    "$INCUBATOR_MOUNTS, e.g. [datasets/hospital/notes, models/uni/llm@v1]); 'org' names the",
                    "organisation unless --org is given.",
                    "Or from a template: --template pretrain --set data=datasets/lab/corpus --set model.layers=4",
                    "(incubator template list|show); the spec may then set name, priority, time_limit_minutes, cpus,",
                    "memory_mib, gpus_per_node, gpu_type, retries, depends_on."})
    static final class Submit extends ClientCommand {
        @Option(names = {"-f", "--file"}, description = "Job spec (YAML or JSON); - reads it from standard input")
        Path file;

        @Option(names = {"-t", "--template"}, paramLabel = "NAME", description = "Run a template of the toolkit"
                + " (pretrain, finetune, tokenizer) instead of your own command")
        String template;

        @Option(names = "--set", paramLabel = "PARAM=VALUE", description = "A template parameter (repeatable), e.g."
                + " --set steps=500; a dataset or model parameter is mounted")
        List<String> sets = new java.util.ArrayList<>();

        @Option(names = "--org", description = "Organisation (default: the spec's 'org')")
        String org;

        @Option(names = "--code", paramLabel = "DIR", description = "Upload DIR as the job's code (to the"
                + " organisation's hub dataset job-code; only content the hub lacks travels, so a resubmit sends nothing"
                + " new) and run the job in a copy of it (at most 256 MiB)")
        Path code;

        @Option(names = {"-d", "--dependency"}, paramLabel = "KIND:JOB", description = "Start only after another"
                + " job of the organisation: after_ok:JOB, after_any:JOB or after_not_ok:JOB (repeatable; added to the"
                + " spec's depends_on)")
        List<String> dependencies = new java.util.ArrayList<>();

        @Option(names = "--wait", description = "Wait for the job to end and exit with its exit code (as sbatch"
                + " --wait; 1 when it ended without one: cancelled, lost, out of memory)")
        boolean waitForEnd;

        /** Pushes --code to the organisation's job-code dataset (made on first use); the repository at the commit. */
        private String pushCode(ApiClient client, String organisation, String jobName) {
            if (!java.nio.file.Files.isDirectory(code)) {
                throw new CliException("--code: '" + code + "' is not a directory");
            }
            try {
                long size;
                try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(code)) {
                    size = files.filter(java.nio.file.Files::isRegularFile).mapToLong(file -> file.toFile().length())
                            .sum();
                }
                if (size > 256L * 1024 * 1024) {
                    throw new CliException("--code: " + code + " holds " + size / (1024 * 1024) + " MiB; code is at"
                            + " most 256 MiB: put data in a dataset and mount it");
                }
                HubTransfer.RepoRef ref = HubTransfer.RepoRef.parse(codeRepository(organisation));
                try {
                    client.get("/api/v1/repos/dataset/" + segment(organisation) + "/job-code");
                } catch (CliException missing) {
                    client.post("/api/v1/repos", Map.of("kind", "dataset", "namespace", organisation, "name",
                            "job-code", "visibility", "organisation"));
                }
                HubTransfer.PushResult pushed = new HubTransfer(client, ref).push(code.toAbsolutePath().normalize(),
                        "main", "Code of job " + jobName, true);
                String commit = pushed.commit().path("id").asText();
                super.spec.commandLine().getErr().println("code: " + pushed.files() + " file(s), "
                        + pushed.sentChunks() + " of " + pushed.totalChunks() + " chunk(s) sent, commit " + commit);
                return codeRepository(organisation) + "@" + commit;
            } catch (java.io.IOException e) {
                throw new CliException("--code: could not read " + code + ": " + e.getMessage());
            }
        }

        @Override
        public Integer call() throws InterruptedException {
            if (file == null && template == null) {
                throw new CliException("say what to run: -f SPEC (a YAML or JSON job spec) or --template NAME"
                        + " (incubator template list)");
            }
            if (template == null && !sets.isEmpty()) {
                throw new CliException("--set fills a template's parameters; add --template NAME");
            }
            JsonNode spec = file == null ? new ObjectMapper().createObjectNode() : readSpec();
            if (spec == null || !spec.isObject()) {
                throw new CliException((file.toString().equals("-") ? "standard input" : file.toString())
                        + " must hold a mapping of job fields, e.g. 'name: train'");
            }
            ObjectNode body = ((ObjectNode) spec).deepCopy();
            JsonNode fromFile = body.remove("org");
            if (!dependencies.isEmpty()) {
                com.fasterxml.jackson.databind.node.ArrayNode dependsOn = body.path("depends_on").isArray()
                        ? (com.fasterxml.jackson.databind.node.ArrayNode) body.get("depends_on")
                        : body.putArray("depends_on");
                dependencies.forEach(dependsOn::add);
            }
            String organisation = org != null ? org : fromFile != null ? fromFile.asText()
                    : credentials().organisation().orElseThrow(() -> new CliException("say which organisation runs the"
                    + " job: --org NAME, 'org: NAME' in the spec, or a default with 'incubator login --org NAME'"));
            ApiClient client = client();
            JsonNode submitted;
            if (template != null) {
                if (code != null) {
                    throw new CliException("--code and --template exclude each other: a template's code is its own");
                }
                body.put("template", template);
                body.set("parameters", new ObjectMapper().valueToTree(JobToolkit.parameters(sets)));
                submitted = client.post("/api/v1/orgs/" + segment(organisation) + "/template-jobs", body);
            } else {
                if (code != null) {
                    body.put("code", pushCode(client, organisation, body.path("name").asText("job")));
                }
                submitted = client.post("/api/v1/orgs/" + segment(organisation) + "/jobs", body);
            }
            warnings(submitted);
            print(submitted, DETAIL);
            if (!waitForEnd) {
                return 0;
            }
            out().flush();
            return exitCodeWhenEnded(client, submitted.path("id").asText());
        }

        private JsonNode readSpec() {
            JsonNode spec;
            boolean stdin = file.toString().equals("-");
            String source = stdin ? "standard input" : file.toString();
            try {
                ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
                spec = stdin ? yaml.readTree(IncubatorCommand.stdin()) : yaml.readTree(file.toFile());
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                var at = e.getLocation();
                throw new CliException(source + (at == null || at.getLineNr() < 0 ? "" : ", line " + at.getLineNr()
                        + " column " + at.getColumnNr()) + ": not valid YAML or JSON: " + e.getOriginalMessage()
                        .lines().findFirst().orElse(""));
            } catch (IOException e) {
                throw new CliException("could not read " + source + ": " + e.getMessage());
            }
            return spec;
        }
    }

    /** The code directory pushed to the organisation's job-code dataset; its repository at the new commit. */
    private static String codeRepository(String organisation) {
        return "datasets/" + organisation + "/job-code";
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List an organisation's jobs, newest first.")
    static final class ListJobs extends ClientCommand {
        @Parameters(index = "0", arity = "0..1", description = "Organisation (default: the profile's, see login --org)")
        String org;

        @Option(names = "--state", description = "Only jobs in this state (pending, running, succeeded, ...)")
        String state;

        @Option(names = {"-u", "--user"}, description = "Only jobs this user submitted")
        String user;

        @Option(names = {"-n", "--name"}, description = "Only jobs with this name")
        String name;

        @Option(names = "--since", description = "Only jobs submitted since this day or time, e.g. 2026-11-01")
        String since;

        @ArgGroup(exclusive = false)
        PageOptions page = new PageOptions();

        @Override
        public Integer call() {
            List<String> query = new java.util.ArrayList<>();
            if (state != null) {
                query.add("state=" + segment(state));
            }
            if (user != null) {
                query.add("user=" + segment(user));
            }
            if (since != null) {
                query.add("since=" + segment(since));
            }
            if (name != null) {
                query.add("name=" + segment(name));
            }
            printList("/api/v1/orgs/" + segment(credentials().organisation(org)) + "/jobs"
                    + (query.isEmpty() ? "" : "?" + String.join("&", query)), page, COLUMNS);
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a job, and why it waits.")
    static final class Show extends ClientCommand {
        @Parameters(arity = "1..2", paramLabel = "[ORG] JOB", description = "Job id (job_...), optionally after"
                + " its organisation")
        List<String> ids;

        @Override
        public Integer call() {
            print(client().get(jobPath(ids)), DETAIL);
            return 0;
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a job.")
    static final class Cancel extends ClientCommand {
        @Parameters(arity = "1..2", paramLabel = "[ORG] JOB", description = "Job id, optionally after its organisation")
        List<String> ids;

        @Override
        public Integer call() {
            print(client().post(jobPath(ids) + "/cancel", Map.of()), DETAIL);
            return 0;
        }
    }

    @Command(name = "logs", mixinStandardHelpOptions = true, description = "Print a job's output.")
    static final class Logs extends ClientCommand {
        @Parameters(arity = "1..2", paramLabel = "[ORG] JOB", description = "Job id, optionally after its organisation")
        List<String> ids;

        @Option(names = {"-f", "--follow"}, description = "Keep printing new output until the job ends")
        boolean follow;

        @Option(names = "--stderr", description = "Standard error instead of standard output")
        boolean stderr;

        @Override
        public Integer call() throws Exception {
            Credentials credentials = credentials();
            if (credentials.token().isEmpty()) {
                throw new CliException("not logged in: run 'incubator login --url URL --token-file FILE'");
            }
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            long offset = 0;
            while (true) {
                URI uri = credentials.url().resolve(jobPath(ids) + "/logs?stream=" + (stderr ? "stderr" : "stdout") + "&offset=" + offset);
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri)
                        .header("Authorization", "Bearer " + credentials.token().get()).build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (response.statusCode() >= 400) {
                    throw CliException.fromProblem(response.statusCode(), new ObjectMapper().readTree(response.body()));
                }
                long next = response.headers().firstValueAsLong("X-Next-Offset").orElse(offset);
                String state = response.headers().firstValue("X-Job-State").orElse("");
                if (output == Output.Format.json) {
                    // One JSON object per piece of output (NDJSON when following).
                    if (!response.body().isEmpty() || !follow) {
                        out().println(new ObjectMapper().createObjectNode().put("job", ids.get(ids.size() - 1))
                                .put("stream", stderr ? "stderr" : "stdout").put("offset", offset)
                                .put("next_offset", next).put("state", state).put("text", response.body()));
                    }
                } else {
                    out().print(response.body());
                }
                out().flush();
                offset = next;
                boolean ended = ENDED.contains(state);
                if (!follow) {
                    return 0;
                }
                if (ended && response.body().isEmpty()) {
                    return exitCodeWhenEnded(client(), ids.get(ids.size() - 1));
                }
                if (response.body().isEmpty()) {
                    Thread.sleep(1000);
                }
            }
        }
    }

    /** The API path of a job named by its id, or by its organisation and id. */
    static String jobPath(List<String> ids) {
        String id = ClientCommand.segment(ids.get(ids.size() - 1));
        return ids.size() == 2 ? "/api/v1/orgs/" + ClientCommand.segment(ids.get(0)) + "/jobs/" + id
                : "/api/v1/jobs/" + id;
    }

    static final List<String> ENDED = List.of("succeeded", "failed", "cancelled", "timeout");

    /** Waits until the job ends; its exit code, or 1 when it ended without one (as srun and sbatch --wait do). */
    static int exitCodeWhenEnded(ApiClient client, String job) throws InterruptedException {
        while (true) {
            JsonNode current = client.get("/api/v1/jobs/" + ClientCommand.segment(job));
            if (ENDED.contains(current.path("state").asText())) {
                JsonNode code = current.path("exit_code");
                return code.isInt() ? code.asInt() : current.path("state").asText().equals("succeeded") ? 0 : 1;
            }
            Thread.sleep(1000);
        }
    }

    @Command(name = "queue", mixinStandardHelpOptions = true,
            description = "Running and pending jobs you may see, in queue order, with why each waits.")
    static final class Queue extends ClientCommand {
        @Option(names = "--watch", arity = "0..1", fallbackValue = "2", paramLabel = "SECONDS",
                description = "Print the queue again every SECONDS (default 2) until interrupted, like 'watch squeue'")
        Integer watch;

        @Override
        public Integer call() throws InterruptedException {
            ApiClient client = client();
            if (watch != null && watch < 1) {
                throw new CliException("--watch takes a number of seconds of at least 1");
            }
            while (true) {
                JsonNode queue = client.get("/api/v1/queue");
                if (watch != null && output != Output.Format.json) {
                    out().print("\033[H\033[2J"); // clear the terminal, as watch(1) does
                    out().println("every " + watch + " s: incubator queue    " + java.time.Instant.now()
                            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
                }
                Output.printList(out(), output, queue, QUEUE);
                out().flush();
                if (watch == null) {
                    return 0;
                }
                Thread.sleep(watch * 1000L);
            }
        }
    }

    /** squeue's columns: position, id, organisation, user, name, state, GPUs, elapsed, time left, why. */
    static final List<Column> QUEUE = List.of(field("#", "position"), field("id", "id"),
            field("org", "organisation"), field("user", "submitted_by"), field("name", "name"),
            field("state", "state"), new Column("gpus", JobCommand::gpus), field("nodes", "nodes"),
            new Column("elapsed", node -> elapsed(node).map(JobCommand::clock).orElse("")),
            new Column("time left", node -> elapsed(node).map(ran -> clock(java.time.Duration.ofMinutes(
                    node.path("time_limit_minutes").asLong()).minus(ran))).orElse(clock(java.time.Duration.ofMinutes(
                    node.path("time_limit_minutes").asLong())))),
            field("estimated start", "estimated_start"), field("why", "message"));

    /** GPUs in all: per node times nodes (e.g. 16, or 0.25 for a share of one). */
    private static String gpus(JsonNode job) {
        return new java.math.BigDecimal(job.path("gpus_per_node").asText("0"))
                .multiply(java.math.BigDecimal.valueOf(job.path("nodes").asLong(1))).stripTrailingZeros()
                .toPlainString();
    }

    /** How long a started job has run. */
    private static java.util.Optional<java.time.Duration> elapsed(JsonNode job) {
        if (!job.path("started_at").isTextual()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(java.time.Duration.between(java.time.Instant.parse(job.path("started_at")
                .asText()), java.time.Instant.now()));
    }

    /** Slurm's time format: [D-]HH:MM:SS. */
    static String clock(java.time.Duration duration) {
        java.time.Duration positive = duration.isNegative() ? java.time.Duration.ZERO : duration;
        long days = positive.toDays();
        String time = String.format("%02d:%02d:%02d", positive.toHoursPart(), positive.toMinutesPart(),
                positive.toSecondsPart());
        return days > 0 ? days + "-" + time : time;
    }

    @Command(name = "usage", mixinStandardHelpOptions = true,
            description = "GPU-hours, energy (estimated) and CO2e of an organisation's jobs, per job and per day.")
    static final class Usage extends ClientCommand {
        @Option(names = "--org", description = "Organisation (default: the profile's, see login --org)")
        String org;

        @Option(names = "--since", description = "First day, e.g. 2026-11-01 (default: 30 days ago)")
        String since;

        @Override
        public Integer call() {
            JsonNode usage = client().get("/api/v1/orgs/" + segment(credentials().organisation(org)) + "/usage"
                    + (since == null ? "" : "?since=" + segment(since)));
            if (output == Output.Format.json) {
                Output.json(out(), usage);
                return 0;
            }
            out().printf("since %s: %.3f GPU-hours, %.3f kWh (estimated from rated GPU power), %.3f kg CO2e"
                    + " (grid factor %s kg/kWh)%n%n", usage.path("since").asText(), usage.path("gpu_hours").asDouble(),
                    usage.path("energy_kwh").asDouble(), usage.path("co2e_kg").asDouble(), usage.path("grid_factor").asText());
            List<Column> columns = List.of(field("key", "key"), field("name", "label"),
                    new Column("GPU-h", node -> String.format("%.3f", node.path("gpu_hours").asDouble())),
                    new Column("kWh", node -> String.format("%.3f", node.path("energy_kwh").asDouble())),
                    new Column("kg CO2e", node -> String.format("%.3f", node.path("co2e_kg").asDouble())));
            out().println("Per job:");
            Output.printList(out(), output, new ObjectMapper().createObjectNode().set("items", usage.path("per_job")),
                    columns);
            out().println();
            out().println("Per day:");
            Output.printList(out(), output, new ObjectMapper().createObjectNode().set("items", usage.path("per_day")),
                    columns);
            return 0;
        }
    }

    @Command(name = "cluster", mixinStandardHelpOptions = true, description = "Nodes, GPUs and who holds them.")
    static final class Cluster extends ClientCommand {
        @Override
        public Integer call() {
            JsonNode cluster = client().get("/api/v1/cluster");
            if (output == Output.Format.json) {
                Output.json(out(), cluster);
                return 0;
            }
            out().println("GPUs: " + cluster.path("total_gpus").asText() + " total, " + cluster.path("free_gpus").asText()
                    + " free, " + cluster.path("guaranteed_gpus").asText() + " guaranteed by grants in effect");
            if (cluster.hasNonNull("warning")) {
                out().println("warning: " + cluster.path("warning").asText());
            }
            if (!cluster.path("isolation").asText().isEmpty()) {
                out().println("isolation: " + cluster.path("isolation").asText());
            }
            for (JsonNode node : cluster.path("nodes")) {
                out().println(node.path("name").asText() + (node.path("schedulable").asBoolean() ? "" : " (unschedulable)")
                        + ": " + node.path("free_cpus").asText() + " of " + node.path("cpus").asText() + " CPUs, "
                        + node.path("free_memory_mib").asText() + " of " + node.path("memory_mib").asText()
                        + " MiB free");
                for (JsonNode gpu : node.path("gpus")) {
                    out().printf("  gpu %-3s %-10s free %-6s %s%n", gpu.path("index").asText(), gpu.path("type").asText(),
                            gpu.path("free").asText(), gpu.path("held_by").isNull() ? ""
                                    : gpu.path("held_by").asText() + " (" + gpu.path("organisation").asText() + ")");
                }
            }
            out().flush();
            return 0;
        }
    }
}
