package dev.incubator.server.console;

import dev.incubator.common.IncubatorException;
import io.javalin.http.Context;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Evaluation in the console: the leaderboards (only comparable records share a board: the same benchmark commit, task
 * spec and template, method and shots), each score drawn with its interval so that rows whose intervals overlap read
 * as the tie they are, and each organisation's evaluation runs with their state and overall score.
 */
final class EvalPages {
    private final ConsoleApi api;

    EvalPages(ConsoleApi api) {
        this.api = api;
    }

    /** The leaderboards the user may see, optionally for one benchmark and subject. */
    void leaderboards(Console.View view) {
        Context ctx = view.context();
        Map<String, String> query = new LinkedHashMap<>();
        String benchmark = param(ctx, "benchmark");
        String subject = param(ctx, "subject");
        if (!benchmark.isEmpty()) {
            query.put("benchmark", benchmark);
        }
        if (!subject.isEmpty()) {
            query.put("subject", subject);
        }
        Map<String, Object> answer = api.get(view, "getLeaderboards", Map.of(), query);
        List<Map<String, Object>> boards = new ArrayList<>();
        for (Object one : list(answer.get("boards"))) {
            @SuppressWarnings("unchecked")
            Map<String, Object> board = new LinkedHashMap<>((Map<String, Object>) one);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Object cell : list(board.get("rows"))) {
                @SuppressWarnings("unchecked")
                Map<String, Object> row = new LinkedHashMap<>((Map<String, Object>) cell);
                double accuracy = number(row.get("accuracy"));
                double low = number(row.get("low"));
                double high = number(row.get("high"));
                row.put("accuracy_pct", percent(accuracy));
                row.put("low_pct", percent(low));
                row.put("high_pct", percent(high));
                row.put("bar", bar(accuracy, low, high));
                row.put("short_commit", shortHash(row.get("model_commit")));
                row.put("short_record", shortHash(row.get("record_sha256")));
                row.put("model_url", "/console/hub/" + row.get("model"));
                row.put("flagged", !"clean".equals(row.get("contamination")));
                rows.add(row);
            }
            board.put("rows", rows);
            board.put("short_benchmark_commit", shortHash(board.get("benchmark_commit")));
            board.put("benchmark_url", "/console/hub/" + board.get("benchmark"));
            boards.add(board);
        }
        view.model().put("boards", boards);
        view.model().put("no_boards", boards.isEmpty());
        view.model().put("benchmark_value", benchmark);
        view.model().put("subject_value", subject);
        List<Map<String, Object>> runs = new ArrayList<>();
        for (String org : view.organisations()) {
            try {
                for (Map<String, Object> run : ConsoleApi.items(api.get(view, "listEvaluations", Map.of("org", org),
                        Map.of("limit", "10")))) {
                    Map<String, Object> row = new LinkedHashMap<>(run);
                    row.put("overall", list(run.get("summaries")).stream()
                            .map(s -> (Map<?, ?>) s).filter(s -> "all".equals(s.get("subject")))
                            .map(s -> percent(number(s.get("accuracy")))).findFirst().orElse("–"));
                    row.put("job_url", "/console/orgs/" + org + "/jobs/" + run.get("job"));
                    row.put("created", OperatorPages.time(run.get("created_at")));
                    runs.add(row);
                }
            } catch (IncubatorException e) {
                // the role does not show evaluations
            }
        }
        view.model().put("runs", runs);
        view.model().put("has_runs", !runs.isEmpty());
    }

    /** The interval as a bar on a 0-100 scale (SVG user units): where it starts, how wide it is, where the score sits. */
    static Map<String, String> bar(double accuracy, double low, double high) {
        double from = clamp(low);
        double to = Math.max(from, clamp(high));
        return Map.of("left", css(from), "width", css(to - from), "mark", css(clamp(accuracy)));
    }

    private static double clamp(double value) {
        return Double.isFinite(value) ? Math.max(0, Math.min(1, value)) : 0;
    }

    private static String css(double fraction) {
        return String.format(Locale.ROOT, "%.1f", fraction * 100);
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.1f %%", fraction * 100);
    }

    private static double number(Object value) {
        if (value instanceof BigDecimal decimal) {
            return decimal.doubleValue();
        }
        return value instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static List<?> list(Object value) {
        return value instanceof List<?> list ? list : List.of();
    }

    private static String shortHash(Object value) {
        String text = value == null ? "" : value.toString();
        return text.length() > 10 ? text.substring(0, 10) : text;
    }

    private static String param(Context ctx, String name) {
        return Optional.ofNullable(ctx.queryParam(name)).map(String::strip).orElse("");
    }
}
