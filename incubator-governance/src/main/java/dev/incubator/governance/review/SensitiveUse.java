package dev.incubator.governance.review;

import dev.incubator.common.access.Sensitivity;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Whether an organisation's jobs may train or fine-tune on a dataset marked sensitive, and why (or why not yet): one
 * of its applications must name the dataset, and that application's latest review must be an approval, in date, of
 * a dossier that lists the dataset and the purpose as it is now. {@code basis}: the application and review that
 * clear it, for the audit log.
 */
public record SensitiveUse(boolean cleared, String reason, Optional<String> application, Optional<String> review) {

    /** One application of the organisation that names the dataset, with its latest review. */
    public record Candidate(Application application, Optional<Review> latest) {
    }

    /**
     * {@code dataset}: as applications name it ({@code datasets/ORG/NAME}); {@code orgName}: the reading job's
     * organisation; {@code candidates}: its applications that name the dataset.
     */
    public static SensitiveUse decide(String orgName, String dataset, Set<Sensitivity> kinds,
                                      List<Candidate> candidates, LocalDate today) {
        String what = dataset + " holds sensitive data (" + kinds.stream().map(Sensitivity::wire).sorted()
                .collect(Collectors.joining(", ")) + "): a job of " + orgName + " may train on it only under an"
                + " approved ethical review of an application that names it";
        if (candidates.isEmpty()) {
            return held(what + "; none of " + orgName + "'s applications names it: register one with 'incubator app"
                    + " create " + orgName + "/NAME --dataset " + dataset + " ...' and ask for its review with 'incubator app review " + orgName + "/NAME'");
        }
        String best = null;
        int rank = -1;
        for (Candidate candidate : candidates) {
            Application app = candidate.application();
            if (candidate.latest().isEmpty()) {
                if (rank < 0) {
                    rank = 0;
                    best = "application " + app.fullName() + " names it but has not been reviewed: ask with"
                            + " 'incubator app review " + app.fullName() + "'";
                }
                continue;
            }
            Review review = candidate.latest().get();
            String why;
            int level;
            switch (review.state()) {
                case OPEN -> {
                    level = 3;
                    why = "review " + review.id() + " of " + app.fullName() + " is open (" + review.votes().size()
                            + " vote(s) so far): submit again once the committee approves it";
                }
                case REJECTED -> {
                    level = 1;
                    why = "review " + review.id() + " of " + app.fullName() + " was " + review.decision()
                            .orElse("rejected");
                }
                case REVOKED -> {
                    level = 1;
                    why = "the approval of " + app.fullName() + " was revoked: " + review.decision().orElse("");
                }
                default -> {
                    if (review.validUntil().map(today::isAfter).orElse(true)) {
                        level = 2;
                        why = "the approval of " + app.fullName() + " expired on " + review.validUntil()
                                .map(LocalDate::toString).orElse("?") + ": a follow-up review is due";
                    } else if (!review.dossier().datasets().contains(dataset)) {
                        level = 2;
                        why = "review " + review.id() + " of " + app.fullName() + " approved it without this dataset:"
                                + " ask for a re-review with 'incubator app review " + app.fullName() + "'";
                    } else if (!review.dossier().purpose().equals(app.purpose())) {
                        level = 2;
                        why = "the purpose of " + app.fullName() + " changed since review " + review.id()
                                + " approved it: ask for a re-review";
                    } else {
                        return new SensitiveUse(true, "training on " + dataset + " is cleared by review "
                                + review.id() + " of application " + app.fullName() + " until "
                                + review.validUntil().get(), Optional.of(app.fullName()), Optional.of(review.id()));
                    }
                }
            }
            if (level > rank) {
                rank = level;
                best = why;
            }
        }
        return held(what + "; " + best);
    }

    private static SensitiveUse held(String reason) {
        return new SensitiveUse(false, reason, Optional.empty(), Optional.empty());
    }
}
