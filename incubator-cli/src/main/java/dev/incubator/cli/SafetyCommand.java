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
        subcommands = {SafetyCommand.Assess.class, SafetyCommand.Show.class})
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
}
