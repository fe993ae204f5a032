package dev.incubator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The run-tracking and publishing side of 'incubator job': metrics (follow, plot), compare, publish. */
final class JobToolkit {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SPARKS = "▁▂▃▄▅▆▇█";

    private JobToolkit() {
    }

    /** --set PARAM=VALUE options as a map, in order; a malformed one is a usage error naming it. */
    static Map<String, String> parameters(List<String> sets) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String set : sets) {
            int equals = set.indexOf('=');
            if (equals < 1) {
                throw new CliException("--set takes PARAM=VALUE, e.g. --set model.layers=4, not '" + set + "'");
            }
            parameters.put(set.substring(0, equals).strip(), set.substring(equals + 1).strip());
        }
        return parameters;
    }

    @Command(name = "metrics", mixinStandardHelpOptions = true,
            description = {"A run's metrics by step (one column per metric), with a sparkline of each.",
                    "--follow prints new steps until the job ends; --plot writes the curves as an SVG."})
    static final class Metrics extends ClientCommand {
        @Parameters(arity = "1..2", paramLabel = "[ORG] JOB", description = "Job id, optionally after its organisation")
        List<String> ids;

        @Option(names = {"-n", "--name"}, description = "Only these metrics (repeatable), e.g. -n loss -n validation_loss")
        List<String> names = new ArrayList<>();

        @Option(names = {"-f", "--follow"}, description = "Keep printing new steps until the job ends")
        boolean follow;

        @Option(names = "--plot", paramLabel = "FILE.svg", description = "Write the curves to an SVG file")
        Path plot;

        @Override
        public Integer call() throws InterruptedException {
            ApiClient client = client();
            String job = ids.get(ids.size() - 1);
            String base = "/api/v1/jobs/" + segment(job);
            List<JsonNode> points = new ArrayList<>();
            String cursor = null;
            Set<String> columns = new LinkedHashSet<>(names);
            long printedStep = -1;
            boolean header = false;
            while (true) {
                Map<String, String> query = new LinkedHashMap<>();
                query.put("limit", "500");
                query.put("cursor", cursor);
                query.put("name", names.size() == 1 ? names.get(0) : null);
                JsonNode page = client.get(base + "/metrics", query);
                List<JsonNode> fresh = new ArrayList<>();
                for (JsonNode point : page.path("items")) {
                    if (names.isEmpty() || names.contains(point.path("name").asText())) {
                        fresh.add(point);
                    }
                }
                points.addAll(fresh);
                cursor = page.hasNonNull("next_cursor") ? page.get("next_cursor").asText()
                        : points.isEmpty() ? null : dev.incubator.common.Cursor.encode(Long.toString(points.get(
                        points.size() - 1).path("sequence").asLong()));
                if (page.hasNonNull("next_cursor")) {
                    continue;
                }
                String state = follow ? client.get(base).path("state").asText() : "";
                boolean ended = !follow || JobCommand.ENDED.contains(state);
                if (output == Output.Format.json) {
                    if (!follow || !fresh.isEmpty()) {
                        ObjectNode answer = JSON.createObjectNode().put("job", job);
                        answer.set("items", JSON.valueToTree(follow ? fresh : points));
                        Output.json(out(), answer);
                    }
                } else if (follow) {
                    for (JsonNode point : points) {
                        columns.add(point.path("name").asText());
                    }
                    Map<Long, Map<String, Double>> rows = pivot(points);
                    if (!header && !rows.isEmpty()) {
                        out().println(row("step", new ArrayList<>(columns), new ArrayList<>(columns)));
                        header = true;
                    }
                    for (var entry : rows.entrySet()) {
                        // A step is printed once it is complete: when a later step has values, or the job ended.
                        if (entry.getKey() > printedStep && (entry.getKey() < rows.keySet().stream().mapToLong(x -> x)
                                .max().orElse(0) || ended)) {
                            out().println(row(Long.toString(entry.getKey()), values(columns, entry.getValue()),
                                    new ArrayList<>(columns)));
                            printedStep = entry.getKey();
                        }
                    }
                    out().flush();
                }
                if (ended) {
                    break;
                }
                Thread.sleep(2000);
            }
            if (!follow && output != Output.Format.json) {
                printTable(points);
            }
            if (plot != null) {
                writePlot(job, points, plot);
                spec.commandLine().getErr().println("plot: " + plot);
            }
            return 0;
        }

        private void printTable(List<JsonNode> points) {
            Map<Long, Map<String, Double>> rows = pivot(points);
            Set<String> columns = new LinkedHashSet<>(names);
            points.forEach(point -> columns.add(point.path("name").asText()));
            if (rows.isEmpty()) {
                out().println("no metrics yet: a job appends JSON lines to $INCUBATOR_METRICS, e.g. {\"step\": 10,"
                        + " \"loss\": 2.31}, or posts them to /api/v1/jobs/JOB/metrics");
                out().flush();
                return;
            }
            List<String> names = new ArrayList<>(columns);
            out().println(row("step", names, names));
            rows.forEach((step, values) -> out().println(row(Long.toString(step), values(columns, values), names)));
            out().println();
            for (String name : columns) {
                List<Double> series = points.stream().filter(point -> point.path("name").asText().equals(name))
                        .map(point -> point.path("value").asDouble()).toList();
                out().printf("%-26s %s  %s -> %s%n", name, sparkline(series, 40), format(series.get(0)),
                        format(series.get(series.size() - 1)));
            }
            out().flush();
        }
    }

    static Map<Long, Map<String, Double>> pivot(List<JsonNode> points) {
        Map<Long, Map<String, Double>> rows = new TreeMap<>();
        for (JsonNode point : points) {
            rows.computeIfAbsent(point.path("step").asLong(), step -> new LinkedHashMap<>())
                    .put(point.path("name").asText(), point.path("value").asDouble());
        }
        return rows;
    }

    private static List<String> values(Set<String> columns, Map<String, Double> values) {
        return columns.stream().map(name -> values.containsKey(name) ? format(values.get(name)) : "").toList();
    }

    /** A row of the metrics table: the step, then each metric in a column as wide as its name (10 at least). */
    private static String row(String first, List<String> rest, List<String> names) {
        StringBuilder line = new StringBuilder(String.format("%-8s", first));
        for (int i = 0; i < rest.size(); i++) {
            line.append(String.format("  %-" + Math.max(10, names.get(i).length()) + "s", rest.get(i)));
        }
        return line.toString().stripTrailing();
    }

    /** Four significant digits, plain where that reads well (2.31, 4308, 0.0003042), else scientific. */
    static String format(double value) {
        double magnitude = Math.abs(value);
        if (value == 0) {
            return "0";
        }
        if (magnitude >= 1e7 || magnitude < 1e-4) {
            return String.format(Locale.ROOT, "%.3e", value);
        }
        if (magnitude >= 1000) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        return new java.math.BigDecimal(value).round(new java.math.MathContext(4)).stripTrailingZeros()
                .toPlainString();
    }

    /** A terminal sparkline of at most {@code width} characters (values averaged into buckets). */
    static String sparkline(List<Double> series, int width) {
        if (series.isEmpty()) {
            return "";
        }
        int buckets = Math.min(width, series.size());
        double[] means = new double[buckets];
        for (int b = 0; b < buckets; b++) {
            int from = b * series.size() / buckets;
            int to = Math.max(from + 1, (b + 1) * series.size() / buckets);
            means[b] = series.subList(from, to).stream().mapToDouble(Double::doubleValue).average().orElse(0);
        }
        double low = java.util.Arrays.stream(means).min().orElse(0);
        double high = java.util.Arrays.stream(means).max().orElse(0);
        StringBuilder line = new StringBuilder();
        for (double mean : means) {
            int level = high > low ? (int) Math.round((mean - low) / (high - low) * (SPARKS.length() - 1)) : 0;
            line.append(SPARKS.charAt(level));
        }
        return line.toString();
    }

    /** The curves as an SVG: one panel per metric, value against step, with the first and last values. */
    static void writePlot(String title, List<JsonNode> points, Path file) {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (JsonNode point : points) {
            series.computeIfAbsent(point.path("name").asText(), name -> new ArrayList<>())
                    .add(new double[] {point.path("step").asDouble(), point.path("value").asDouble()});
        }
        int panelWidth = 420;
        int panelHeight = 220;
        int columns = Math.max(1, Math.min(2, series.size()));
        int panelRows = (series.size() + columns - 1) / columns;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " font-family=\"sans-serif\" font-size=\"11\">%n", columns * panelWidth, panelRows * panelHeight + 30));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append("<text x=\"10\" y=\"20\" font-size=\"14\">").append(escape(title)).append("</text>\n");
        int index = 0;
        for (var entry : series.entrySet()) {
            int x0 = (index % columns) * panelWidth + 50;
            int y0 = (index / columns) * panelHeight + 50;
            int width = panelWidth - 70;
            int height = panelHeight - 60;
            List<double[]> values = entry.getValue();
            double minX = values.stream().mapToDouble(v -> v[0]).min().orElse(0);
            double maxX = values.stream().mapToDouble(v -> v[0]).max().orElse(1);
            double minY = values.stream().mapToDouble(v -> v[1]).min().orElse(0);
            double maxY = values.stream().mapToDouble(v -> v[1]).max().orElse(1);
            double spanX = maxX > minX ? maxX - minX : 1;
            double spanY = maxY > minY ? maxY - minY : 1;
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\""
                    + " stroke=\"#ccc\"/>%n", x0, y0, width, height));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", x0, y0 - 6,
                    escape(entry.getKey())));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", x0 - 4,
                    y0 + 10, format(maxY)));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", x0 - 4,
                    y0 + height, format(minY)));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">step %s</text>%n", x0, y0 + height + 14,
                    format(minX)));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n",
                    x0 + width, y0 + height + 14, format(maxX)));
            StringBuilder path = new StringBuilder();
            for (double[] value : values) {
                path.append(path.length() == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f",
                        x0 + (value[0] - minX) / spanX * width, y0 + height - (value[1] - minY) / spanY * height));
            }
            svg.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\"/>\n");
            index++;
        }
        svg.append("</svg>\n");
        try {
            Files.writeString(file, svg, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliException("--plot: could not write " + file + ": " + e.getMessage());
        }
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    @Command(name = "compare", mixinStandardHelpOptions = true,
            description = "Runs side by side: template, the parameters that differ, and each run's latest metrics.")
    static final class Compare extends ClientCommand {
        @Parameters(arity = "2..20", paramLabel = "JOB", description = "Job ids (2 to 20)")
        List<String> jobs;

        @Override
        public Integer call() {
            ApiClient client = client();
            List<JsonNode> runs = new ArrayList<>();
            for (String job : jobs) {
                runs.add(client.get("/api/v1/jobs/" + segment(job) + "/run"));
            }
            if (output == Output.Format.json) {
                ArrayNode items = JSON.createArrayNode();
                runs.forEach(items::add);
                Output.json(out(), JSON.createObjectNode().set("items", items));
                return 0;
            }
            Set<String> params = new java.util.TreeSet<>();
            Set<String> metrics = new java.util.TreeSet<>();
            for (JsonNode run : runs) {
                run.path("template_params").fieldNames().forEachRemaining(params::add);
                run.path("latest").fieldNames().forEachRemaining(metrics::add);
            }
            List<String[]> lines = new ArrayList<>();
            lines.add(line("job", runs, run -> run.path("job").asText()));
            lines.add(line("name", runs, run -> run.path("name").asText()));
            lines.add(line("state", runs, run -> run.path("state").asText()));
            lines.add(line("template", runs, run -> Output.text(run.path("template"))));
            for (String param : params) {
                Set<String> distinct = new LinkedHashSet<>();
                runs.forEach(run -> distinct.add(Output.text(run.path("template_params").path(param))));
                if (distinct.size() > 1) {
                    lines.add(line(param, runs, run -> Output.text(run.path("template_params").path(param))));
                }
            }
            for (String metric : metrics) {
                lines.add(line(metric, runs, run -> run.path("latest").has(metric) ? format(run.path("latest")
                        .path(metric).path("value").asDouble()) + " @" + run.path("latest").path(metric).path("step")
                        .asLong() : "-"));
            }
            int[] widths = new int[runs.size() + 1];
            for (String[] cells : lines) {
                for (int i = 0; i < cells.length; i++) {
                    widths[i] = Math.max(widths[i], cells[i].length());
                }
            }
            for (String[] cells : lines) {
                StringBuilder text = new StringBuilder();
                for (int i = 0; i < cells.length; i++) {
                    text.append(String.format("%-" + widths[i] + "s  ", cells[i]));
                }
                out().println(text.toString().stripTrailing());
            }
            out().flush();
            return 0;
        }

        private static String[] line(String label, List<JsonNode> runs, java.util.function.Function<JsonNode, String>
                value) {
            String[] cells = new String[runs.size() + 1];
            cells[0] = label;
            for (int i = 0; i < runs.size(); i++) {
                cells[i + 1] = value.apply(runs.get(i));
            }
            return cells;
        }
    }

    @Command(name = "publish", mixinStandardHelpOptions = true,
            description = {"Publish a succeeded run's model (its $INCUBATOR_CHECKPOINT_DIR/model) to a hub model",
                    "repository, with a card recording its provenance: job, code hash, the exact commits it read,",
                    "parameters, GPU-hours and energy. The data's restrictions follow the model (lineage)."})
    static final class Publish extends ClientCommand {
        @Parameters(arity = "1..2", paramLabel = "[ORG] JOB", description = "Job id, optionally after its organisation")
        List<String> ids;

        @Option(names = "--to", required = true, paramLabel = "models/ORG/NAME", description = "The model repository"
                + " (made when missing)")
        String to;

        @Option(names = "--visibility", description = "Visibility if the repository is made: public, organisation"
                + " (default), private or gated")
        String visibility;

        @Option(names = "--license", description = "The card's licence, e.g. apache-2.0 (default other)")
        String license;

        @Option(names = "--summary", description = "A paragraph for the card")
        String summary;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("to", to);
            if (visibility != null) {
                body.put("visibility", visibility);
            }
            if (license != null) {
                body.put("license", license);
            }
            if (summary != null) {
                body.put("summary", summary);
            }
            JsonNode published = client().post("/api/v1/jobs/" + segment(ids.get(ids.size() - 1)) + "/publish", body);
            print(published, List.of(Output.Column.field("repository", "repository"),
                    Output.Column.field("commit", "commit"), Output.Column.field("files", "files"),
                    Output.Column.field("job", "job"), Output.Column.field("template", "template"),
                    Output.Column.field("code SHA-256", "code_sha256"), Output.Column.field("read", "read"),
                    Output.Column.field("GPU-hours", "gpu_hours"), Output.Column.field("energy kWh", "energy_kwh")));
            return 0;
        }
    }
}
