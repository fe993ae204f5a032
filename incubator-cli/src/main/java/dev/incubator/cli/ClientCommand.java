package dev.incubator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Base of every command that talks to a server: credentials, output format and paging options. */
abstract class ClientCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-o", "--output"}, description = "Output format: ${COMPLETION-CANDIDATES} (default: table)",
            defaultValue = "table")
    Output.Format output;

    @Option(names = "--profile", paramLabel = "NAME", description = "Credentials profile saved by 'incubator login"
            + " --profile NAME' (default: INCUBATOR_PROFILE, else the one logged in last)")
    String profile;

    Map<String, String> environment() {
        return IncubatorCommand.environment();
    }

    Credentials credentials() {
        return Credentials.resolve(environment(), java.util.Optional.ofNullable(profile));
    }

    ApiClient client() {
        Credentials credentials = credentials();
        if (credentials.token().isEmpty()) {
            throw new CliException("not logged in: run 'incubator login --url URL --token-file FILE' "
                    + "or set INCUBATOR_TOKEN");
        }
        return new ApiClient(credentials.url(), credentials.token());
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** The answer's {@code warnings} (a grant nearly used up, a guarantee beyond the cluster), on standard error. */
    void warnings(JsonNode answer) {
        PrintWriter err = spec.commandLine().getErr();
        for (JsonNode warning : answer.path("warnings")) {
            err.println("warning: " + warning.asText());
        }
        err.flush();
    }

    void print(JsonNode node, List<Output.Column> columns) {
        Output.print(out(), output, node, columns);
    }

    /** Fetches one page, or every page when {@code all} (following cursors), and prints them. */
    void printList(String path, PageOptions page, List<Output.Column> columns) {
        Output.printList(out(), output, fetchList(path, new LinkedHashMap<>(), page), columns);
    }

    /** One page of a list with {@code query}, or every page as one when {@code all}. */
    JsonNode fetchList(String path, Map<String, String> query, PageOptions page) {
        ApiClient client = client();
        query.put("limit", page.limit == null ? null : Integer.toString(page.limit));
        query.put("cursor", page.cursor);
        JsonNode first = client.get(path, query);
        if (!page.all) {
            return first;
        }
        ArrayNode items = JsonNodeFactory.instance.arrayNode();
        JsonNode current = first;
        while (true) {
            items.addAll((ArrayNode) current.path("items"));
            if (!current.hasNonNull("next_cursor")) {
                break;
            }
            query.put("cursor", current.get("next_cursor").asText());
            current = client.get(path, query);
        }
        ObjectNode all = JsonNodeFactory.instance.objectNode();
        all.set("items", items);
        all.putNull("next_cursor");
        return all;
    }

    static final class PageOptions {
        @Option(names = "--limit", description = "Items per page (1-500, default 50)")
        Integer limit;

        @Option(names = "--cursor", description = "Continue after this cursor (from the previous page)")
        String cursor;

        @Option(names = "--all", description = "Fetch every page")
        boolean all;
    }

    static String segment(String value) {
        return ApiClient.segment(value);
    }
}
