package dev.incubator.cli;

import static dev.incubator.cli.Output.Column.field;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.incubator.cli.Output.Column;
import dev.incubator.eval.EvalRecord;
import dev.incubator.eval.ItemResult;
import dev.incubator.governance.audit.AuditVerifier;
import dev.incubator.governance.audit.HeadSigner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate hub models on benchmarks (dataset repositories with a task.yaml) as jobs of the"
                + " organisation, follow them, read their items, compare them on leaderboards, and verify a record"
                + " offline against the audit log."},
        subcommands = {EvalCommand.Run.class, EvalCommand.ListRuns.class, EvalCommand.Show.class,
                EvalCommand.Items.class, EvalCommand.Leaderboard.class, EvalCommand.Proof.class,
                EvalCommand.Verify.class, EvalCommand.Task.class})
final class EvalCommand {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ENDED = Set.of("succeeded", "failed", "cancelled");
    static final List<Column> COLUMNS = List.of(field("id", "id"), field("model", "model"),
            new Column("benchmark", node -> node.path("benchmark").asText()), field("method", "method"),
            field("shots", "shots"), field("state", "state"), new Column("accuracy", EvalCommand::accuracy),
            new Column("contamination", node -> node.path("contamination").path("verdict").asText("")));

    private EvalCommand() {
    }

    static String accuracy(JsonNode run) {
        JsonNode all = run.path("summaries").path(0);
        if (all.isMissingNode()) {
            JsonNode progress = run.path("progress");
            return progress.isMissingNode() || progress.isNull() ? "" : progress.path("done").asInt() + "/"
                    + progress.path("total").asInt() + " items";
        }
        return String.format(Locale.ROOT, "%.4f [%.4f, %.4f] n=%d", all.path("accuracy").asDouble(),
                all.path("low").asDouble(), all.path("high").asDouble(), all.path("n").asInt());
    }

    static String path(String id) {
        return "/api/v1/evaluations/" + ApiClient.segment(id);
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Evaluate a model on a benchmark as a job (metered to the organisation's grant).",
                    "e.g. incubator eval run --model models/lab/tiny-zh --benchmark datasets/incubator/xcopa-zh"
                            + " --method loglikelihood --shots 0 --follow"})
    static final class Run extends ClientCommand {
        @Option(names = "--org", description = "Organisation whose job it is (default: the profile's)")
        String org;

        @Option(names = "--model", paramLabel = "REPO[@REV]", description = "A hub model the built-in engine runs in"
                + " the job, e.g. models/lab/tiny-zh@<commit> (default revision main, pinned when scheduled)")
        String model;

        @Option(names = "--deployment", paramLabel = "ORG/NAME", description = "Instead of --model: an existing"
                + " deployment, scored through the gateway; the run pins the commit it serves")
        String deployment;

        @Option(names = "--benchmark", required = true, paramLabel = "REPO[@REV]", description = "A dataset with a"
                + " task.yaml, e.g. datasets/incubator/gaokao-bench@<commit>")
        String benchmark;

        @Option(names = "--method", description = "loglikelihood, letter or generate (default: the task's first)")
        String method;

        @Option(names = "--shots", description = "Few-shot examples per item (default 0)")
        Integer shots;

        @Option(names = "--seed", description = "Seed of the few-shot selection (default 1234)")
        Integer seed;

        @Option(names = "--limit", paramLabel = "N", description = "Only the first N items (default: all)")
        Integer limit;

        @Option(names = "--no-contamination", description = "Skip the 13-gram check against the model's training"
                + " datasets")
        boolean noContamination;

        @Option(names = "--cpus", description = "CPUs of the job (default 2)")
        Integer cpus;

        @Option(names = "--memory-mib", paramLabel = "MIB", description = "Memory of the job (default 4096)")
        Integer memoryMib;

        @Option(names = {"-f", "--follow"}, description = "Follow the run until it ends (as 'eval show --follow')")
        boolean follow;

