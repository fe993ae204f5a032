package dev.incubator.governance.review;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The ethics committee's rules: at least {@code minimumMembers} eligible reviewers, a decision only once
 * {@code quorum} of them voted, approval by a simple majority of the votes for and against (two thirds for expert
 * re-review), and an approval valid for {@code validityMonths} (a follow-up review at most every 12 months). A reviewer
 * who is a member of the applicant organisation has a conflict and does not vote.
 */
public record Committee(int minimumMembers, int quorum, int validityMonths) {
    public static final Committee DEFAULT = new Committee(7, 5, 12);

    public Committee {
        if (minimumMembers < 1 || quorum < 1 || quorum > minimumMembers || validityMonths < 1 || validityMonths > 12) {
            throw IncubatorException.validation("committee", "needs 1 <= quorum <= minimum members and a validity of"
                    + " 1 to 12 months");
        }
    }

    /** Why this reviewer may not vote on the application (a conflict of interest); empty when they may. */
    public Optional<String> conflict(java.util.Set<String> reviewerOrganisationIds, Application application) {
        if (reviewerOrganisationIds.contains(application.orgId())) {
            return Optional.of("you are a member of " + application.orgName() + ", the applicant: a reviewer with a"
                    + " conflict of interest does not vote on its applications");
        }
        return Optional.empty();
    }

    /** The review with this vote in place of the reviewer's earlier one. */
    public Review vote(Review review, Review.Vote vote) {
        if (review.state() != Review.State.OPEN) {
            throw new IncubatorException(ErrorCode.CONFLICT, "review " + review.id() + " is " + review.state().wire()
                    + "; votes are taken while it is open");
        }
        List<Review.Vote> votes = new ArrayList<>();
        review.votes().stream().filter(earlier -> !earlier.reviewerId().equals(vote.reviewerId())).forEach(votes::add);
        votes.add(vote);
        return review.with(Review.State.OPEN, votes, review.decision(), review.validUntil(), review.decidedAt());
    }

    /** The share of votes for among votes for and against that approves. */
    public static String majority(boolean expertReReview) {
        return expertReReview ? "two thirds" : "more than half";
    }

    /**
     * Decides an open review from its votes: refused while the committee is too small or the quorum is not met;
     * otherwise approved (valid until {@code today} plus the validity) or rejected.
     */
    public Review decide(Review review, int eligibleMembers, LocalDate today, Instant at) {
        if (review.state() != Review.State.OPEN) {
            throw new IncubatorException(ErrorCode.CONFLICT, "review " + review.id() + " is already "
                    + review.state().wire());
        }
        if (eligibleMembers < minimumMembers) {
            throw new IncubatorException(ErrorCode.CONFLICT, "the committee has " + eligibleMembers + " reviewer(s)"
                    + " without a conflict; the rules ask for at least " + minimumMembers + " (an operator grants the"
                    + " platform role 'reviewer')");
        }
        if (review.votes().size() < quorum) {
            throw new IncubatorException(ErrorCode.CONFLICT, review.votes().size() + " of the quorum of " + quorum
                    + " voted; the review is decided once the quorum is met");
        }
        long approvals = review.votes().stream().filter(vote -> vote.choice() == Review.Choice.APPROVE).count();
        long rejections = review.votes().stream().filter(vote -> vote.choice() == Review.Choice.REJECT).count();
        boolean approved = approvals + rejections > 0 && (review.expertReReview()
                ? approvals * 3 >= (approvals + rejections) * 2 : approvals * 2 > approvals + rejections);
        String tally = approvals + " for, " + rejections + " against, " + (review.votes().size() - approvals
                - rejections) + " abstaining; " + majority(review.expertReReview()) + " of those for or against"
                + " approve";
        if (approved) {
            LocalDate until = today.plusMonths(validityMonths);
            List<String> conditions = review.conditions();
            return review.with(Review.State.APPROVED, review.votes(), Optional.of("approved (" + tally + ")"
                    + (conditions.isEmpty() ? "" : " with conditions: " + String.join("; ", conditions))),
                    Optional.of(until), Optional.of(at));
        }
        return review.with(Review.State.REJECTED, review.votes(), Optional.of("rejected (" + tally + ")"),
                Optional.empty(), Optional.of(at));
    }
}
