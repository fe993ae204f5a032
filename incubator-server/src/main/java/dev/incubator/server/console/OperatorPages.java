package dev.incubator.server.console;

import dev.incubator.common.IncubatorException;
import dev.incubator.common.PageRequest;
import dev.incubator.compute.ComputeService;
import dev.incubator.tenancy.TenancyService;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What operators (and auditors, where they may) see: the cluster's nodes and GPUs with who holds what and GPUs in use
 * over the last hours; organisations and their grants, with forms to award and adjust; the audit log's signed head,
 * its witnesses and the newest events. Every read and change is the API's operation, so the policy engine decides.
 */
final class OperatorPages {
    static final Duration WINDOW = Duration.ofHours(6);
    static final Duration BUCKET = Duration.ofMinutes(5);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    private final ConsoleApi api;
    private final TenancyService tenancy;
    private final ComputeService compute;
    private final Clock clock;

    OperatorPages(ConsoleApi api, TenancyService tenancy, ComputeService compute, Clock clock) {
        this.api = api;
        this.tenancy = tenancy;
        this.compute = compute;
        this.clock = clock;
    }

    /** Nodes and GPUs, who holds each, the guarantees against the cluster, and GPUs in use over the window. */
    @SuppressWarnings("unchecked")
    void cluster(Console.View view) {
        Map<String, Object> cluster = api.get(view, "cluster", Map.of(), Map.of());
        view.model().put("cluster", cluster);
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (Map<String, Object> node : (List<Map<String, Object>>) cluster.getOrDefault("nodes", List.of())) {
            Map<String, Object> row = new LinkedHashMap<>(node);
            List<Map<String, Object>> gpus = new ArrayList<>();
            for (Map<String, Object> gpu : (List<Map<String, Object>>) node.getOrDefault("gpus", List.of())) {
                Map<String, Object> cell = new LinkedHashMap<>(gpu);
                boolean held = gpu.get("held_by") != null;
                cell.put("held", held);
                cell.put("job_url", held && gpu.get("organisation") != null ? "/console/orgs/" + gpu.get(
                        "organisation") + "/jobs/" + gpu.get("held_by") : "");
                gpus.add(cell);
            }
            row.put("gpus", gpus);
            row.put("state", view.messages().get(Boolean.TRUE.equals(node.get("schedulable")) ? "cluster.schedulable"
                    : "cluster.drained"));
            nodes.add(row);
        }
        view.model().put("nodes", nodes);
        view.model().put("has_warning", cluster.get("warning") != null);
        Instant until = clock.instant();
        Instant since = until.minus(WINDOW);
        List<String> orgIds = tenancy.visibleOrganisationIds(view.caller()).map(List::copyOf).orElseGet(() ->
                allOrganisations(view));
        double[] busy = compute.gpusInUse(orgIds, since, until, BUCKET);
        List<Charts.Point> points = new ArrayList<>();
        for (int i = 0; i < busy.length; i++) {
            points.add(new Charts.Point(-WINDOW.toMinutes() + (i + 1) * BUCKET.toMinutes(), busy[i]));
        }
        double peak = java.util.Arrays.stream(busy).max().orElse(0);
        String label = view.messages().get("cluster.in_use") + ": " + view.messages().get("cluster.peak") + " "
                + Charts.number(peak);
        view.model().put("utilisation", Charts.line(label, view.messages().get("cluster.minutes_ago"), points, true,
                true));
        view.model().put("peak", Charts.number(peak));
    }

    /** Organisations the caller may see, each with its grants, and the award form for operators. */
    void organisations(Console.View view) {
        Map<String, String> query = new LinkedHashMap<>(Map.of("limit", "25"));
        Optional.ofNullable(view.context().queryParam("cursor")).filter(value -> !value.isBlank()).ifPresent(
                cursor -> query.put("cursor", cursor));
        Map<String, Object> page = api.get(view, "listOrganisations", Map.of(), query);
        List<Map<String, Object>> orgs = new ArrayList<>();
        for (Map<String, Object> org : ConsoleApi.items(page)) {
            Map<String, Object> row = new LinkedHashMap<>(org);
            String name = String.valueOf(org.get("name"));
            row.put("kind_label", view.messages().getOrDefault("org.kind." + org.get("kind"), String.valueOf(
                    org.get("kind"))));
            row.put("url", "/console/orgs/" + name);
            orgs.add(row);
        }
        view.model().put("orgs", orgs);
        view.model().put("no_orgs", orgs.isEmpty());
        Optional.ofNullable(page.get("next_cursor")).ifPresent(next -> view.model().put("next",
                "/console/orgs?cursor=" + next));
    }

