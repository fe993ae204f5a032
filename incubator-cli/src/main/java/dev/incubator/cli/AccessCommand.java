package dev.incubator.cli;

import static dev.incubator.cli.Output.Column.field;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.incubator.cli.HubTransfer.RepoRef;
import dev.incubator.cli.Output.Column;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "access", mixinStandardHelpOptions = true,
        description = "Data-use agreements for gated repositories: request, approve, deny, revoke, list, report.",
        subcommands = {AccessCommand.Request.class, AccessCommand.Approve.class, AccessCommand.Deny.class,
                AccessCommand.Revoke.class, AccessCommand.ListRequests.class, AccessCommand.Report.class})
final class AccessCommand {
    static final List<Column> COLUMNS = List.of(field("id", "id"), field("repository", "repository"),
            field("requester", "requester"), field("purpose", "purpose"), field("state", "state"),
            field("mode", "mode"), field("expires", "expires_on"), field("reason", "reason"));
    private static final String REPO_HELP = "datasets/NAMESPACE/NAME (or NAMESPACE/NAME for a model)";

    static String requests(String repo) {
        return HubCommand.path(RepoRef.parse(repo)) + "/access-requests";
    }

    @Command(name = "request", mixinStandardHelpOptions = true, description = "Ask for access with a purpose.")
    static final class Request extends ClientCommand {
        @Parameters(index = "0", description = REPO_HELP)
        String repo;

        @Option(names = "--purpose", required = true, description = "general-research, health-medical-research, "
                + "method-development, population-origin-research, non-profit-use or commercial-use")
        String purpose;

        @Option(names = "--justification", required = true, description = "The project and why it needs the data")
        String justification;

        @Override
        public Integer call() {
            JsonNode agreement = client().post(requests(repo), Map.of("purpose", purpose, "justification",
                    justification));
            print(agreement, COLUMNS);
            if (output != Output.Format.json && agreement.hasNonNull("conditions")) {
                out().println();
                out().println("The owner's conditions: " + agreement.path("conditions").asText());
                out().flush();
            }
            return 0;
        }
    }

    @Command(name = "approve", mixinStandardHelpOptions = true,
            description = "Approve a request with terms (the owner, a data steward or an admin of its organisation).")
    static final class Approve extends ClientCommand {
        @Parameters(index = "0", description = REPO_HELP)
        String repo;

        @Parameters(index = "1", description = "The request id")
        String id;

        @Option(names = "--expires-on", required = true, description = "Last day of access, e.g. 2027-06-30")
        String expiresOn;

        @Option(names = "--mode", description = "download, or compute-only (readable only inside jobs); default: "
                + "the repository card's gated_mode, else download")
        String mode;

        @Option(names = "--purpose", description = "A purpose allowed (repeatable; default: the one requested)")
        List<String> purposes;

        @Option(names = "--allow-redistribution", description = "Lift the default no-redistribution term")
        boolean allowRedistribution;

        @Option(names = "--attribution", description = "Text users must cite")
        String attribution;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("expires_on", expiresOn);
            if (mode != null) {
                body.put("mode", mode);
            }
            if (purposes != null) {
                body.put("purposes", purposes);
            }
            body.put("no_redistribution", !allowRedistribution);
            if (attribution != null) {
                body.put("attribution", attribution);
            }
            print(client().postPlain(requests(repo) + "/" + segment(id) + "/approve", body), COLUMNS);
            return 0;
        }
    }

    @Command(name = "deny", mixinStandardHelpOptions = true, description = "Deny a pending request.")
    static final class Deny extends ClientCommand {
        @Parameters(index = "0", description = REPO_HELP)
        String repo;

        @Parameters(index = "1", description = "The request id")
        String id;

        @Option(names = "--reason", required = true, description = "Why; the requester sees it")
        String reason;

        @Override
        public Integer call() {
            print(client().postPlain(requests(repo) + "/" + segment(id) + "/deny", Map.of("reason", reason)), COLUMNS);
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke an agreement; the next read is refused.")
    static final class Revoke extends ClientCommand {
        @Parameters(index = "0", description = REPO_HELP)
        String repo;

        @Parameters(index = "1", description = "The agreement id")
        String id;

        @Option(names = "--reason", required = true, description = "Why; the holder sees it")
        String reason;

        @Override
        public Integer call() {
            print(client().postPlain(requests(repo) + "/" + segment(id) + "/revoke", Map.of("reason", reason)),
                    COLUMNS);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Requests to a repository (all for its admins), or your own everywhere.")
    static final class ListRequests extends ClientCommand {
        @Parameters(index = "0", arity = "0..1", description = REPO_HELP)
        String repo;

        @Override
        public Integer call() {
            JsonNode list = client().get(repo == null ? "/api/v1/access-requests" : requests(repo));
            ObjectNode page = JsonNodeFactory.instance.objectNode();
            page.set("items", list.path("items"));
            page.putNull("next_cursor");
            Output.printList(out(), output, page, COLUMNS);
            return 0;
        }
    }

    @Command(name = "report", mixinStandardHelpOptions = true,
            description = "Every read of the gated data: who, when, on what basis (agreement or membership), purpose "
                    + "and channel (the owner side; operators and auditors).")
    static final class Report extends ClientCommand {
        @Parameters(index = "0", description = REPO_HELP)
        String repo;

        @Override
        public Integer call() {
            JsonNode report = client().get(HubCommand.path(RepoRef.parse(repo)) + "/access-report");
            if (output == Output.Format.json) {
                Output.json(out(), report);
                return 0;
            }
            ObjectNode page = JsonNodeFactory.instance.objectNode();
            page.set("items", report.path("reads"));
            page.putNull("next_cursor");
            Output.printList(out(), output, page, List.of(field("#", "sequence"), field("time", "time"),
                    field("reader", "actor"), field("agreement", "agreement"), field("basis", "basis"),
                    field("purpose", "purpose"), field("channel", "channel")));
            return 0;
        }
    }
}
