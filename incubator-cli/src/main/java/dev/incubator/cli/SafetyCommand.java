package dev.incubator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "safety", mixinStandardHelpOptions = true,
        description = {"The generated-content safety assessment (TC260-003 / GB/T 45654-2025 figures) of an"
                + " application's deployment, run as a job with question banks from the hub."},
        subcommands = {SafetyCommand.Assess.class, SafetyCommand.Show.class, SafetyCommand.Results.class,
                SafetyCommand.Overrule.class})
final class SafetyCommand {
    private static final Set<String> ENDED = Set.of("succeeded", "failed", "cancelled");

    private SafetyCommand() {
    }

    @Command(name = "assess", mixinStandardHelpOptions = true,
            description = {"Assess an application's deployment: a seeded sample of the generated-content banks (the"
                    + " standard: 1,000 of at least 2,000), every should-refuse and should-answer question.",
                    "e.g. incubator safety assess clinic/triage --bank datasets/incubator/safetybench-zh --bank"
                            + " datasets/incubator/cvalues --bank datasets/clinic/refuse --follow"})
    static final class Assess extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ORG/NAME", description = "The application")
        String app;

        @Option(names = "--bank", required = true, paramLabel = "REPO[@REV]", description = "A question bank"
                + " (a dataset with a safety.yaml; repeatable)")
        List<String> banks = new ArrayList<>();

        @Option(names = "--deployment", paramLabel = "ORG/NAME", description = "Which of its deployments (default:"
                + " its first)")
        String deployment;

        @Option(names = "--sample", description = "Generated-content questions to sample (default 1000)")
        Integer sample;

        @Option(names = "--seed", description = "Seed of the sample (default 1234)")
        Integer seed;

        @Option(names = "--max-tokens", paramLabel = "N", description = "Longest answer (default 64)")
        Integer maxTokens;

        @Option(names = "--judge", paramLabel = "ORG/NAME", description = "A deployment to judge the answers beside"
                + " the rules (a judge model; default: the rules alone)")
        String judge;

        @Option(names = {"-f", "--follow"}, description = "Follow it to its report")
        boolean follow;

        @Override
        public Integer call() throws InterruptedException {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("banks", banks);
            if (deployment != null) {
                body.put("deployment", deployment);
            }
            if (sample != null) {
                body.put("sample", sample);
            }
            if (seed != null) {
                body.put("seed", seed);
            }
            if (maxTokens != null) {
                body.put("max_tokens", maxTokens);
            }
            if (judge != null) {
                body.put("judge_deployment", judge);
            }
            JsonNode created = client().post(AppCommand.path(app) + "/assessments", body);
            String id = created.path("id").asText();
            if (!follow) {
                if (output == Output.Format.json) {
                    Output.json(out(), created);
                    return 0;
                }
                out().printf("assessment %s of %s (%s), job %s%nfollow it: incubator safety show %s%n", id,
                        created.path("deployment").asText(), created.path("model").asText(),
                        created.path("job").asText(), id);
                out().flush();
                return 0;
            }
            String last = "";
            while (true) {
                JsonNode found = client().get("/api/v1/assessments/" + ApiClient.segment(id));
                String state = found.path("state").asText();
                if (!state.equals(last)) {
                    out().println("assessment " + id + ": " + state);
                    out().flush();
                    last = state;
                }
                if (ENDED.contains(state)) {
                    Show.describe(this, found);
                    return state.equals("succeeded") ? 0 : 1;
                }
                Thread.sleep(1000);
            }
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "An assessment's report: each figure"
            + " with its sample size against the standard's rule, and the failures per risk category.")
    static final class Show extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ASSESSMENT", description = "The assessment's id (sa_...)")
        String id;

        @Override
        public Integer call() {
            JsonNode found = client().get("/api/v1/assessments/" + ApiClient.segment(id));
            if (output == Output.Format.json) {
                Output.json(out(), found);
                return 0;
            }
            describe(this, found);
            return 0;
        }

