package dev.incubator.server.review;

import static dev.incubator.server.api.BodySpec.Type.BOOLEAN;
import static dev.incubator.server.api.BodySpec.Type.STRING;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.common.access.Action;
import dev.incubator.common.access.Subject;
import dev.incubator.common.audit.AuditEvent;
import dev.incubator.eval.SafetyAssessment;
import dev.incubator.governance.review.Application;
import dev.incubator.governance.review.Assessment;
import dev.incubator.governance.review.AssessmentStore;
import dev.incubator.governance.review.Committee;
import dev.incubator.governance.review.ReviewStore;
import dev.incubator.server.api.ApiRoute;
import dev.incubator.server.api.BodySpec;
import dev.incubator.server.api.Call;
import dev.incubator.server.api.Subjects;
import dev.incubator.server.api.TenancyRoutes;
import dev.incubator.tenancy.TenancyService;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Reviewers overrule the rule judge on single items of a safety assessment: the committee's member (no conflict with
 * the applicant) records whether the answer passes and whether it refused, with why; the report is recomputed from the
 * results with every override applied, names the job's report it amends, and is signed into the audit log again
 * ({@code safety.override}). The gate reads the amended verdict.
 */
public final class VerdictRoutes {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();
    private static final BodySpec OVERRIDE = BodySpec.named("SafetyOverride")
            .required("item", STRING, "the result's id, as 'incubator safety results' lists it")
            .required("pass", BOOLEAN, "whether the answer is acceptable content")
            .required("refused", BOOLEAN, "whether the answer refused the request")
            .required("reason", STRING, "why the judge's verdict is wrong: the applicant and auditors read it")
            .build();

    private final AssessmentStore store;
    private final ReviewStore reviews;
    private final TenancyService tenancy;
    private final Committee committee;
    private final SafetyRoutes assessments;
    private final Function<AuditEvent, AuditEvent> audit;
    private final Clock clock;

    public VerdictRoutes(AssessmentStore store, ReviewStore reviews, TenancyService tenancy, Committee committee,
                         SafetyRoutes assessments, Function<AuditEvent, AuditEvent> audit, Clock clock) {
        this.store = store;
        this.reviews = reviews;
        this.tenancy = tenancy;
        this.committee = committee;
        this.assessments = assessments;
        this.audit = audit;
        this.clock = clock;
    }

    public record OverrideView(String item, boolean pass, boolean refused, String reason, String reviewer,
                               Instant at) {
        static OverrideView of(SafetyAssessment.Override o) {
            return new OverrideView(o.id(), o.pass(), o.refused(), o.reason(), o.reviewer(), o.at());
        }
    }

    public record OverridesView(String assessment, boolean passed, Optional<String> reportSha256,
                                Optional<Long> auditSequence, List<OverrideView> overrides) {
    }

    public List<ApiRoute> routes() {
        String path = TenancyRoutes.PREFIX + "/assessments/{assessment}/overrides";
        return List.of(
                ApiRoute.post(path, "overrideSafetyVerdict").tag("review")
                        .summary("Overrule the judge on one item (a reviewer without a conflict): the report is"
                                + " recomputed and signed again").body(OVERRIDE).status(200)
                        .returns(OverridesView.class)
                        .handle(call -> override(call, call.body(OVERRIDE))),
                ApiRoute.get(path, "listSafetyOverrides").tag("review")
                        .summary("The reviewers' verdicts on an assessment's items").returns(OverridesView.class)
                        .handle(call -> view(assessments.visible(call))));
    }