    /** One organisation: its grants with their ledgers' figures, and the forms to award and adjust. */
    @SuppressWarnings("unchecked")
    void organisation(Console.View view) {
        String name = view.context().pathParam("org");
        Map<String, Object> org = api.get(view, "getOrganisation", Map.of("org", name), Map.of());
        view.model().put("org", org);
        List<Map<String, Object>> grants = new ArrayList<>();
        for (Map<String, Object> grant : ConsoleApi.items(api.get(view, "listGrants", Map.of("org", name),
                Map.of("limit", "50")))) {
            // The single grant's view carries the warnings (a guarantee beyond the cluster) the list leaves out.
            Map<String, Object> row = new LinkedHashMap<>(api.get(view, "getGrant", Map.of("org", name, "grant",
                    String.valueOf(grant.get("id"))), Map.of()));
            row.put("state_label", view.messages().get("grant." + String.valueOf(grant.get("state"))
                    .toLowerCase(Locale.ROOT)));
            row.put("adjust_url", "/console/orgs/" + name + "/grants/" + grant.get("id") + "/adjustments");
            row.put("warnings_text", String.join("; ", (List<String>) row.getOrDefault("warnings", List.of())));
            grants.add(row);
        }
        view.model().put("grants", grants);
        view.model().put("no_grants", grants.isEmpty());
        view.model().put("award_url", "/console/orgs/" + name + "/grants");
        java.time.LocalDate today = java.time.LocalDate.now(clock.withZone(ZoneOffset.UTC));
        view.model().put("today", today.toString());
        view.model().put("year_end", today.plusYears(1).minusDays(1).toString());
    }

    /** Awards a grant from the form; back to the organisation, where a warning about guarantees shows. */
    String award(Console.View view) {
        Context ctx = view.context();
        String org = ctx.pathParam("org");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("programme", text(ctx, "programme"));
        String type = text(ctx, "gpu_type").isEmpty() ? "any" : text(ctx, "gpu_type");
        body.put("gpu_hours", Map.of(type, number(ctx, "gpu_hours", view)));
        body.put("starts_on", text(ctx, "starts_on"));
        body.put("ends_on", text(ctx, "ends_on"));
        if (!text(ctx, "guaranteed_gpus").isEmpty()) {
            body.put("guaranteed_gpus", whole(ctx, "guaranteed_gpus", view));
        }
        if (!text(ctx, "note").isEmpty()) {
            body.put("note", text(ctx, "note"));
        }
        api.send(view, "awardGrant", Map.of("org", org), body);
        return "/console/orgs/" + org;
    }

    /** Appends an adjustment to a grant's ledger. */
    String adjust(Console.View view) {
        Context ctx = view.context();
        String org = ctx.pathParam("org");
        api.send(view, "adjustGrant", Map.of("org", org, "grant", ctx.pathParam("grant")), Map.of("gpu_type",
                text(ctx, "gpu_type").isEmpty() ? "any" : text(ctx, "gpu_type"), "gpu_hours", number(ctx,
                "gpu_hours", view), "note", text(ctx, "note")));
        return "/console/orgs/" + org;
    }

