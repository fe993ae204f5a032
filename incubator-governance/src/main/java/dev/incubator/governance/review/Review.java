package dev.incubator.governance.review;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SortedMap;

/**
 * An ethical review of an application: the dossier it judged (a snapshot of what the application was: each
 * deployment's model and revision, its datasets, its purpose), the committee's votes with comments and conditions,
 * the decision and the date until which an approval holds. An approval stands for the snapshot only: a change of
 * model revision, datasets or purpose calls for a re-review.
 */
public record Review(String id, String applicationId, String orgId, Snapshot dossier, boolean expertReReview,
                     State state, List<Vote> votes, Optional<String> decision, Optional<LocalDate> validUntil,
                     String openedBy, Instant openedAt, Optional<Instant> decidedAt, long version) {
    public Review {
        votes = List.copyOf(votes);
    }

    public enum State {
        OPEN, APPROVED, REJECTED, REVOKED;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What the review judged: deployment (ORG/NAME) to model@revision, the datasets, the purpose's text. */
    public record Snapshot(SortedMap<String, String> deployments, List<String> datasets, String purpose) {
        public Snapshot {
            deployments = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(deployments));
            datasets = datasets.stream().sorted().distinct().toList();
        }

        /** What changed from this snapshot to {@code now}, in words; empty when nothing did. */
        public List<String> changesTo(Snapshot now) {
            List<String> changes = new java.util.ArrayList<>();
            java.util.Set<String> names = new java.util.TreeSet<>(deployments.keySet());
            names.addAll(now.deployments.keySet());
            for (String name : names) {
                String before = deployments.get(name);
                String after = now.deployments.get(name);
                if (before == null) {
                    changes.add("deployment " + name + " was added");
                } else if (after == null) {
                    changes.add("deployment " + name + " was removed");
                } else if (!before.equals(after)) {
                    changes.add("deployment " + name + " now serves " + after + " (reviewed: " + before + ")");
                }
            }
            if (!datasets.equals(now.datasets)) {
                changes.add("the datasets changed from " + datasets + " to " + now.datasets);
            }
            if (!purpose.equals(now.purpose)) {
                changes.add("the purpose changed");
            }
            return changes;
        }
    }

    public enum Choice {
        APPROVE, REJECT, ABSTAIN;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One member's vote; a member's later vote replaces the earlier. */
    public record Vote(String reviewerId, String reviewer, Choice choice, String comment, List<String> conditions,
                       Instant at) {
        public Vote {
            conditions = List.copyOf(conditions);
        }
    }

    /** The conditions of the approving votes, in the order given. */
    public List<String> conditions() {
        return votes.stream().filter(vote -> vote.choice() == Choice.APPROVE).flatMap(vote -> vote.conditions()
                .stream()).distinct().toList();
    }

    public Review with(State next, List<Vote> nextVotes, Optional<String> why, Optional<LocalDate> until,
                       Optional<Instant> decided) {
        return new Review(id, applicationId, orgId, dossier, expertReReview, next, nextVotes, why, until, openedBy,
                openedAt, decided, version + 1);
    }
}
