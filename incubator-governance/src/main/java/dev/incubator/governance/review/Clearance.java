package dev.incubator.governance.review;

import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

/**
 * Whether an application's deployments may be exposed beyond its organisation, and why (or why not yet): an
 * application that is not high-risk needs no review; a high-risk one needs its latest review approved, in date, and
 * judging what the application is now (the same model revisions, datasets and purpose).
 */
public record Clearance(boolean cleared, String reason) {
    public static Clearance of(Application application, Optional<Review> latest, Review.Snapshot now, LocalDate today) {
        if (!application.risk().high()) {
            return new Clearance(true, "application " + application.fullName() + " is " + application.risk().risk()
                    .wire() + " risk: no ethical review is required to expose it");
        }
        String subject = "application " + application.fullName() + " is high-risk ("
                + String.join("; ", application.risk().reasons()) + ")";
        if (latest.isEmpty()) {
            return new Clearance(false, subject + " and has not been reviewed: ask for its ethical review with"
                    + " 'incubator app review " + application.fullName() + "'");
        }
        Review review = latest.get();
        return switch (review.state()) {
            case OPEN -> new Clearance(false, subject + "; its review " + review.id() + " is open ("
                    + review.votes().size() + " vote(s) so far)");
            case REJECTED -> new Clearance(false, subject + "; its review " + review.id() + " was "
                    + review.decision().orElse("rejected") + ": change the application and ask for a new review");
            case REVOKED -> new Clearance(false, subject + "; its approval was revoked: "
                    + review.decision().orElse(""));
            case APPROVED -> {
                if (review.validUntil().map(today::isAfter).orElse(true)) {
                    yield new Clearance(false, subject + "; its approval expired on " + review.validUntil()
                            .map(LocalDate::toString).orElse("?") + ": a follow-up review is due");
                }
                List<String> changes = review.dossier().changesTo(now);
                if (!changes.isEmpty()) {
                    yield new Clearance(false, subject + "; it changed since review " + review.id() + " approved it ("
                            + String.join("; ", changes) + "): it needs a re-review");
                }
                yield new Clearance(true, "application " + application.fullName() + " was approved by review "
                        + review.id() + " until " + review.validUntil().get());
            }
        };
    }
}