    /** The audit log: the latest signed head with its cosignatures, the witnesses, and the newest events. */
    void audit(Console.View view) {
        Map<String, Object> head = api.get(view, "auditTreeHead", Map.of(), Map.of());
        view.model().put("head", head);
        view.model().put("head_time", time(head.get("timestamp")));
        view.model().put("public_key", api.get(view, "auditPublicKey", Map.of(), Map.of()).get("public_key"));
        view.model().put("witnesses", ConsoleApi.items(api.get(view, "auditWitnesses", Map.of(), Map.of())));
        Map<String, String> query = new LinkedHashMap<>(Map.of("limit", "25", "order", "newest"));
        for (String name : List.of("cursor", "action", "actor")) {
            Optional.ofNullable(view.context().queryParam(name)).filter(value -> !value.isBlank()).ifPresent(
                    value -> query.put(name, value));
        }
        Map<String, Object> page = api.get(view, "listAuditEvents", Map.of(), query);
        List<Map<String, Object>> events = new ArrayList<>();
        for (Map<String, Object> event : ConsoleApi.items(page)) {
            Map<String, Object> row = new LinkedHashMap<>(event);
            row.put("when", time(event.get("time")));
            row.put("denied", !"success".equals(String.valueOf(event.get("outcome")).toLowerCase(Locale.ROOT)));
            events.add(row);
        }
        view.model().put("events", events);
        view.model().put("action_filter", query.getOrDefault("action", ""));
        view.model().put("actor_filter", query.getOrDefault("actor", ""));
        Optional.ofNullable(page.get("next_cursor")).ifPresent(next -> view.model().put("next",
                "/console/audit?cursor=" + next + (query.containsKey("action") ? "&action=" + encode(query.get(
                        "action")) : "") + (query.containsKey("actor") ? "&actor=" + encode(query.get("actor")) : "")));
    }

    /**
     * The newest {@code last} events (default 1,000, at most 10,000) with their inclusion proofs and the signed head,
     * as the API's export gives them, for the page's check or 'incubator audit verify'.
     */
    void export(Console.View view) throws java.io.IOException {
        String last = Optional.ofNullable(view.context().queryParam("last")).filter(value -> !value.isBlank())
                .orElse("1000");
        long count;
        try {
            count = Long.parseLong(last);
        } catch (NumberFormatException e) {
            throw IncubatorException.validation("last", view.messages().get("audit.export_last"));
        }
        if (count < 1 || count > 10_000) {
            throw IncubatorException.validation("last", view.messages().get("audit.export_last"));
        }
        Map<String, Object> head = api.get(view, "auditTreeHead", Map.of(), Map.of());
        long size = ((Number) head.get("tree_size")).longValue();
        Map<String, Object> export = api.get(view, "auditExport", Map.of(), Map.of("from", Long.toString(Math.max(0,
                size - count)), "to", Long.toString(size), "tree_size", Long.toString(size)));
        Context ctx = view.context();
        ctx.header("Content-Disposition", "attachment; filename=\"audit-export-" + size + ".json\"");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.contentType("application/json");
        ctx.result(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(export));
    }

    private List<String> allOrganisations(Console.View view) {
        List<String> ids = new ArrayList<>();
        PageRequest request = PageRequest.first(200);
        for (int pages = 0; pages < 50; pages++) {
            var page = tenancy.listOrganisations(view.caller(), request);
            page.items().forEach(org -> ids.add(org.id().value()));
            if (page.nextCursor().isEmpty()) {
                break;
            }
            request = PageRequest.parse("200", page.nextCursor().get());
        }
        return ids;
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = dev.incubator.server.api.Json.mapper();

    static String time(Object iso) {
        try {
            return TIME.format(Instant.parse(String.valueOf(iso)));
        } catch (java.time.format.DateTimeParseException e) {
            return String.valueOf(iso);
        }
    }

    private static String encode(String value) {
        return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String text(Context ctx, String name) {
        return Optional.ofNullable(ctx.formParam(name)).map(String::strip).orElse("");
    }

    private static java.math.BigDecimal number(Context ctx, String name, Console.View view) {
        try {
            return new java.math.BigDecimal(text(ctx, name));
        } catch (NumberFormatException e) {
            throw IncubatorException.validation(name, view.messages().get("form.not_number"));
        }
    }

    private static long whole(Context ctx, String name, Console.View view) {
        try {
            return Long.parseLong(text(ctx, name));
        } catch (NumberFormatException e) {
            throw IncubatorException.validation(name, view.messages().get("form.not_whole_number"));
        }
    }
}
