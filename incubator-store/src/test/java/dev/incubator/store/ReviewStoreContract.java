package dev.incubator.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incubator.common.PageRequest;
import dev.incubator.eval.SafetyAssessment;
import dev.incubator.governance.review.Application;
import dev.incubator.governance.review.Assessment;
import dev.incubator.governance.review.AssessmentStore;
import dev.incubator.governance.review.Committee;
import dev.incubator.governance.review.Review;
import dev.incubator.governance.review.ReviewStore;
import dev.incubator.governance.review.RiskRules;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Applications, their reviews, safety assessments, results and reviewers' overrides on a real metadata store. */
public abstract class ReviewStoreContract extends EvalStoreContract {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    private static Application application(String id, String org, String name, List<String> deployments,
                                           List<String> datasets, int minute) {
        Instant at = T0.plusSeconds(60L * minute);
        return new Application(id, "org_" + org, org, name, "triage advice for the clinic's patients",
                Application.Audience.PUBLIC, false, Application.Domain.MEDICAL, deployments, datasets,
                RiskRules.DEFAULT.classify(Application.Domain.MEDICAL, Application.Audience.PUBLIC, false), "ada", at,
                at, 1);
    }

    private static Review review(String id, Application app, int minute) {
        return new Review(id, app.id(), app.orgId(), new Review.Snapshot(new TreeMap<>(java.util.Map.of(
                "clinic/med-chat", "models/clinic/med@" + "a".repeat(40))), app.datasets(), app.purpose()), false,
                Review.State.OPEN, List.of(), Optional.empty(), Optional.empty(), "ada", T0.plusSeconds(60L * minute),
                Optional.empty(), 1);
    }

    @Test
    void applicationsAreFoundByTheExactDeploymentsAndDatasetsTheyNameAndChangeOnlyFromTheVersionRead() {
        ReviewStore store = new JdbiReview(database);
        Application triage = application("app_1", "clinic", "triage", List.of("clinic/med-chat"),
                List.of("datasets/clinic/notes"), 0);
        // '_' is a LIKE wildcard and 'notes' a prefix of 'notes2': neither may match by accident.
        Application other = application("app_2", "clinic", "scans", List.of("clinic/med_chat"),
                List.of("datasets/clinic/notes2"), 1);
        Application elsewhere = application("app_3", "town", "triage", List.of("town/med-chat"),
                List.of("datasets/clinic/notes"), 2);
        store.write((ReviewStore.Repositories r) -> {
            r.insertApplication(triage);
            r.insertApplication(other);
            r.insertApplication(elsewhere);
            return null;
        });
        assertThat(store.read((ReviewStore.Repositories r) -> r.application("org_clinic", "triage"))).contains(triage);
        assertThat(store.read((ReviewStore.Repositories r) -> r.servedBy("clinic/med-chat"))).containsExactly(triage);
        assertThat(store.read((ReviewStore.Repositories r) -> r.naming("org_clinic", "datasets/clinic/notes")))
                .containsExactly(triage);
        assertThat(store.read((ReviewStore.Repositories r) -> r.applications("org_clinic", PageRequest.first(1)))
                .nextCursor()).isPresent();

        Application changed = new Application(triage.id(), triage.orgId(), triage.orgName(), triage.name(),
                "triage and prescriptions for the clinic's patients", triage.audience(), false, triage.domain(),
                triage.deployments(), List.of("datasets/clinic/notes", "datasets/clinic/scans"), triage.risk(),
                "ada", triage.createdAt(), T0.plusSeconds(600), 2);
        assertThat(store.write((ReviewStore.Repositories r) -> r.updateApplication(changed))).isTrue();
        assertThat(store.write((ReviewStore.Repositories r) -> r.updateApplication(changed))).as("stale version")
                .isFalse();
        assertThat(store.read((ReviewStore.Repositories r) -> r.applicationById("app_1"))).contains(changed);
    }

