package dev.incubator.notify;

import dev.incubator.common.Ids;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.common.Violations;
import dev.incubator.notify.webhook.Webhook;
import dev.incubator.notify.webhook.WebhookTransport;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notifications: routes audited events into the inboxes of the people who must act ({@link NoticeRules}), lists and
 * marks a user's inbox, and delivers each notice to the operator's webhook, signed and retried with backoff.
 *
 * <p>Nothing is lost or sent twice to an inbox: the router follows the audit tree with a cursor that moves in the
 * same transaction as the notices it makes (a crash repeats nothing and skips nothing). Webhook deliveries sit in
 * an outbox written in that transaction too, and are tried until the receiver answers 2xx or the backoff gives up
 * (at least once, with a stable {@code webhook-id} for receivers to drop repeats).
 */
public final class NotificationService {
    private static final Logger LOG = LoggerFactory.getLogger(NotificationService.class);
    private static final int BATCH = 500;
    private static final int MAX_MARKED = 500;

    /** What one delivery round did. */
    public record DeliveryReport(int delivered, int retrying, int gaveUp) {
        public static final DeliveryReport NONE = new DeliveryReport(0, 0, 0);
    }

    /** Encodes a delivery's payload (JSON, by the server). */
    public interface PayloadEncoder {
        byte[] encode(NotificationStore.Delivery delivery);
    }

    private final NotificationStore store;
    private final EventFeed feed;
    private final NoticeRules rules;
    private final Clock clock;
    private final Optional<Webhook> webhook;
    private final WebhookTransport transport;
    private final PayloadEncoder encoder;

    public NotificationService(NotificationStore store, EventFeed feed, Directory directory, Clock clock,
                               Optional<Webhook> webhook, WebhookTransport transport, PayloadEncoder encoder) {
        this.store = store;
        this.feed = feed;
        this.rules = new NoticeRules(directory);
        this.clock = clock;
        this.webhook = webhook;
        this.transport = transport;
        this.encoder = encoder;
    }

    public Optional<Webhook> webhook() {
        return webhook;
    }

    /** Turns every audited event not yet looked at into notices; returns how many notices it made. */
    public int route() {
        int made = 0;
        while (true) {
            long cursor = store.read(NotificationStore.Repositories::cursor);
            List<EventFeed.Entry> entries = feed.from(cursor, BATCH);
            if (entries.isEmpty()) {
                return made;
            }
            List<Notice> notices = new ArrayList<>();
            List<Set<String>> recipients = new ArrayList<>();
            for (EventFeed.Entry entry : entries) {
                entry.event().flatMap(rules::apply).ifPresent(draft -> {
                    notices.add(new Notice(Ids.next(Notice.ID_PREFIX, clock), draft.kind(), draft.organisationId(),
                            draft.subjectType(), draft.subjectId(), draft.params(), clock.instant(), entry.position()));
                    recipients.add(draft.recipients());
                });
            }
            long next = entries.get(entries.size() - 1).position() + 1;
            boolean moved = store.write(repositories -> {
                if (!repositories.advance(cursor, next)) {
                    return false;
                }
                for (int i = 0; i < notices.size(); i++) {
                    repositories.insert(notices.get(i), recipients.get(i), webhook.isPresent());
                }
                return true;
            });
            if (!moved) {
                continue;
            }
            made += notices.size();
            if (entries.size() < BATCH) {
                return made;
            }
        }
    }

    /**
     * The user's notices, newest first; {@code organisations} (empty: all) are those the reader may still see, so a
     * member who left an organisation no longer reads its notices.
     */
    public Page<InboxEntry> inbox(String userId, NotificationStore.InboxQuery query, PageRequest page) {
        return store.read(repositories -> repositories.inbox(userId, query, page));
    }

    public long unread(String userId, Optional<Set<String>> organisations) {
        return store.read(repositories -> repositories.unread(userId, organisations));
    }

    /** Marks notices of the user read; ids of notices the user never received change nothing. */
    public int markRead(String userId, List<String> noticeIds) {
        Violations violations = new Violations();
        violations.check(noticeIds != null && !noticeIds.isEmpty() && noticeIds.size() <= MAX_MARKED, "ids",
                "must list 1 to " + MAX_MARKED + " notice ids (ntc_...), or use read-all");
        if (noticeIds != null) {
            for (String id : noticeIds) {
                violations.check(Ids.isValid(Notice.ID_PREFIX, id), "ids", "'" + id + "' is not a notice id (ntc_...)");
            }
        }
        violations.throwIfAny();
        Instant now = clock.instant();
        return store.write(repositories -> repositories.markRead(userId, noticeIds, now));
    }

    public int markAllRead(String userId) {
        Instant now = clock.instant();
        return store.write(repositories -> repositories.markAllRead(userId, now));
    }

    /** Deliveries queued and not yet made or given up. */
    public long pendingDeliveries() {
        return store.read(NotificationStore.Repositories::pendingDeliveries);
    }

    /** Tries every webhook delivery that is due; returns what became of them. */
    public DeliveryReport deliver() {
        if (webhook.isEmpty()) {
            return DeliveryReport.NONE;
        }
        Webhook hook = webhook.get();
        int delivered = 0;
        int retrying = 0;
        int gaveUp = 0;
        List<NotificationStore.Delivery> due = store.read(repositories -> repositories.dueDeliveries(clock.instant(),
                100));
        for (NotificationStore.Delivery delivery : due) {
            String id = delivery.notice().id();
            int attempt = delivery.attempts() + 1;
            byte[] body = encoder.encode(delivery);
            Instant now = clock.instant();
            String error;
            try {
                int status = transport.post(hook.url(), hook.signer().headers(id, now.getEpochSecond(), body), body);
                if (status >= 200 && status < 300) {
                    store.write(repositories -> {
                        repositories.delivered(id, attempt, clock.instant());
                        return null;
                    });
                    delivered++;
                    continue;
                }
                error = "the receiver answered HTTP " + status;
            } catch (IOException | RuntimeException e) {
                error = e.getClass().getSimpleName() + ": " + Optional.ofNullable(e.getMessage()).orElse("");
            }
            Optional<Instant> next = hook.backoff().after(attempt).map(clock.instant()::plus);
            String reason = error.length() > 500 ? error.substring(0, 500) : error;
            store.write(repositories -> {
                repositories.attemptFailed(id, attempt, next, reason);
                return null;
            });
            if (next.isPresent()) {
                retrying++;
                LOG.info("webhook delivery of {} failed (attempt {}): {}; next try at {}", id, attempt, reason,
                        next.get());
            } else {
                gaveUp++;
                LOG.warn("webhook delivery of {} given up after {} attempts: {}", id, attempt, reason);
            }
        }
        return new DeliveryReport(delivered, retrying, gaveUp);
    }

    /** The kind filter of an inbox listing, from its query parameter. */
    public static Optional<NoticeKind> kind(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(NoticeKind.parse(text.strip()).orElseThrow(() -> IncubatorException.validation("kind",
                "must be one of " + NoticeKind.choices())));
    }
}
