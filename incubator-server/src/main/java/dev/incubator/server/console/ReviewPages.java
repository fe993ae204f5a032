package dev.incubator.server.console;

import dev.incubator.common.IncubatorException;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Governance in the console: a member's applications with their risk, exposure clearance, reviews and safety
 * assessments; the ethics committee's queue, a review's dossier with the application and its latest assessment, and
 * voting with a comment and conditions. The API's operations decide who may see and do what (a reviewer of the
 * applicant organisation gets 403 on a vote, as over HTTP).
 */
final class ReviewPages {
    private static final List<String> STATES = List.of("open", "approved", "rejected", "revoked", "all");

    private final ConsoleApi api;

    ReviewPages(ConsoleApi api) {
        this.api = api;
    }

    /** The applications of each organisation the user belongs to. */
    @SuppressWarnings("unchecked")
    void applications(Console.View view) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String org : view.organisations()) {
            List<Map<String, Object>> items;
            try {
                items = ConsoleApi.items(api.get(view, "listApplications", Map.of("org", org), Map.of("limit", "50")));
            } catch (IncubatorException e) {
                continue; // the role does not show applications
            }
            for (Map<String, Object> app : items) {
                Map<String, Object> row = new LinkedHashMap<>(app);
                Map<String, Object> exposure = (Map<String, Object>) app.getOrDefault("exposure", Map.of());
                row.put("cleared", Boolean.TRUE.equals(exposure.get("cleared")));
                row.put("clearance", exposure.getOrDefault("reason", ""));
                row.put("risk_label", view.messages().getOrDefault("risk." + app.get("risk"), String.valueOf(
                        app.get("risk"))));
                List<Map<String, Object>> reviews = (List<Map<String, Object>>) app.getOrDefault("reviews", List.of());
                row.put("review_state", reviews.isEmpty() ? view.messages().get("review.none")
                        : view.messages().getOrDefault("review.state." + reviews.get(0).get("state"), String.valueOf(
                        reviews.get(0).get("state"))));
                row.put("review_url", reviews.isEmpty() ? "" : "/console/reviews/" + reviews.get(0).get("id"));
                row.put("assessment", latestAssessment(view, org, String.valueOf(app.get("name"))));
                rows.add(row);
            }
        }
        view.model().put("applications", rows);
        view.model().put("no_applications", rows.isEmpty());
    }

    /** The committee's queue, by state. */
    void queue(Console.View view) {
        String state = Optional.ofNullable(view.context().queryParam("state")).filter(STATES::contains).orElse("open");
        Map<String, String> query = new LinkedHashMap<>(Map.of("state", state, "limit", "25"));
        Optional.ofNullable(view.context().queryParam("cursor")).filter(value -> !value.isBlank()).ifPresent(
                cursor -> query.put("cursor", cursor));
        Map<String, Object> page = api.get(view, "listReviews", Map.of(), query);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map<String, Object> review : ConsoleApi.items(page)) {
            Map<String, Object> row = new LinkedHashMap<>(review);
            row.put("url", "/console/reviews/" + review.get("id"));
            row.put("state_label", view.messages().getOrDefault("review.state." + review.get("state"),
                    String.valueOf(review.get("state"))));
            row.put("opened", OperatorPages.time(review.get("opened_at")));
            row.put("vote_count", ((List<?>) review.getOrDefault("votes", List.of())).size());
            rows.add(row);
        }
        view.model().put("reviews", rows);
        view.model().put("no_reviews", rows.isEmpty());
        view.model().put("states", STATES.stream().map(value -> Map.of("value", value, "label", view.messages()
                .get("review.filter." + value), "selected", value.equals(state))).toList());
        Optional.ofNullable(page.get("next_cursor")).ifPresent(next -> view.model().put("next",
                "/console/reviews?state=" + state + "&cursor=" + next));
    }

    /** A review: the dossier it judges, the application as it is now, its latest assessment, the votes, the form. */
    @SuppressWarnings("unchecked")
    void review(Console.View view) {
        String id = view.context().pathParam("review");
        Map<String, Object> review = api.get(view, "getReview", Map.of("review", id), Map.of());
        Map<String, Object> model = view.model();
        model.put("review", review);
        model.put("state_label", view.messages().getOrDefault("review.state." + review.get("state"),
                String.valueOf(review.get("state"))));
        model.put("open", "open".equals(review.get("state")));
        Map<String, Object> dossier = (Map<String, Object>) review.getOrDefault("dossier", Map.of());
        model.put("dossier_purpose", dossier.getOrDefault("purpose", ""));
        model.put("dossier_deployments", ((Map<String, Object>) dossier.getOrDefault("deployments", Map.of()))
                .entrySet().stream().map(entry -> Map.of("name", entry.getKey(), "revision", String.valueOf(
                        entry.getValue()))).toList());
        model.put("dossier_datasets", dossier.getOrDefault("datasets", List.of()));
        model.put("no_deployments", ((Map<?, ?>) dossier.getOrDefault("deployments", Map.of())).isEmpty());
        model.put("no_datasets", ((List<?>) dossier.getOrDefault("datasets", List.of())).isEmpty());
        model.put("opened", OperatorPages.time(review.get("opened_at")));
        String[] name = String.valueOf(review.get("application")).split("/", 2);
        if (name.length == 2) {
            try {
                Map<String, Object> application = api.get(view, "getApplication", Map.of("org", name[0], "name",
                        name[1]), Map.of());
                model.put("application", application);
                model.put("risk_label", view.messages().getOrDefault("risk." + application.get("risk"),
                        String.valueOf(application.get("risk"))));
            } catch (IncubatorException e) {
                // a reviewer reads the dossier the review holds; the application's page may be the organisation's
            }
            model.put("assessment", latestAssessment(view, name[0], name[1]));
        }
        List<Map<String, Object>> votes = new ArrayList<>();
        for (Map<String, Object> vote : (List<Map<String, Object>>) review.getOrDefault("votes", List.of())) {
            Map<String, Object> row = new LinkedHashMap<>(vote);
            row.put("choice_label", view.messages().getOrDefault("vote." + vote.get("choice"), String.valueOf(
                    vote.get("choice"))));
            votes.add(row);
        }
        model.put("votes", votes);
        model.put("no_votes", votes.isEmpty());
        model.put("vote_url", "/console/reviews/" + id + "/votes");
        model.put("decide_url", "/console/reviews/" + id + "/decision");
    }

    /** A vote with its comment and conditions (one a line). */
    String vote(Console.View view) {
        Context ctx = view.context();
        String id = ctx.pathParam("review");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("choice", Optional.ofNullable(ctx.formParam("choice")).orElse(""));
        Optional.ofNullable(ctx.formParam("comment")).map(String::strip).filter(text -> !text.isEmpty()).ifPresent(
                comment -> body.put("comment", comment));
        List<String> conditions = Arrays.stream(Optional.ofNullable(ctx.formParam("conditions")).orElse("")
                .split("\\R")).map(String::strip).filter(line -> !line.isEmpty()).toList();
        if (!conditions.isEmpty()) {
            body.put("conditions", conditions);
        }
        api.send(view, "voteOnReview", Map.of("review", id), body);
        return "/console/reviews/" + id;
    }

    /** Decides the review from its votes by the committee's rules. */
    String decide(Console.View view) {
        String id = view.context().pathParam("review");
        api.send(view, "decideReview", Map.of("review", id), null);
        return "/console/reviews/" + id;
    }

    private Map<String, Object> latestAssessment(Console.View view, String org, String name) {
        try {
            List<Map<String, Object>> items = ConsoleApi.items(api.get(view, "listSafetyAssessments", Map.of("org",
                    org, "name", name), Map.of("limit", "1")));
            if (items.isEmpty()) {
                return Map.of("none", true, "label", view.messages().get("assessment.none"));
            }
            Map<String, Object> latest = items.get(0);
            String label = "succeeded".equals(latest.get("state"))
                    ? view.messages().get(Boolean.TRUE.equals(latest.get("passed")) ? "assessment.passed"
                    : "assessment.failed") : view.messages().getOrDefault("state." + latest.get("state"),
                    String.valueOf(latest.get("state")));
            return Map.of("none", false, "label", label, "deployment", String.valueOf(latest.get("deployment")),
                    "model", String.valueOf(latest.get("model")), "sample", latest.get("sample"));
        } catch (IncubatorException e) {
            return Map.of("none", true, "label", view.messages().get("assessment.hidden"));
        }
    }
}
