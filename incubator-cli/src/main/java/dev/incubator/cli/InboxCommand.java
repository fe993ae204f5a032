package dev.incubator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "inbox", mixinStandardHelpOptions = true,
        description = {"Your notices, newest first: access requests to decide, decisions on your requests, grant"
                + " thresholds crossed, failed jobs.", "Unread notices are marked with '*'."},
        subcommands = {InboxCommand.Read.class})
final class InboxCommand extends ClientCommand {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")
            .withZone(ZoneId.systemDefault());

    @Option(names = "--unread", description = "Only notices not yet read")
    boolean unread;

    @Option(names = "--kind", description = "Only one kind: access.request, access.decision, grant.threshold,"
            + " job.failed")
    String kind;

    @Option(names = "--lang", description = "en or zh (default: from LANG, else en)")
    String lang;

    @ArgGroup(exclusive = false)
    PageOptions page = new PageOptions();

    @Override
    public Integer call() {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("unread", unread ? "true" : null);
        query.put("kind", kind);
        query.put("lang", language(lang, environment()));
        JsonNode result = fetchList("/api/v1/inbox", query, page);
        if (output == Output.Format.json) {
            Output.json(out(), result);
            return 0;
        }
        PrintWriter out = out();
        if (result.path("items").isEmpty()) {
            out.println(unread ? "no unread notices" : "no notices");
        }
        for (JsonNode notice : result.path("items")) {
            out.println((notice.path("read").asBoolean() ? "  " : "* ") + notice.path("id").asText() + "  "
                    + TIME.format(Instant.parse(notice.path("created_at").asText())) + "  "
                    + notice.path("kind").asText() + (notice.hasNonNull("organisation") ? "  "
                    + notice.path("organisation").asText() : ""));
            out.println("    " + notice.path("title").asText());
            out.println("    " + notice.path("body").asText());
        }
        if (result.hasNonNull("next_cursor")) {
            out.println("(more: --cursor " + result.get("next_cursor").asText() + ", or --all)");
        }
        out.flush();
        return 0;
    }

    /** The notices' language: --lang, else zh when LC_ALL, LC_MESSAGES or LANG starts with zh, else en. */
    static String language(String option, Map<String, String> environment) {
        if (option != null) {
            return option;
        }
        for (String variable : List.of("LC_ALL", "LC_MESSAGES", "LANG")) {
            String value = environment.get(variable);
            if (value != null && !value.isEmpty()) {
                return value.toLowerCase(Locale.ROOT).startsWith("zh") ? "zh" : "en";
            }
        }
        return "en";
    }

    @Command(name = "read", mixinStandardHelpOptions = true,
            description = "Mark notices read: the ids given, or --all.")
    static final class Read extends ClientCommand {
        @Parameters(arity = "0..*", paramLabel = "ID", description = "Notice ids (ntc_...)")
        List<String> ids = new java.util.ArrayList<>();

        @Option(names = "--all", description = "Mark every notice read")
        boolean all;

        @Override
        public Integer call() {
            if (all == !ids.isEmpty()) {
                throw new CliException("name the notices to mark read (incubator inbox read ntc_...), or --all");
            }
            JsonNode marked = all ? client().post("/api/v1/inbox/read-all", Map.of())
                    : client().post("/api/v1/inbox/read", Map.of("ids", ids));
            print(marked, List.of(new Output.Column("marked read", node -> node.path("marked").asText()),
                    new Output.Column("unread", node -> node.path("unread").asText())));
            return 0;
        }
    }
}
