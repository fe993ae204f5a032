package dev.incubator.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Prints API responses as aligned tables (for people) or as JSON (for scripts). */
final class Output {
    enum Format { table, json }

    record Column(String header, Function<JsonNode, String> value) {
        static Column field(String header, String field) {
            return new Column(header, node -> text(node.path(field)));
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private Output() {
    }

    static void print(PrintWriter out, Format format, JsonNode node, List<Column> columns) {
        if (format == Format.json) {
            json(out, node);
            return;
        }
        int width = columns.stream().mapToInt(column -> column.header().length()).max().orElse(0);
        for (Column column : columns) {
            out.printf("%-" + width + "s  %s%n", column.header(), column.value().apply(node));
        }
        out.flush();
    }

    static void printList(PrintWriter out, Format format, JsonNode page, List<Column> columns) {
        if (format == Format.json) {
            json(out, page);
            return;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(columns.stream().map(Column::header).toArray(String[]::new));
        for (JsonNode item : page.path("items")) {
            rows.add(columns.stream().map(column -> column.value().apply(item)).toArray(String[]::new));
        }
        int[] widths = new int[columns.size()];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(i == row.length - 1 ? row[i] : String.format("%-" + widths[i] + "s  ", row[i]));
            }
            out.println(line.toString().stripTrailing());
        }
        if (page.hasNonNull("next_cursor")) {
            out.println("(more: --cursor " + page.get("next_cursor").asText() + ", or --all)");
        }
        out.flush();
    }

    static void json(PrintWriter out, JsonNode node) {
        try {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
            out.flush();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String text(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return "-";
        }
        if (node.isArray()) {
            List<String> items = new ArrayList<>();
            node.forEach(item -> items.add(item.asText()));
            return items.isEmpty() ? "-" : String.join(",", items);
        }
        if (node.isObject()) {
            List<String> items = new ArrayList<>();
            node.fields().forEachRemaining(entry -> items.add(entry.getKey() + "=" + entry.getValue().asText()));
            return items.isEmpty() ? "-" : String.join(",", items);
        }
        return node.asText();
    }
}
