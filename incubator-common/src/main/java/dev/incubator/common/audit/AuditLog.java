package dev.incubator.common.audit;

import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import java.util.Optional;

/**
 * Durable, append-only record of audited actions.
 *
 * <p>An implementation MUST make an appended event durable in the same transaction as the change it
 * describes, MUST NOT acknowledge an append before it is durable, and MUST NOT offer any way to change or
 * remove an event once appended.
 */
public interface AuditLog {
    /** Appends the event and returns it with its assigned sequence number. */
    AuditEvent append(AuditEvent event);

    /** Events in append order, optionally only those of one organisation. */
    default Page<AuditEvent> list(Optional<String> organisationId, PageRequest page) {
        return list(AuditQuery.inOrder(organisationId), page);
    }

    /** The events {@code query} selects, in its order. */
    Page<AuditEvent> list(AuditQuery query, PageRequest page);
}
