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

@Command(name = "review", mixinStandardHelpOptions = true,
        description = {"The ethics committee's work (platform role reviewer): the queue, a dossier, votes with"
                + " comments and conditions, the decision by the committee's rules, revocation."},
        subcommands = {ReviewCommand.Queue.class, ReviewCommand.Show.class, ReviewCommand.Vote.class,
                ReviewCommand.Decide.class, ReviewCommand.Revoke.class})
final class ReviewCommand {
    static final List<Column> COLUMNS = List.of(field("id", "id"), field("application", "application"),
            field("state", "state"), new Column("votes", node -> Integer.toString(node.path("votes").size())),
            field("majority", "majority"), field("opened", "opened_at"));

    private ReviewCommand() {
    }

    static String path(String id) {
        return "/api/v1/reviews/" + ApiClient.segment(id);
    }

    @Command(name = "queue", mixinStandardHelpOptions = true, description = "Reviews waiting for the committee"
            + " (oldest first); --state for decided ones.")
    static final class Queue extends ClientCommand {
        @Option(names = "--state", description = "open (default), approved, rejected, revoked or all")
        String state;

        @ArgGroup(exclusive = false)
        PageOptions page = new PageOptions();

        @Override
        public Integer call() {
            Map<String, String> query = new LinkedHashMap<>();
            if (state != null) {
                query.put("state", state);
            }
            Output.printList(out(), output, fetchList("/api/v1/reviews", query, page), COLUMNS);
            out().flush();
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "A review: the dossier it judges, the"
            + " votes and the decision.")
    static final class Show extends ClientCommand {
        @Parameters(index = "0", paramLabel = "REVIEW", description = "The review's id (rev_...)")
        String id;

        @Override
        public Integer call() {
            JsonNode review = client().get(path(id));
            if (output == Output.Format.json) {
                Output.json(out(), review);
                return 0;
            }
            var out = out();
            out.printf("review %s of %s: %s%s%n", review.path("id").asText(), review.path("application").asText(),
                    review.path("state").asText(), review.hasNonNull("decision") ? " (" + review.path("decision")
                            .asText() + ")" : "");
            out.println("  purpose   " + review.path("dossier").path("purpose").asText());
            review.path("dossier").path("deployments").fields().forEachRemaining(entry -> out.println("  serves    "
                    + entry.getKey() + " = " + entry.getValue().asText()));
            review.path("dossier").path("datasets").forEach(dataset -> out.println("  dataset   " + dataset.asText()));
            out.println("  majority  " + review.path("majority").asText() + (review.path("expert_re_review")
                    .asBoolean() ? " (expert re-review)" : ""));
            for (JsonNode vote : review.path("votes")) {
                out.printf("  vote      %s %s%s%s%n", vote.path("reviewer").asText(), vote.path("choice").asText(),
                        vote.path("comment").asText().isEmpty() ? "" : ": " + vote.path("comment").asText(),
                        vote.path("conditions").isEmpty() ? "" : " [conditions: " + Output.text(vote.path(
                                "conditions")) + "]");
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "vote", mixinStandardHelpOptions = true, description = "Vote on an open review; a later vote"
            + " replaces yours. A reviewer who is a member of the applicant organisation can not vote.")
    static final class Vote extends ClientCommand {
        @Parameters(index = "0", paramLabel = "REVIEW", description = "The review's id")
        String id;

        @Option(names = "--choice", required = true, description = "approve, reject or abstain")
        String choice;

        @Option(names = "--comment", description = "Why")
        String comment;

        @Option(names = "--condition", paramLabel = "TEXT", description = "A condition of an approval (repeatable)")
        List<String> conditions = new ArrayList<>();

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("choice", choice);
            if (comment != null) {
                body.put("comment", comment);
            }
            if (!conditions.isEmpty()) {
                body.put("conditions", conditions);
            }
            JsonNode review = client().post(path(id) + "/votes", body);
            if (output == Output.Format.json) {
                Output.json(out(), review);
                return 0;
            }
            out().printf("voted %s on %s (%d vote(s) so far)%n", choice, review.path("id").asText(),
                    review.path("votes").size());
            out().flush();
            return 0;
        }
    }

    @Command(name = "decide", mixinStandardHelpOptions = true, description = "Decide an open review from its votes"
            + " (once the quorum voted; by the committee's majority).")
    static final class Decide extends ClientCommand {
        @Parameters(index = "0", paramLabel = "REVIEW", description = "The review's id")
        String id;

        @Override
        public Integer call() {
            JsonNode review = client().post(path(id) + "/decision", Map.of());
            if (output == Output.Format.json) {
                Output.json(out(), review);
                return 0;
            }
            out().printf("review %s: %s%s%n", review.path("id").asText(), review.path("decision").asText(),
                    review.hasNonNull("valid_until") ? ", valid until " + review.path("valid_until").asText() : "");
            out().flush();
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke an approval: the application's"
            + " exposure ends at once.")
    static final class Revoke extends ClientCommand {
        @Parameters(index = "0", paramLabel = "REVIEW", description = "The review's id")
        String id;

        @Option(names = "--reason", required = true, description = "Why the approval no longer holds")
        String reason;

        @Override
        public Integer call() {
            JsonNode review = client().post(path(id) + "/revocation", Map.of("reason", reason));
            if (output == Output.Format.json) {
                Output.json(out(), review);
                return 0;
            }
            out().printf("review %s: %s%n", review.path("id").asText(), review.path("decision").asText());
            out().flush();
            return 0;
        }
    }
}
