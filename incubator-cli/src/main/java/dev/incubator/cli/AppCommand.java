package dev.incubator.cli;

import static dev.incubator.cli.Output.Column.field;

import com.fasterxml.jackson.databind.JsonNode;
import dev.incubator.cli.Output.Column;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "app", mixinStandardHelpOptions = true,
        description = {"Applications: what an organisation serves to people, classified by risk; a high-risk one is"
                + " exposed beyond the organisation only while an ethical review of what it is now approves it."},
        subcommands = {AppCommand.Create.class, AppCommand.Update.class, AppCommand.ListApps.class, AppCommand.Show.class,
                AppCommand.RequestReview.class, AppCommand.Dossier.class})
final class AppCommand {
    static final List<Column> COLUMNS = List.of(field("name", "name"), field("domain", "domain"),
            field("audience", "audience"), field("risk", "risk"), new Column("exposure", node -> node.path("exposure")
                    .path("cleared").asBoolean() ? "cleared" : "on hold"), new Column("latest review", node ->
                    node.path("reviews").path(0).path("state").asText("none")));

    private AppCommand() {
    }

    /** ORG/NAME as the API's path. */
    static String path(String app) {
        int slash = app.indexOf('/');
        if (slash <= 0 || slash == app.length() - 1 || slash != app.lastIndexOf('/')) {
            throw new CliException("'" + app + "' is not ORG/NAME, e.g. clinic/triage");
        }
        return "/api/v1/orgs/" + ApiClient.segment(app.substring(0, slash)) + "/applications/"
                + ApiClient.segment(app.substring(slash + 1));
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Register an application; the rule table classifies its risk (docs/governance.md).",
                    "e.g. incubator app create clinic/triage --purpose 'Triage advice for walk-in patients'"
                            + " --audience public --domain medical --deployment clinic/med-chat"})
    static final class Create extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ORG/NAME", description = "The application")
        String app;

        @Option(names = "--purpose", required = true, description = "What it does for whom")
        String purpose;

        @Option(names = "--audience", required = true, description = "public or internal")
        String audience;

        @Option(names = "--domain", required = true, description = "medical, finance, education, news_opinion,"
                + " biometrics or other")
        String domain;

        @Option(names = "--minors", description = "Minors use it or are its subjects")
        boolean minors;

        @Option(names = "--deployment", paramLabel = "ORG/NAME", description = "A deployment behind it (repeatable)")
        List<String> deployments = new ArrayList<>();

        @Option(names = "--dataset", paramLabel = "REPO", description = "A dataset it uses, datasets/ORG/NAME"
                + " (repeatable)")
        List<String> datasets = new ArrayList<>();

        @Override
        public Integer call() {
            String apiPath = path(app);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", app.substring(app.indexOf('/') + 1));
            body.put("purpose", purpose);
            body.put("audience", audience);
            body.put("domain", domain);
            body.put("minors", minors);
            body.put("deployments", deployments);
            body.put("datasets", datasets);
            JsonNode created = client().post(apiPath.substring(0, apiPath.lastIndexOf('/')), body);
            if (output == Output.Format.json) {
                Output.json(out(), created);
                return 0;
            }
            out().printf("application %s/%s: %s risk%n", created.path("organisation").asText(),
                    created.path("name").asText(), created.path("risk").asText());
            created.path("risk_reasons").forEach(reason -> out().println("  " + reason.asText()));
            out().println("exposure: " + created.path("exposure").path("reason").asText());
            out().flush();
            return 0;
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true,
            description = {"Change an application's purpose, deployments or datasets. An approval covers the dossier"
                    + " it judged: a high-risk application's exposure, and training on sensitive data it names, wait"
                    + " for a re-review ('incubator app review').",
                    "e.g. incubator app update clinic/triage --dataset datasets/clinic/notes"
                            + " --dataset datasets/clinic/scans"})
    static final class Update extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ORG/NAME", description = "The application")
        String app;

        @Option(names = "--purpose", description = "What it does for whom, as it is now")
        String purpose;

        @Option(names = "--deployment", paramLabel = "ORG/NAME", description = "A deployment behind it (repeatable;"
                + " replaces the list)")
        List<String> deployments;

        @Option(names = "--dataset", paramLabel = "REPO", description = "A dataset it uses, datasets/ORG/NAME"
                + " (repeatable; replaces the list)")
        List<String> datasets;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            if (purpose != null) {
                body.put("purpose", purpose);
            }
            if (deployments != null) {
                body.put("deployments", deployments);
            }
            if (datasets != null) {
                body.put("datasets", datasets);
            }
            if (body.isEmpty()) {
                throw new CliException("nothing to change: give --purpose, --deployment or --dataset");
            }
            JsonNode updated = client().patch(path(app), body);
            if (output == Output.Format.json) {
                Output.json(out(), updated);
                return 0;
            }
            out().printf("application %s/%s updated%n", updated.path("organisation").asText(),
                    updated.path("name").asText());
            out().println("exposure: " + updated.path("exposure").path("reason").asText());
            out().flush();
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List an organisation's applications.")
    static final class ListApps extends ClientCommand {
        @Option(names = "--org", description = "Organisation (default: the profile's)")
        String org;

        @ArgGroup(exclusive = false)
        PageOptions page = new PageOptions();

        @Override
        public Integer call() {
            printList("/api/v1/orgs/" + segment(credentials().organisation(org)) + "/applications", page, COLUMNS);
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show an application: its risk and why, its exposure clearance, the dossier as it is now,"
                    + " and its reviews.")
    static final class Show extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ORG/NAME", description = "The application")
        String app;

        @Override
        public Integer call() {
            JsonNode found = client().get(path(app));
            if (output == Output.Format.json) {
                Output.json(out(), found);
                return 0;
            }
            var out = out();
            out.printf("application %s/%s (%s, %s%s): %s risk%s%n", found.path("organisation").asText(),
                    found.path("name").asText(), found.path("domain").asText(), found.path("audience").asText(),
                    found.path("minors").asBoolean() ? ", minors" : "", found.path("risk").asText(),
                    found.path("expert_re_review").asBoolean() ? ", expert re-review" : "");
            out.println("  purpose   " + found.path("purpose").asText());
            found.path("risk_reasons").forEach(reason -> out.println("  rule      " + reason.asText()));
            found.path("current").path("deployments").fields().forEachRemaining(entry -> out.println("  serves    "
                    + entry.getKey() + " = " + entry.getValue().asText()));
            found.path("datasets").forEach(dataset -> out.println("  dataset   " + dataset.asText()));
            out.println("  exposure  " + (found.path("exposure").path("cleared").asBoolean() ? "cleared: "
                    : "on hold: ") + found.path("exposure").path("reason").asText());
            for (JsonNode review : found.path("reviews")) {
                out.printf("  review    %s %s%s%s%n", review.path("id").asText(), review.path("state").asText(),
                        review.hasNonNull("decision") ? ": " + review.path("decision").asText() : " ("
                                + review.path("votes").size() + " vote(s))", review.hasNonNull("valid_until")
                                ? ", valid until " + review.path("valid_until").asText() : "");
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "dossier", mixinStandardHelpOptions = true,
            description = {"Write the application's filing pack: the models and their provenance, the data sources"
                    + " and their restrictions, the safety assessments, the labels, the review decisions and the"
                    + " complaint contact, as DIR/dossier.json and DIR/dossier.md; its hash is signed into the audit"
                    + " log."})
    static final class Dossier extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ORG/NAME", description = "The application")
        String app;

        @Option(names = "--contact", required = true, description = "Where people complain or ask for a takedown")
        String contact;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write the pack")
        java.nio.file.Path out;

        @Override
        public Integer call() throws java.io.IOException {
            JsonNode pack = client().post(path(app) + "/dossier", Map.of("contact", contact));
            java.nio.file.Files.createDirectories(out);
            java.nio.file.Files.writeString(out.resolve("dossier.json"), new com.fasterxml.jackson.databind
                    .ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(pack.path("json")) + "\n");
            java.nio.file.Files.writeString(out.resolve("dossier.md"), pack.path("markdown").asText());
            if (output == Output.Format.json) {
                Output.json(out(), pack);
                return 0;
            }
            out().printf("wrote %s and %s: sha256 %s, audit event %d%n", out.resolve("dossier.json"),
                    out.resolve("dossier.md"), pack.path("sha256").asText(), pack.path("audit_sequence").asLong());
            out().flush();
            return 0;
        }
    }

    @Command(name = "review", mixinStandardHelpOptions = true,
            description = "Ask the ethics committee to review the application as it is now.")
    static final class RequestReview extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ORG/NAME", description = "The application")
        String app;

        @Override
        public Integer call() {
            JsonNode review = client().post(path(app) + "/reviews", Map.of());
            if (output == Output.Format.json) {
                Output.json(out(), review);
                return 0;
            }
            out().printf("review %s of %s is open: the committee decides by %s of the votes for and against%n",
                    review.path("id").asText(), review.path("application").asText(), review.path("majority")
                            .asText());
            out().flush();
            return 0;
        }
    }
}
