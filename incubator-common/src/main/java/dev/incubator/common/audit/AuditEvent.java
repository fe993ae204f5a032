package dev.incubator.common.audit;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * One audited action. {@code sequence} is assigned by the log on append (0 before). {@code details} holds
 * small, non-secret facts about the change; secrets never go here.
 */
public record AuditEvent(
        long sequence,
        Instant time,
        String actor,
        String action,
        String targetType,
        String targetId,
        Optional<String> organisationId,
        String requestId,
        Outcome outcome,
        String sourceAddress,
        Map<String, String> details) {

    public enum Outcome { SUCCESS, DENIED, FAILED }

    public AuditEvent {
        requireNonNull(time, "time is null");
        requireNonNull(actor, "actor is null");
        requireNonNull(action, "action is null");
        requireNonNull(targetType, "targetType is null");
        requireNonNull(targetId, "targetId is null");
        requireNonNull(organisationId, "organisationId is null");
        requireNonNull(requestId, "requestId is null");
        requireNonNull(outcome, "outcome is null");
        requireNonNull(sourceAddress, "sourceAddress is null");
        details = Map.copyOf(details);
    }
}
