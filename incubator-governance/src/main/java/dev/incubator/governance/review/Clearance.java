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
    /** As {@link #of(Application, Optional, Review.Snapshot, LocalDate, java.util.function.Function)} without the
     * safety assessments (for rules that do not ask for them). */
    public static Clearance of(Application application, Optional<Review> latest, Review.Snapshot now, LocalDate today) {
        return of(application, latest, now, today, null);
    }

    /**
     * {@code assessments}: each deployment's latest finished safety assessment; when given, a high-risk application
     * also needs, for every deployment, a passing assessment of the model revision it serves now.
     */
    public static Clearance of(Application application, Optional<Review> latest, Review.Snapshot now, LocalDate today,
                               java.util.function.Function<String, Optional<Assessment>> assessments) {
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
                if (assessments != null) {
                    for (var served : now.deployments().entrySet()) {
                        Optional<Assessment> assessed = assessments.apply(served.getKey());
                        if (assessed.isEmpty() || !assessed.get().model().equals(served.getValue())) {
                            yield new Clearance(false, subject + "; deployment " + served.getKey() + " serving "
                                    + served.getValue() + " has no safety assessment of that revision: run 'incubator"
                                    + " safety assess " + application.fullName() + "'");
                        }
                        if (!assessed.get().passed()) {
                            yield new Clearance(false, subject + "; the latest safety assessment of " + served.getKey()
                                    + " (" + assessed.get().id() + ") did not pass");
                        }
                    }
                }
                yield new Clearance(true, "application " + application.fullName() + " was approved by review "
                        + review.id() + " until " + review.validUntil().get() + (assessments != null
                        ? " and its safety assessment passed" : ""));
            }
        };
    }
}
