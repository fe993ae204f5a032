package dev.incubator.governance.review;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.incubator.governance.review.Application.Audience;
import dev.incubator.governance.review.Application.Domain;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The rule table, the committee's rules and the exposure gate, as scenarios. */
class ReviewRulesTest {
    private static final LocalDate TODAY = LocalDate.parse("2026-12-01");
    private static final Instant NOW = Instant.parse("2026-12-01T09:00:00Z");

    @Test
    void medicalMinorsAndPublicOpinionAreHighRiskAndOnlyPublicOpinionNeedsExpertReReview() {
        RiskRules rules = RiskRules.DEFAULT;
        assertThat(rules.classify(Domain.MEDICAL, Audience.INTERNAL, false).risk()).isEqualTo(RiskRules.Risk.HIGH);
        assertThat(rules.classify(Domain.OTHER, Audience.INTERNAL, true).risk()).isEqualTo(RiskRules.Risk.HIGH);
        RiskRules.Classification opinion = rules.classify(Domain.NEWS_OPINION, Audience.PUBLIC, false);
        assertThat(opinion.high()).isTrue();
        assertThat(opinion.expertReReview()).isTrue();
        assertThat(opinion.reasons()).anyMatch(reason -> reason.startsWith("public-opinion:"));
        assertThat(rules.classify(Domain.NEWS_OPINION, Audience.INTERNAL, false).high()).isFalse();
        assertThat(rules.classify(Domain.FINANCE, Audience.INTERNAL, false).risk()).isEqualTo(RiskRules.Risk.ELEVATED);
        RiskRules.Classification low = rules.classify(Domain.OTHER, Audience.INTERNAL, false);
        assertThat(low.risk()).isEqualTo(RiskRules.Risk.LOW);
        assertThat(low.reasons()).containsExactly("no rule matched: low risk");
    }

    @Test
    void aConflictedReviewerDoesNotVoteAndALaterVoteReplacesAnEarlierOne() {
        Application app = application(Domain.MEDICAL);
        Committee committee = Committee.DEFAULT;
        assertThat(committee.conflict(Set.of("org_lab", "org_x"), app)).get().asString().contains("member of lab");
        assertThat(committee.conflict(Set.of("org_x"), app)).isEmpty();
        Review review = committee.vote(open(false), vote("r1", Review.Choice.REJECT));
        review = committee.vote(review, vote("r1", Review.Choice.APPROVE));
        assertThat(review.votes()).extracting(Review.Vote::choice).containsExactly(Review.Choice.APPROVE);
    }

    @Test
    void aDecisionNeedsTheCommitteeTheQuorumAndTheMajority() {
        Committee committee = Committee.DEFAULT;
        Review four = votes(open(false), 3, 1, 0);
        assertThatThrownBy(() -> committee.decide(four, 7, TODAY, NOW)).hasMessageContaining("quorum of 5");
        Review five = votes(open(false), 3, 2, 0);
        assertThatThrownBy(() -> committee.decide(five, 6, TODAY, NOW)).hasMessageContaining("at least 7");
        Review approved = committee.decide(five, 7, TODAY, NOW);
        assertThat(approved.state()).isEqualTo(Review.State.APPROVED);
        assertThat(approved.validUntil()).contains(TODAY.plusMonths(12));
        assertThat(approved.decision().orElseThrow()).contains("3 for, 2 against", "with conditions: audit monthly");
        // Expert re-review: three for and two against is not two thirds; four for and two against is.
        assertThat(committee.decide(votes(open(true), 3, 2, 0), 7, TODAY, NOW).state())
                .isEqualTo(Review.State.REJECTED);
        assertThat(committee.decide(votes(open(true), 4, 2, 1), 7, TODAY, NOW).state())
                .isEqualTo(Review.State.APPROVED);
        assertThat(committee.decide(votes(open(false), 2, 2, 1), 7, TODAY, NOW).state()).as("a tie is no majority")
                .isEqualTo(Review.State.REJECTED);
        assertThatThrownBy(() -> committee.vote(approved, vote("r9", Review.Choice.APPROVE)))
                .hasMessageContaining("while it is open");
    }

    @Test
    void exposureNeedsAnApprovalInDateForWhatTheApplicationIsNow() {
        Application app = application(Domain.MEDICAL);
        Review.Snapshot reviewed = open(false).dossier();
        assertThat(Clearance.of(application(Domain.OTHER), Optional.empty(), reviewed, TODAY).cleared()).isTrue();
        Clearance none = Clearance.of(app, Optional.empty(), reviewed, TODAY);
        assertThat(none.cleared()).isFalse();
        assertThat(none.reason()).contains("high-risk", "medical", "has not been reviewed");
        assertThat(Clearance.of(app, Optional.of(open(false)), reviewed, TODAY).reason()).contains("is open");

        Review approved = Committee.DEFAULT.decide(votes(open(false), 5, 0, 0), 7, TODAY, NOW);
        assertThat(Clearance.of(app, Optional.of(approved), reviewed, TODAY).cleared()).isTrue();
        Review.Snapshot newRevision = new Review.Snapshot(new TreeMap<>(java.util.Map.of("lab/med-chat",
                "models/lab/med@" + "b".repeat(40))), reviewed.datasets(), reviewed.purpose());
        Clearance changed = Clearance.of(app, Optional.of(approved), newRevision, TODAY);
        assertThat(changed.cleared()).isFalse();
        assertThat(changed.reason()).contains("now serves models/lab/med@bbbb", "re-review");
        Clearance expired = Clearance.of(app, Optional.of(approved), reviewed, TODAY.plusMonths(12).plusDays(1));
        assertThat(expired.reason()).contains("expired on 2027-12-01");
        Review revoked = approved.with(Review.State.REVOKED, approved.votes(), Optional.of("consent withdrawn"),
                approved.validUntil(), approved.decidedAt());
        assertThat(Clearance.of(app, Optional.of(revoked), reviewed, TODAY).reason()).contains("revoked",
                "consent withdrawn");
    }

