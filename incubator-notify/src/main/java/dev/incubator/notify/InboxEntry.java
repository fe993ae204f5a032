package dev.incubator.notify;

import java.time.Instant;
import java.util.Optional;

/** A notice as one recipient sees it: read or not. */
public record InboxEntry(Notice notice, Optional<Instant> readAt) {
    public boolean unread() {
        return readAt.isEmpty();
    }
}