        static void describe(ClientCommand command, JsonNode found) {
            var out = command.out();
            out.printf("assessment %s of %s, %s (%s): %s%n", found.path("id").asText(), found.path("application")
                    .asText(), found.path("deployment").asText(), found.path("model").asText(), found.path("state")
                    .asText() + (found.hasNonNull("message") ? ": " + found.path("message").asText() : ""));
            JsonNode report = found.path("report");
            if (report.isObject()) {
                for (JsonNode figure : report.path("figures")) {
                    out.printf(Locale.ROOT, "  %-9s %4d of %4d (bank %d): %6.2f %%  rule %s; sample %s%s -> %s%n",
                            figure.path("kind").asText(), figure.path("count").asInt(), figure.path("n").asInt(),
                            figure.path("bank").asInt(), 100 * figure.path("rate").asDouble(), figure.path("rule")
                                    .asText(), figure.path("sample_rule").asText(), figure.path("sample_met")
                                    .asBoolean() ? " (met)" : " (NOT met)", figure.path("met").asBoolean() ? "met"
                                    : "NOT met");
                }
                for (JsonNode category : report.path("categories")) {
                    out.printf("  %-5s %s / %s: %d of %d failed%n", category.path("code").asText(), category.path("zh")
                            .asText(), category.path("en").asText(), category.path("failed").asInt(),
                            category.path("n").asInt());
                }
                out.printf("  %s; judge %s; report sha256 %s, audit event %d%n", found.path("passed").asBoolean()
                        ? "PASSED" : "DID NOT PASS", report.path("judge").asText(), found.path("report_sha256")
                        .asText(), found.path("audit_sequence").asLong());
            }
            out.flush();
        }
    }

    @Command(name = "results", mixinStandardHelpOptions = true, description = {"Each item's answer and verdict, in"
            + " order, with a reviewer's override where one was recorded.",
            "e.g. incubator safety results sa_123 --kind refuse --failed"})
    static final class Results extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ASSESSMENT", description = "The assessment's id (sa_...)")
        String id;

        @Option(names = "--kind", description = "Only generated, refuse or answer items")
        String kind;

        @Option(names = "--failed", description = "Only items whose verdict counts against the assessment")
        boolean failed;

        @Option(names = "--limit", description = "At most this many (default 50)")
        int limit = 50;

        @Override
        public Integer call() {
            List<JsonNode> shown = new ArrayList<>();
            String cursor = null;
            do {
                JsonNode page = client().get("/api/v1/assessments/" + ApiClient.segment(id) + "/results?limit=500"
                        + (cursor == null ? "" : "&cursor=" + ApiClient.segment(cursor)));
                for (JsonNode row : page.path("items")) {
                    JsonNode verdict = row.path("override").isObject() ? row.path("override") : row.path("result");
                    String itemKind = row.path("result").path("kind").asText();
                    boolean counts = switch (itemKind) {
                        case "refuse" -> !verdict.path("refused").asBoolean();
                        case "answer" -> verdict.path("refused").asBoolean();
                        default -> !verdict.path("pass").asBoolean();
                    };
                    if ((kind == null || kind.equals(itemKind)) && (!failed || counts) && shown.size() < limit) {
                        shown.add(row);
                    }
                }
                cursor = page.path("next_cursor").isTextual() ? page.path("next_cursor").asText() : null;
            } while (cursor != null && shown.size() < limit);
            if (output == Output.Format.json) {
                Output.json(out(), com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode().addAll(shown));
                return 0;
            }
            for (JsonNode row : shown) {
                JsonNode result = row.path("result");
                String answer = result.path("answer").asText().replaceAll("\\s+", " ");
                out().printf("%-24s %-9s %-7s pass=%-5s refused=%-5s %s%n", result.path("id").asText(),
                        result.path("kind").asText(), result.path("risk").asText(), result.path("pass").asBoolean(),
                        result.path("refused").asBoolean(), answer.length() > 60 ? answer.substring(0, 60) + "..."
                                : answer);
                out().printf("    judge: %s%n", result.path("reason").asText());
                if (row.path("override").isObject()) {
                    JsonNode o = row.path("override");
                    out().printf("    overruled by %s: pass=%s refused=%s, %s%n", o.path("reviewer").asText(),
                            o.path("pass").asBoolean(), o.path("refused").asBoolean(), o.path("reason").asText());
                }
            }
            out().flush();
            return 0;
        }
    }

    @Command(name = "override", mixinStandardHelpOptions = true, description = {"Overrule the judge on one item"
            + " (a reviewer without a conflict of interest): the report is recomputed and signed again.",
            "e.g. incubator safety override sa_123 refuse-17 --pass --refused --reason 'declines in effect'"})
    static final class Overrule extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ASSESSMENT", description = "The assessment's id (sa_...)")
        String id;

        @Parameters(index = "1", paramLabel = "ITEM", description = "The item's id, as 'safety results' lists it")
        String item;

        @Option(names = "--pass", negatable = true, required = true, description = "The answer is acceptable"
                + " content (--no-pass: it is not)")
        boolean pass;

        @Option(names = "--refused", negatable = true, required = true, description = "The answer refused the"
                + " request (--no-refused: it did not)")
        boolean refused;

        @Option(names = "--reason", required = true, description = "Why the judge's verdict is wrong")
        String reason;

        @Override
        public Integer call() {
            JsonNode done = client().post("/api/v1/assessments/" + ApiClient.segment(id) + "/overrides", Map.of(
                    "item", item, "pass", pass, "refused", refused, "reason", reason));
            if (output == Output.Format.json) {
                Output.json(out(), done);
                return 0;
            }
            out().printf("assessment %s: %d override(s); now %s; report sha256 %s, audit event %d%n", id,
                    done.path("overrides").size(), done.path("passed").asBoolean() ? "PASSED" : "DID NOT PASS",
                    done.path("report_sha256").asText(), done.path("audit_sequence").asLong());
            out().flush();
            return 0;
        }
    }
}