    @Test
    void trainingOnSensitiveDataNeedsAnApprovedReviewThatNamesTheDatasetAndThePurposeAsItIs() {
        Set<dev.incubator.common.access.Sensitivity> health = Set.of(dev.incubator.common.access.Sensitivity.HEALTH);
        SensitiveUse none = SensitiveUse.decide("lab", "datasets/lab/notes", health, List.of(), TODAY);
        assertThat(none.cleared()).isFalse();
        assertThat(none.reason()).contains("datasets/lab/notes holds sensitive data (health)",
                "none of lab's applications names it", "incubator app create lab/NAME --dataset datasets/lab/notes");

        Application app = application(Domain.MEDICAL);
        assertThat(SensitiveUse.decide("lab", "datasets/lab/notes", health, List.of(
                new SensitiveUse.Candidate(app, Optional.empty())), TODAY).reason()).contains("has not been reviewed");
        assertThat(SensitiveUse.decide("lab", "datasets/lab/notes", health, List.of(
                new SensitiveUse.Candidate(app, Optional.of(open(false)))), TODAY).reason()).contains("is open",
                "submit again once the committee approves it");

        Review approved = Committee.DEFAULT.decide(votes(open(false), 5, 0, 0), 7, TODAY, NOW);
        SensitiveUse cleared = SensitiveUse.decide("lab", "datasets/lab/notes", health, List.of(
                new SensitiveUse.Candidate(app, Optional.of(approved))), TODAY);
        assertThat(cleared.cleared()).isTrue();
        assertThat(cleared.application()).contains("lab/med-chat");
        assertThat(cleared.review()).contains("rev_1");

        SensitiveUse otherDataset = SensitiveUse.decide("lab", "datasets/lab/scans", health, List.of(
                new SensitiveUse.Candidate(app, Optional.of(approved))), TODAY);
        assertThat(otherDataset.reason()).contains("approved it without this dataset");
        Application repurposed = new Application(app.id(), app.orgId(), app.orgName(), app.name(),
                "targeted advertising to patients", app.audience(), false, app.domain(), app.deployments(),
                app.datasets(), app.risk(), app.createdBy(), NOW, NOW, 2);
        assertThat(SensitiveUse.decide("lab", "datasets/lab/notes", health, List.of(new SensitiveUse.Candidate(
                repurposed, Optional.of(approved))), TODAY).reason()).contains("purpose of lab/med-chat changed");
        assertThat(SensitiveUse.decide("lab", "datasets/lab/notes", health, List.of(new SensitiveUse.Candidate(
                app, Optional.of(approved))), TODAY.plusMonths(12).plusDays(1)).reason()).contains("expired");
        // The most advanced of several applications explains the hold; any one approval clears.
        SensitiveUse two = SensitiveUse.decide("lab", "datasets/lab/notes", health, List.of(
                new SensitiveUse.Candidate(app, Optional.empty()), new SensitiveUse.Candidate(app,
                        Optional.of(open(false)))), TODAY);
        assertThat(two.reason()).contains("is open").doesNotContain("has not been reviewed");
        assertThat(SensitiveUse.decide("lab", "datasets/lab/notes", health, List.of(
                new SensitiveUse.Candidate(app, Optional.of(open(false))), new SensitiveUse.Candidate(app,
                        Optional.of(approved))), TODAY).cleared()).isTrue();
    }

    private static Application application(Domain domain) {
        return new Application("app_1", "org_lab", "lab", "med-chat", "triage advice for patients", Audience.PUBLIC,
                false, domain, List.of("lab/med-chat"), List.of("datasets/lab/notes"),
                RiskRules.DEFAULT.classify(domain, Audience.PUBLIC, false), "ada", NOW, NOW, 1);
    }

    private static Review open(boolean expert) {
        return new Review("rev_1", "app_1", "org_lab", new Review.Snapshot(new TreeMap<>(java.util.Map.of(
                "lab/med-chat", "models/lab/med@" + "a".repeat(40))), List.of("datasets/lab/notes"),
                "triage advice for patients"), expert, Review.State.OPEN, List.of(), Optional.empty(),
                Optional.empty(), "ada", NOW, Optional.empty(), 1);
    }

    private static Review votes(Review review, int approve, int reject, int abstain) {
        List<Review.Choice> choices = new ArrayList<>();
        for (int i = 0; i < approve; i++) {
            choices.add(Review.Choice.APPROVE);
        }
        for (int i = 0; i < reject; i++) {
            choices.add(Review.Choice.REJECT);
        }
        for (int i = 0; i < abstain; i++) {
            choices.add(Review.Choice.ABSTAIN);
        }
        for (int i = 0; i < choices.size(); i++) {
            review = Committee.DEFAULT.vote(review, new Review.Vote("r" + i, "reviewer-" + i, choices.get(i),
                    "comment " + i, i == 0 ? List.of("audit monthly") : List.of(), NOW));
        }
        return review;
    }

    private static Review.Vote vote(String reviewer, Review.Choice choice) {
        return new Review.Vote(reviewer, reviewer, choice, "", List.of(), NOW);
    }
}
