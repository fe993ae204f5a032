package dev.incubator.server.console;

import dev.incubator.common.IncubatorException;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The toolkit in the console: the job templates, a form that fills one and submits it for an organisation (the
 * API's submitTemplateJob, so the same checks and grant rules), and a run's metrics drawn as charts that follow the
 * run while it lasts.
 */
final class ToolkitPages {
    static final String PARAMETER = "param.";
    private static final int MAX_POINTS = 20_000;

    private final ConsoleApi api;

    ToolkitPages(ConsoleApi api) {
        this.api = api;
    }

    /** Every template with its summary in the page's language. */
    void list(Console.View view) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map<String, Object> template : ConsoleApi.items(api.get(view, "listTemplates", Map.of(), Map.of()))) {
            rows.add(Map.of("name", template.get("name"), "summary", summary(view, template), "description",
                    template.get("description"), "url", "/console/templates/" + template.get("name")));
        }
        view.model().put("templates", rows);
    }

    /** The form of one template: an organisation, every parameter with its default and bounds, the job's fields. */
    void form(Console.View view) {
        Context ctx = view.context();
        Map<String, Object> template = api.get(view, "getTemplate", Map.of("template", ctx.pathParam("template")),
                Map.of());
        List<String> orgs = new ArrayList<>(view.organisations());
        if (orgs.isEmpty()) {
            throw new IncubatorException(dev.incubator.common.ErrorCode.FORBIDDEN, view.messages().get(
                    "home.no_orgs"));
        }
        String chosen = Optional.ofNullable(ctx.queryParam("org")).filter(orgs::contains).orElse(orgs.get(0));
        Optional<Earlier> earlier = earlier(view, String.valueOf(template.get("name")));
        view.model().put("orgs", orgs.stream().map(name -> Map.of("name", name, "selected", name.equals(chosen)))
                .toList());
        view.model().put("name", template.get("name"));
        view.model().put("summary", summary(view, template));
        view.model().put("description", template.get("description"));
        view.model().put("action", "/console/templates/" + template.get("name"));
        @SuppressWarnings("unchecked")
        Map<String, Object> job = (Map<String, Object>) template.getOrDefault("job", Map.of());
        Map<String, Object> earlierJob = earlier.map(Earlier::job).orElse(Map.of());
        Map<String, Object> earlierParams = earlier.map(Earlier::params).orElse(Map.of());
        view.model().put("job_name", String.valueOf(earlierJob.getOrDefault("name", job.getOrDefault("name",
                template.get("name")))));
        view.model().put("time_limit", String.valueOf(earlierJob.getOrDefault("time_limit_minutes", job.getOrDefault(
                "time_limit_minutes", ""))));
        view.model().put("gpus", String.valueOf(earlierJob.getOrDefault("gpus_per_node", job.getOrDefault(
                "gpus_per_node", "0"))));
        String priority = String.valueOf(earlierJob.getOrDefault("priority", "normal")).toLowerCase(Locale.ROOT);
        view.model().put("priorities", List.of("normal", "high", "preemptible").stream().map(name -> Map.of("value",
                name, "label", view.messages().get("priority." + name), "selected", name.equals(priority))).toList());
        earlier.ifPresent(run -> {
            view.model().put("from", run.id());
            view.model().put("from_url", "/console/orgs/" + run.job().get("organisation") + "/jobs/" + run.id());
        });
        List<Map<String, Object>> fields = new ArrayList<>();
        int index = 0;
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> parameters = (List<Map<String, Object>>) template.getOrDefault("parameters",
                List.of());
        for (Map<String, Object> parameter : parameters) {
            Map<String, Object> field = new LinkedHashMap<>();
            String type = String.valueOf(parameter.get("type"));
            field.put("id", "param-" + index++);
            field.put("name", PARAMETER + parameter.get("name"));
            field.put("label", parameter.get("name"));
            field.put("required", Boolean.TRUE.equals(parameter.get("required")));
            Object value = earlierParams.containsKey(String.valueOf(parameter.get("name")))
                    ? earlierParams.get(String.valueOf(parameter.get("name"))) : parameter.get("default_value");
            field.put("value", value == null ? "" : String.valueOf(value));
            field.put("number", type.equals("int") || type.equals("number"));
            field.put("step", type.equals("int") ? "1" : "any");
            field.put("min", parameter.get("min") == null ? "" : String.valueOf(parameter.get("min")));
            field.put("max", parameter.get("max") == null ? "" : String.valueOf(parameter.get("max")));
            @SuppressWarnings("unchecked")
            List<String> choices = (List<String>) parameter.getOrDefault("choices", List.of());
            field.put("has_choices", !choices.isEmpty());
            field.put("choices", choices.stream().map(choice -> Map.of("value", choice, "selected", choice.equals(
                    field.get("value")))).toList());
            field.put("hint", view.messages().getOrDefault("template.type." + type, type) + " · "
                    + parameter.getOrDefault("description", ""));
            fields.add(field);
        }
        view.model().put("fields", fields);
    }

    /**
     * The run named by {@code ?from=}, to fill the form again with what it was given (its name, priority, time limit,
     * GPUs and template parameters): read through the API, so a run the caller may not see answers 404; empty when
     * the form is not filled from a run. A run of another template is refused, not mixed in.
     */
    private Optional<Earlier> earlier(Console.View view, String template) {
        String from = Optional.ofNullable(view.context().queryParam("from")).map(String::strip).orElse("");
        if (from.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Object> run = api.get(view, "getJobRun", Map.of("job", from), Map.of());
        if (!template.equals(run.get("template"))) {
            throw IncubatorException.validation("from", view.messages().get("template.from_other"));
        }
        Map<String, Object> job = api.get(view, "getJobById", Map.of("job", from), Map.of());
        @SuppressWarnings("unchecked")
        Map<String, Object> params = (Map<String, Object>) run.getOrDefault("template_params", Map.of());
        return Optional.of(new Earlier(String.valueOf(job.get("id")), job, params));
    }

    /** A run the form is filled from: its id, the job as the API shows it, and the template parameters it had. */
    private record Earlier(String id, Map<String, Object> job, Map<String, Object> params) {
    }

    /** Submits the filled form; the new job's page. */
    String submit(Console.View view) {
        Context ctx = view.context();
        String template = ctx.pathParam("template");
        String org = Optional.ofNullable(ctx.formParam("org")).orElse("");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("template", template);
        Map<String, String> parameters = new TreeMap<>();
        ctx.formParamMap().forEach((name, values) -> {
            if (name.startsWith(PARAMETER) && !values.isEmpty() && !values.get(0).isBlank()) {
                parameters.put(name.substring(PARAMETER.length()), values.get(0).strip());
            }
        });
        body.put("parameters", parameters);
        text(ctx, "name").ifPresent(value -> body.put("name", value));
        text(ctx, "priority").ifPresent(value -> body.put("priority", value));
        integer(ctx, "time_limit_minutes", view).ifPresent(value -> body.put("time_limit_minutes", value));
        text(ctx, "gpus_per_node").ifPresent(value -> body.put("gpus_per_node", number(value, "gpus_per_node",
                view)));
        Map<String, Object> job = api.send(view, "submitTemplateJob", Map.of("org", org), body);
        return "/console/orgs/" + job.get("organisation") + "/jobs/" + job.get("id");
    }

    /** The run's metrics, one chart per name (loss first), and its latest values; empty for a job that reports none. */
    void metrics(Console.View view, String jobId) {
        Map<String, List<Charts.Point>> series = new TreeMap<>((a, b) -> a.equals(b) ? 0 : a.equals("loss") ? -1
                : b.equals("loss") ? 1 : a.compareTo(b));
        Map<String, Object> query = new LinkedHashMap<>(Map.of("limit", "500"));
        int seen = 0;
        while (seen < MAX_POINTS) {
            @SuppressWarnings({"unchecked", "rawtypes"})
            Map<String, Object> page = api.get(view, "listJobMetrics", Map.of("job", jobId), (Map) query);
            List<Map<String, Object>> items = ConsoleApi.items(page);
            for (Map<String, Object> point : items) {
                series.computeIfAbsent(String.valueOf(point.get("name")), name -> new ArrayList<>()).add(
                        new Charts.Point(((Number) point.get("step")).doubleValue(), ((Number) point.get("value"))
                                .doubleValue()));
            }
            seen += items.size();
            Object next = page.get("next_cursor");
            if (next == null || items.isEmpty()) {
                break;
            }
            query.put("cursor", String.valueOf(next));
        }
        List<Map<String, Object>> charts = new ArrayList<>();
        series.forEach((name, points) -> {
            Charts.Point last = points.get(points.size() - 1);
            String label = name + ": " + Charts.number(last.y()) + " " + view.messages().get("metrics.at_step") + " "
                    + (long) last.x();
            charts.add(Map.of("name", name, "latest", Charts.number(last.y()), "step", (long) last.x(), "points",
                    points.size(), "svg", Charts.line(label, view.messages().get("metrics.step"), points, false,
                            false)));
        });
        view.model().put("charts", charts);
        view.model().put("has_charts", !charts.isEmpty());
    }

    private static String summary(Console.View view, Map<String, Object> template) {
        Object zh = template.get("summary_zh");
        return view.messages().language().equals("zh") && zh != null && !String.valueOf(zh).isBlank()
                ? String.valueOf(zh) : String.valueOf(template.get("summary"));
    }

    private static Optional<String> text(Context ctx, String name) {
        return Optional.ofNullable(ctx.formParam(name)).map(String::strip).filter(value -> !value.isEmpty());
    }

    private static Optional<Long> integer(Context ctx, String name, Console.View view) {
        return text(ctx, name).map(value -> {
            try {
                return Long.parseLong(value);
            } catch (NumberFormatException e) {
                throw IncubatorException.validation(name, view.messages().get("form.not_whole_number"));
            }
        });
    }

    private static java.math.BigDecimal number(String value, String name, Console.View view) {
        try {
            return new java.math.BigDecimal(value.toLowerCase(Locale.ROOT));
        } catch (NumberFormatException e) {
            throw IncubatorException.validation(name, view.messages().get("form.not_number"));
        }
    }
}