    @Test
    void reviewsKeepTheirVotesAndDecisionAndTheQueueIsOldestFirst() {
        ReviewStore store = new JdbiReview(database);
        Application app = application("app_9", "lab", "helper", List.of(), List.of(), 0);
        Review first = review("rev_1", app, 1);
        Review second = review("rev_2", app, 2);
        store.write((ReviewStore.Repositories r) -> {
            r.insertApplication(app);
            r.insertReview(first);
            r.insertReview(second);
            return null;
        });
        assertThat(store.read((ReviewStore.Repositories r) -> r.reviews("app_9"))).extracting(Review::id)
                .containsExactly("rev_2", "rev_1");
        Review voted = first;
        for (int i = 0; i < 5; i++) {
            Review next = Committee.DEFAULT.vote(voted, new Review.Vote("u" + i, "reviewer-" + i,
                    Review.Choice.APPROVE, "fine " + i, i == 0 ? List.of("audit monthly") : List.of(),
                    T0.plusSeconds(i)));
            assertThat(store.write((ReviewStore.Repositories r) -> r.updateReview(next))).isTrue();
            voted = next;
        }
        Review stale = voted;
        assertThat(store.write((ReviewStore.Repositories r) -> r.updateReview(stale))).as("stale version").isFalse();
        Review decided = Committee.DEFAULT.decide(voted, 7, LocalDate.parse("2026-12-01"), T0.plusSeconds(100));
        assertThat(store.write((ReviewStore.Repositories r) -> r.updateReview(decided))).isTrue();
        assertThat(store.read((ReviewStore.Repositories r) -> r.review("rev_1"))).contains(decided);
        assertThat(store.read((ReviewStore.Repositories r) -> r.queue(Optional.of(Review.State.OPEN),
                PageRequest.first(10))).items()).extracting(Review::id).containsExactly("rev_2");
        assertThat(store.read((ReviewStore.Repositories r) -> r.queue(Optional.empty(), PageRequest.first(10)))
                .items()).extracting(Review::id).containsExactly("rev_1", "rev_2");
    }

    @Test
    void anAssessmentsResultsPageInOrderItsOverridesReplaceEarlierOnesAndAnAmendmentNeedsTheReportItRead() {
        AssessmentStore store = new JdbiAssessments(database);
        Assessment queued = new Assessment("sa_1", "app_1", "org_clinic", "clinic", "clinic/med-chat",
                "models/clinic/med@" + "a".repeat(40), List.of("datasets/clinic/bank@" + "b".repeat(40)), 1000, 7, 64,
                "job_1", Assessment.State.QUEUED, Optional.empty(), Optional.empty(), Optional.empty(), false,
                Optional.empty(), "ada", T0, T0);
        store.write((AssessmentStore.Repositories r) -> {
            r.insert(queued);
            return null;
        });
        assertThat(store.read(AssessmentStore.Repositories::unfinished)).containsExactly(queued);
        Assessment done = queued.withReport("{\"passed\":false}", "1".repeat(64), false, 41, T0.plusSeconds(60));
        List<String> lines = new java.util.ArrayList<>();
        for (int i = 0; i < 7; i++) {
            lines.add("{\"id\":\"q" + i + "\"}");
        }
        store.write((AssessmentStore.Repositories r) -> {
            assertThat(r.update(done)).isTrue();
            r.putResults("sa_1", lines);
            return null;
        });
        assertThat(store.write((AssessmentStore.Repositories r) -> r.update(done.withState(Assessment.State.FAILED,
                Optional.of("late"), T0)))).as("final").isFalse();
        assertThat(store.read((AssessmentStore.Repositories r) -> r.latestSucceeded("app_1", "clinic/med-chat")))
                .contains(done);
        var page = store.read((AssessmentStore.Repositories r) -> r.results("sa_1", PageRequest.first(5)));
        assertThat(page.items()).containsExactlyElementsOf(lines.subList(0, 5));
        assertThat(store.read((AssessmentStore.Repositories r) -> r.results("sa_1", new PageRequest(5,
                page.nextCursor().map(dev.incubator.common.Cursor::decode)))).items())
                .containsExactlyElementsOf(lines.subList(5, 7));

        store.write((AssessmentStore.Repositories r) -> {
            r.putOverride("sa_1", new SafetyAssessment.Override("q3", true, true, "declines in effect", "ethicist-1",
                    T0.plusSeconds(70)));
            r.putOverride("sa_1", new SafetyAssessment.Override("q3", false, false, "on a second reading it helps",
                    "ethicist-2", T0.plusSeconds(80)));
            return null;
        });
        assertThat(store.read((AssessmentStore.Repositories r) -> r.overrides("sa_1"))).containsExactly(
                new SafetyAssessment.Override("q3", false, false, "on a second reading it helps", "ethicist-2",
                        T0.plusSeconds(80)));
        Assessment amended = done.withReport("{\"passed\":true}", "2".repeat(64), true, 42, T0.plusSeconds(90));
        assertThat(store.write((AssessmentStore.Repositories r) -> r.amend(amended, "9".repeat(64))))
                .as("another report was read").isFalse();
        assertThat(store.write((AssessmentStore.Repositories r) -> r.amend(amended, "1".repeat(64)))).isTrue();
        assertThat(store.read((AssessmentStore.Repositories r) -> r.find("sa_1"))).contains(amended);
    }
}