        @Override
        public Integer call() throws InterruptedException {
            Map<String, Object> body = new LinkedHashMap<>();
            put(body, "model", model);
            put(body, "deployment", deployment);
            body.put("benchmark", benchmark);
            put(body, "method", method);
            put(body, "shots", shots);
            put(body, "seed", seed);
            put(body, "limit", limit);
            put(body, "cpus", cpus);
            put(body, "memory_mib", memoryMib);
            if (noContamination) {
                body.put("contamination", false);
            }
            JsonNode created = client().post("/api/v1/orgs/" + segment(credentials().organisation(org))
                    + "/evaluations", body);
            if (!follow) {
                if (output == Output.Format.json) {
                    Output.json(out(), created);
                    return 0;
                }
                out().printf("evaluation %s: %s@%s on %s@%s, %s %d-shot, job %s%n", created.path("id").asText(),
                        created.path("model").asText(), created.path("model_commit").asText().substring(0, 12),
                        created.path("benchmark").asText(), created.path("benchmark_commit").asText()
                                .substring(0, 12), created.path("method").asText(), created.path("shots").asInt(),
                        created.path("job").asText());
                out().println("follow it: incubator eval show " + created.path("id").asText() + " --follow");
                out().flush();
                return 0;
            }
            return Show.follow(this, created.path("id").asText());
        }

