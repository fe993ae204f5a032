package dev.incubator.notify;

import dev.incubator.common.audit.AuditEvent;
import java.util.List;
import java.util.Optional;

/**
 * The audited events in the order the audit tree fixed them: position {@code n} is leaf {@code n}. The feed never
 * changes a position once given, so a cursor over it loses and repeats nothing.
 */
public interface EventFeed {
    /** A position and its event (empty only if the event is no longer in the store). */
    record Entry(long position, Optional<AuditEvent> event) {
    }

    /** Up to {@code limit} events from {@code position} (inclusive), in order. */
    List<Entry> from(long position, int limit);
}
