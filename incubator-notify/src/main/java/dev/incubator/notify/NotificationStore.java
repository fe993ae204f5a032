package dev.incubator.notify;

import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** Notices, inboxes, the router's cursor and the webhook outbox, in the metadata store's transactions. */
public interface NotificationStore {
    /** What an inbox listing shows: unread only or all; notices of organisations the reader still sees. */
    record InboxQuery(boolean unreadOnly, Optional<Set<String>> organisations, Optional<NoticeKind> kind) {
    }

    /** A webhook delivery in the outbox. */
    record Delivery(Notice notice, int attempts, Instant nextAttemptAt, List<String> recipients) {
    }

    interface Repositories {
        /** The next audit-tree position the router has not looked at (0 at first). */
        long cursor();

        /** Moves the cursor from {@code expected} to {@code next}; false if another router moved it meanwhile. */
        boolean advance(long expected, long next);

        /** Stores a notice for its recipients and, when {@code webhook}, queues its delivery. */
        void insert(Notice notice, Collection<String> recipientIds, boolean webhook);

        /** One user's notices, newest first. */
        Page<InboxEntry> inbox(String userId, InboxQuery query, PageRequest page);

        long unread(String userId, Optional<Set<String>> organisations);

        /** Marks the user's notices read (those not already); returns how many changed. */
        int markRead(String userId, Collection<String> noticeIds, Instant at);

        int markAllRead(String userId, Instant at);

        /** Deliveries due at {@code now}, oldest first. */
        List<Delivery> dueDeliveries(Instant now, int limit);

        void delivered(String noticeId, int attempts, Instant at);

        /** Records a failed attempt: retried at {@code next}, or given up when empty. */
        void attemptFailed(String noticeId, int attempts, Optional<Instant> next, String error);

        /** Deliveries not yet made and not given up. */
        long pendingDeliveries();
    }

    <T> T write(Function<Repositories, T> work);

    <T> T read(Function<Repositories, T> work);
}