        private static void put(Map<String, Object> body, String field, Object value) {
            if (value != null) {
                body.put(field, value);
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List an organisation's evaluation runs,"
            + " newest first.")
    static final class ListRuns extends ClientCommand {
        @Option(names = "--org", description = "Organisation (default: the profile's)")
        String org;

        @ArgGroup(exclusive = false)
        PageOptions page = new PageOptions();

        @Override
        public Integer call() {
            printList("/api/v1/orgs/" + segment(credentials().organisation(org)) + "/evaluations", page, COLUMNS);
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = {"Show a run: its pins, state and progress, and once done its scores per subject with"
                    + " their interval, the record's hash and its audit event.",
                    "With --follow, print progress until it ends; the exit code is 0 only if it succeeded."})
    static final class Show extends ClientCommand {
        @Parameters(index = "0", paramLabel = "EVALUATION", description = "The run's id (eval_...)")
        String id;

        @Option(names = {"-f", "--follow"}, description = "Print progress until the run ends")
        boolean follow;

        @Override
        public Integer call() throws InterruptedException {
            if (follow) {
                return follow(this, id);
            }
            JsonNode run = client().get(path(id));
            if (output == Output.Format.json) {
                Output.json(out(), run);
                return 0;
            }
            describe(this, run);
            return 0;
        }

        /** Polls the run, printing a line when its state or progress changes, then the result. */
        static int follow(ClientCommand command, String id) throws InterruptedException {
            String last = "";
            while (true) {
                JsonNode run = command.client().get(path(id));
                String state = run.path("state").asText();
                String line = state + (run.path("progress").isObject() ? " " + run.path("progress").path("done")
                        .asInt() + "/" + run.path("progress").path("total").asInt() + " items" : "");
                if (!line.equals(last)) {
                    if (command.output == Output.Format.json) {
                        command.out().println(JSON.createObjectNode().put("evaluation", id).put("state", state)
                                .set("progress", run.path("progress")));
                    } else {
                        command.out().println("evaluation " + id + ": " + line);
                    }
                    command.out().flush();
                    last = line;
                }
                if (ENDED.contains(state)) {
                    if (command.output == Output.Format.json) {
                        Output.json(command.out(), run);
                    } else {
                        describe(command, run);
                    }
                    return state.equals("succeeded") ? 0 : 1;
                }
                Thread.sleep(1000);
            }
        }

        static void describe(ClientCommand command, JsonNode run) {
            var out = command.out();
            out.printf("evaluation %s (%s): %s%n", run.path("id").asText(), run.path("organisation").asText(),
                    run.path("state").asText() + (run.hasNonNull("message") ? ": " + run.path("message").asText()
                            : ""));
            out.printf("  model      %s@%s%n", run.path("model").asText(), run.path("model_commit").asText());
            out.printf("  benchmark  %s@%s (task %s, spec sha256 %s)%n", run.path("benchmark").asText(),
                    run.path("benchmark_commit").asText(), run.path("task").asText(), run.path("task_sha256")
                            .asText().substring(0, 16));
            out.printf("  method     %s, %d-shot, seed %d%s%n", run.path("method").asText(), run.path("shots").asInt(),
                    run.path("seed").asLong(), run.path("limit").asInt() > 0 ? ", first " + run.path("limit").asInt()
                            + " items" : "");
            out.printf("  licence    %s%s%s%n", run.path("license").asText(), run.path("non_commercial").asBoolean()
                    ? " (non-commercial: results may not be used commercially)" : "", run.path("held_out")
                    .asBoolean() ? "; held out: aggregates only" : "");
            out.printf("  job        %s%s%n", run.path("job").asText(), run.hasNonNull("deployment") ? ", through"
                    + " deployment " + run.path("deployment").asText() : "");
            if (run.path("progress").isObject()) {
                out.printf("  progress   %d/%d items%n", run.path("progress").path("done").asInt(),
                        run.path("progress").path("total").asInt());
            }
            if (run.path("summaries").size() > 0) {
                out.printf("  scores     (%s interval)%n", run.path("interval").asText());
                for (JsonNode summary : run.path("summaries")) {
                    out.printf(Locale.ROOT, "    %-24s %6.4f [%6.4f, %6.4f]  %d/%d%s%n", summary.path("subject")
                                    .asText(), summary.path("accuracy").asDouble(), summary.path("low").asDouble(),
                            summary.path("high").asDouble(), summary.path("correct").asInt(), summary.path("n")
                                    .asInt(), summary.hasNonNull("accuracy_normalised") ? String.format(Locale.ROOT,
                                    "  acc_norm %.4f", summary.path("accuracy_normalised").asDouble()) : "");
                }
                out.printf("  record     sha256 %s, audit event %d%n", run.path("record_sha256").asText(),
                        run.path("audit_sequence").asLong());
            }
            if (run.path("state").asText().equals("succeeded") && !run.path("contamination").isObject()) {
                out.println("  contamination not checked: the model's card names no training dataset you may read"
                        + " (or the run was made with --no-contamination)");
            }
            if (run.path("contamination").isObject()) {
                JsonNode check = run.path("contamination");
                out.printf("  contamination %s: %d of %d items share a 13-gram with %s%n", check.path("verdict")
                        .asText(), check.path("contaminated").asInt(), check.path("checked").asInt(),
                        Output.text(check.path("datasets")));
            }
            out.flush();
        }
    }

    @Command(name = "items", mixinStandardHelpOptions = true, description = "A run's per-item results: prediction,"
            + " gold, whether it was correct, and the options' scores.")
    static final class Items extends ClientCommand {
        @Parameters(index = "0", paramLabel = "EVALUATION", description = "The run's id")
        String id;

        @Option(names = "--wrong", description = "Only the items answered wrongly")
        boolean wrong;

        @ArgGroup(exclusive = false)
        PageOptions page = new PageOptions();

        @Override
        public Integer call() {
            JsonNode list = fetchList(path(id) + "/items", new LinkedHashMap<>(), page);
            if (wrong) {
                ArrayNode kept = JSON.createArrayNode();
                list.path("items").forEach(item -> {
                    if (!item.path("item").path("correct").asBoolean()) {
                        kept.add(item);
                    }
                });
                ((ObjectNode) list).set("items", kept);
            }
            Output.printList(out(), output, list, List.of(new Column("id", node -> node.path("item").path("id")
                            .asText()), new Column("subject", node -> node.path("item").path("subject").asText()),
                    new Column("prediction", node -> node.path("item").path("prediction").asText()),
                    new Column("gold", node -> node.path("item").path("gold").asText()),
                    new Column("correct", node -> node.path("item").path("correct").asText())));
            out().flush();
            return 0;
        }
    }

    @Command(name = "leaderboard", mixinStandardHelpOptions = true,
            description = {"Leaderboards of comparable runs (same benchmark commit, task spec and template, method"
                    + " and shots), ranked by accuracy with 95 % intervals; only runs whose model and benchmark you"
                    + " may see."})
    static final class Leaderboard extends ClientCommand {
        @Option(names = "--benchmark", paramLabel = "REPO", description = "Only this benchmark, e.g."
                + " datasets/incubator/xcopa-zh")
        String benchmark;

        @Option(names = "--subject", description = "A subject's or category's scores instead of the overall")
        String subject;

        @Option(names = "--org", description = "Only runs of this organisation")
        String org;

        @Override
        public Integer call() {
            Map<String, String> query = new LinkedHashMap<>();
            if (benchmark != null) {
                query.put("benchmark", benchmark);
            }
            if (subject != null) {
                query.put("subject", subject);
            }
            if (org != null) {
                query.put("organisation", org);
            }
            JsonNode boards = client().get("/api/v1/leaderboards", query);
            if (output == Output.Format.json) {
                Output.json(out(), boards);
                return 0;
            }
            if (boards.path("boards").isEmpty()) {
                out().println("no runs to compare yet: 'incubator eval run' makes one");
            }
            for (JsonNode board : boards.path("boards")) {
                out().printf("%s@%s  %s, %s %d-shot, subject %s (spec %s)%n", board.path("benchmark").asText(),
                        board.path("benchmark_commit").asText().substring(0, 12), board.path("task").asText(),
                        board.path("method").asText(), board.path("shots").asInt(), board.path("subject").asText(),
                        board.path("task_sha256").asText().substring(0, 12));
                ObjectNode rows = JSON.createObjectNode();
                rows.set("items", board.path("rows"));
                Output.printList(out(), Output.Format.table, rows, List.of(field("#", "rank"),
                        new Column("model", node -> node.path("model").asText() + "@" + node.path("model_commit")
                                .asText().substring(0, 12)), field("org", "organisation"),
                        new Column("accuracy", node -> String.format(Locale.ROOT, "%.4f", node.path("accuracy")
                                .asDouble())), new Column("95% interval", node -> String.format(Locale.ROOT,
                                "[%.4f, %.4f]", node.path("low").asDouble(), node.path("high").asDouble())),
                        field("n", "n"), field("contamination", "contamination"),
                        new Column("licence", node -> node.path("non_commercial").asBoolean() ? "non-commercial"
                                : "")));
                out().println();
            }
            out().flush();
            return 0;
        }
    }

    @Command(name = "proof", mixinStandardHelpOptions = true,
            description = {"Save what proves a run's result: its record, its audit event with the inclusion proof"
                    + " to a signed tree head, and its items (unless the benchmark is held out).",
                    "Check it anywhere, offline: incubator eval verify FILE --public-key KEY"})
    static final class Proof extends ClientCommand {
        @Parameters(index = "0", paramLabel = "EVALUATION", description = "The run's id")
        String id;

        @Option(names = "--file", required = true, paramLabel = "FILE", description = "Where to write the bundle")
        Path file;

        @Override
        public Integer call() throws IOException {
            ObjectNode bundle = (ObjectNode) client().get(path(id) + "/proof");
            JsonNode run = client().get(path(id));
            ArrayNode items = JSON.createArrayNode();
            if (!run.path("held_out").asBoolean()) {
                String cursor = null;
                do {
                    Map<String, String> query = new LinkedHashMap<>();
                    query.put("limit", "500");
                    if (cursor != null) {
                        query.put("cursor", cursor);
                    }
                    JsonNode page = client().get(path(id) + "/items", query);
                    page.path("items").forEach(item -> items.add(item.path("item")));
                    cursor = page.hasNonNull("next_cursor") ? page.path("next_cursor").asText() : null;
                } while (cursor != null);
                bundle.set("items", items);
            }
            Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(bundle) + "\n",
                    StandardCharsets.UTF_8);
            out().printf("wrote %s: record %s, audit event %d, %s%n", file, bundle.path("record_sha256").asText()
                    .substring(0, 16), bundle.path("audit_sequence").asLong(), run.path("held_out").asBoolean()
                    ? "no items (held out)" : items.size() + " items");
            out().flush();
            return 0;
        }
    }

    @Command(name = "task", mixinStandardHelpOptions = true,
            description = {"Print a shipped task spec, to save as task.yaml next to a benchmark's files (without a"
                    + " name: list them).", "e.g. incubator eval task xcopa-zh > xcopa/task.yaml; the fields are"
                    + " described in docs/evaluation.md, and a new layout needs only a spec of its own."})
    static final class Task implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "The spec, e.g. xcopa-zh")
        String name;