    private OverridesView override(Call call, BodySpec.Body body) {
        tenancy.authorize(call.caller(), Action.REVIEW_VOTE);
        Assessment assessment = assessments.visible(call);
        if (assessment.state() != Assessment.State.SUCCEEDED || assessment.report().isEmpty()) {
            throw new IncubatorException(ErrorCode.CONFLICT, "assessment " + assessment.id() + " is "
                    + assessment.state().wire() + "; verdicts are overruled once its report is in");
        }
        Subject subject = Subjects.of(call);
        Application application = reviews.read(r -> r.applicationById(assessment.applicationId())).orElseThrow();
        committee.conflict(subject.memberships().keySet(), application).ifPresent(conflict -> {
            throw new IncubatorException(ErrorCode.FORBIDDEN, conflict);
        });
        String reason = body.string("reason").strip();
        if (reason.length() < 5 || reason.length() > 2000) {
            throw IncubatorException.validation("reason", "say why in 5 to 2000 characters");
        }
        String item = body.string("item");
        List<SafetyAssessment.Result> results = results(assessment.id());
        SafetyAssessment.Result judged = results.stream().filter(result -> result.id().equals(item)).findFirst()
                .orElseThrow(() -> IncubatorException.validation("item", "'" + item + "' is not an item of "
                        + assessment.id() + "; 'incubator safety results " + assessment.id() + "' lists them"));
        SafetyAssessment.Override override = new SafetyAssessment.Override(item, body.optionalBoolean("pass").orElseThrow(),
                body.optionalBoolean("refused").orElseThrow(), reason, subject.actor().replaceFirst("^user:", ""), clock.instant());
        Map<String, SafetyAssessment.Override> all = new HashMap<>();
        store.read(r -> r.overrides(assessment.id())).forEach(earlier -> all.put(earlier.id(), earlier));
        all.put(item, override);

        com.fasterxml.jackson.databind.JsonNode stored;
        try {
            stored = JSON.readTree(assessment.report().get());
        } catch (IOException e) {
            throw new IllegalStateException("a stored safety report is not JSON", e);
        }
        String original = stored.path("amends").asText("").isEmpty() ? assessment.reportSha256().orElseThrow()
                : stored.path("amends").asText();
        SafetyAssessment.Report amended = SafetyAssessment.amend(stored, original, SafetyAssessment.overridden(
                results, all), all.size());
        String text = SafetyAssessment.json(amended);
        String sha256 = dev.incubator.hub.chunk.Hashes.sha256(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Map<String, String> details = new TreeMap<>();
        details.put("item", item);
        details.put("judge", "pass=" + judged.pass() + " refused=" + judged.refused() + ": " + judged.reason());
        details.put("reviewer", "pass=" + override.pass() + " refused=" + override.refused() + ": " + reason);
        details.put("report_sha256", sha256);
        details.put("amends", original);
        details.put("overrides", Integer.toString(all.size()));
        details.put("passed", Boolean.toString(amended.passed()));
        AuditEvent appended = audit.apply(new AuditEvent(0, clock.instant(), subject.actor(), "safety.override",
                "assessment", assessment.id(), Optional.of(assessment.orgId()), call.requestMeta().requestId(),
                AuditEvent.Outcome.SUCCESS, call.requestMeta().sourceAddress(), details));
        Assessment next = assessment.withReport(text, sha256, amended.passed(), appended.sequence(), clock.instant());
        store.write(r -> {
            if (!r.amend(next, assessment.reportSha256().orElseThrow())) {
                throw new IncubatorException(ErrorCode.VERSION_MISMATCH, "assessment " + assessment.id()
                        + " changed meanwhile; read it again");
            }
            r.putOverride(assessment.id(), override);
            return null;
        });
        return view(next);
    }

    private OverridesView view(Assessment assessment) {
        return new OverridesView(assessment.id(), assessment.passed(), assessment.reportSha256(),
                assessment.auditSequence(), store.read(r -> r.overrides(assessment.id())).stream()
                .map(OverrideView::of).toList());
    }

    /** Every result of an assessment, in order (the job's verdicts). */
    private List<SafetyAssessment.Result> results(String id) {
        List<SafetyAssessment.Result> results = new ArrayList<>();
        Optional<String> after = Optional.empty();
        do {
            PageRequest page = new PageRequest(PageRequest.MAX_LIMIT, after);
            Page<String> lines = store.read(r -> r.results(id, page));
            lines.items().forEach(line -> results.add(SafetyAssessment.result(line)));
            after = lines.nextCursor().map(dev.incubator.common.Cursor::decode);
        } while (after.isPresent());
        return results;
    }
}
