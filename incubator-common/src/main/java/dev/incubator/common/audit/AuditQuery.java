package dev.incubator.common.audit;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;

/**
 * Which audit events a listing shows: of one organisation, by one actor (e.g. {@code user:ada}), of actions
 * starting with a prefix (e.g. {@code job.} or {@code hub.repo.create}), at or after a time; newest or oldest first.
 */
public record AuditQuery(Optional<String> organisationId, Optional<String> actor, Optional<String> actionPrefix,
                         Optional<Instant> since, boolean newestFirst) {
    public AuditQuery {
        requireNonNull(organisationId, "organisationId is null");
        requireNonNull(actor, "actor is null");
        requireNonNull(actionPrefix, "actionPrefix is null");
        requireNonNull(since, "since is null");
    }

    /** Every event (of one organisation, when given) in append order. */
    public static AuditQuery inOrder(Optional<String> organisationId) {
        return new AuditQuery(organisationId, Optional.empty(), Optional.empty(), Optional.empty(), false);
    }

    public AuditQuery withOrganisation(String id) {
        return new AuditQuery(Optional.of(id), actor, actionPrefix, since, newestFirst);
    }
}