        @Override
        public Integer call() {
            var out = spec.commandLine().getOut();
            if (name == null) {
                dev.incubator.eval.TaskSpec.EXAMPLES.forEach(out::println);
            } else {
                try {
                    out.print(dev.incubator.eval.TaskSpec.example(name));
                } catch (dev.incubator.common.IncubatorException e) {
                    throw new CliException(e.getMessage());
                }
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Check a saved proof offline: the audit log's signed head and the inclusion of the"
                    + " record's event, that the event signs this record's hash, and that the items give the record's"
                    + " items hash and summaries.", "Exit code 1 says what does not hold."})
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE", description = "The file 'eval proof' wrote")
        Path file;

        @Option(names = "--public-key", description = "The audit log's public key (base64, from"
                + " /api/v1/audit/public-key fetched separately); default: the key in the proof, which proves less")
        String publicKey;

        @Override
        public Integer call() throws IOException {
            if (!Files.isRegularFile(file)) {
                throw new CliException(file + " does not exist: write it with 'incubator eval proof ID --file "
                        + file + "'");
            }
            JsonNode bundle = JSON.readTree(file.toFile());
            JsonNode audit = bundle.path("audit");
            PublicKey key;
            try {
                key = HeadSigner.publicKey(publicKey != null ? publicKey : audit.path("public_key").asText());
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                throw new CliException("the public key is not a base64 Ed25519 key: " + e.getMessage());
            }
            List<String> problems = new ArrayList<>();
            AuditVerifier.Result result = AuditCommand.Verify.verifyExport(audit, key);
            if (!result.valid()) {
                problems.add("the audit proof does not verify: " + result.message());
            }
            EvalRecord record;
            try {
                record = EvalRecord.parse(JSON.writeValueAsString(bundle.path("record")));
            } catch (RuntimeException e) {
                throw new CliException("the proof's record is not an evaluation record: " + e.getMessage());
            }
            JsonNode event = audit.path("entries").path(0).path("event");
            if (!event.path("action").asText().equals("eval.record")
                    || !event.path("target_id").asText().equals(bundle.path("evaluation").asText())) {
                problems.add("the audit entry is not the record event of evaluation " + bundle.path("evaluation")
                        .asText());
            }
            if (!event.path("details").path("record_sha256").asText().equals(record.sha256())) {
                problems.add("the audit event signs record " + event.path("details").path("record_sha256").asText()
                        + ", this record's hash is " + record.sha256());
            }
            int itemCount = 0;
            if (bundle.has("items")) {
                List<ItemResult> items = new ArrayList<>();
                for (JsonNode item : bundle.path("items")) {
                    items.add(EvalRecord.item(JSON.writeValueAsString(item)));
                }
                itemCount = items.size();
                problems.addAll(record.verify(items));
            }
            var out = spec.commandLine().getOut();
            var err = spec.commandLine().getErr();
            if (!problems.isEmpty()) {
                problems.forEach(problem -> err.println("FAILED: " + problem));
                err.flush();
                return 1;
            }
            var all = record.summaries().get(0);
            out.printf(Locale.ROOT, "OK: %s@%s on %s@%s, %s %d-shot: accuracy %.4f [%.4f, %.4f] over %d items;"
                            + " record %s is audit event %d in a signed log of %d%s%s%n", record.pins().model(),
                    record.pins().modelCommit().substring(0, 12), record.pins().benchmark(),
                    record.pins().benchmarkCommit().substring(0, 12), record.pins().method().wire(),
                    record.pins().shots(), all.accuracy(), all.low(), all.high(), record.items(),
                    record.sha256().substring(0, 16), event.path("sequence").asLong(),
                    audit.path("tree_head").path("tree_size").asLong(), bundle.has("items") ? ", " + itemCount
                            + " items recomputed" : ", no items (held out: aggregates only)",
                    publicKey == null ? " (key taken from the proof; pass --public-key to pin it)" : "");
            out.flush();
            return 0;
        }
    }
}
