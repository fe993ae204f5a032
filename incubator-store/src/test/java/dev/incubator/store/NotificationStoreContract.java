package dev.incubator.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incubator.common.PageRequest;
import dev.incubator.common.audit.AuditEvent;
import dev.incubator.notify.Directory;
import dev.incubator.notify.EventFeed;
import dev.incubator.notify.InboxEntry;
import dev.incubator.notify.NoticeKind;
import dev.incubator.notify.NotificationService;
import dev.incubator.notify.NotificationStore.InboxQuery;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Notices on a real metadata store: routed once whatever the routers, listed newest first, filtered, marked. */
public abstract class NotificationStoreContract extends HubStoreContract {
    private final Clock fixed = Clock.fixed(Instant.parse("2026-03-10T12:00:00Z"), ZoneOffset.UTC);
    private final List<AuditEvent> events = new ArrayList<>();

    /** Every grant threshold goes to u-boss (org-lab) and every access request to u-steward (org-hospital). */
    private final Directory directory = new Directory() {
        @Override
        public List<String> accessDeciders(String repositoryId) {
            return List.of("u-steward");
        }

        @Override
        public List<String> organisationAdmins(String organisationId) {
            return List.of("u-boss");
        }

        @Override
        public List<String> operators() {
            return List.of();
        }

        @Override
        public Optional<String> organisationName(String organisationId) {
            return Optional.of(organisationId);
        }

        @Override
        public Optional<String> userIdByName(String userName) {
            return Optional.of("u-" + userName);
        }

        @Override
        public Optional<JobFacts> job(String jobId) {
            return Optional.empty();
        }
    };

    private final EventFeed feed = (position, limit) -> {
        List<EventFeed.Entry> entries = new ArrayList<>();
        for (long i = position; i < events.size() && entries.size() < limit; i++) {
            entries.add(new EventFeed.Entry(i, Optional.of(events.get((int) i))));
        }
        return entries;
    };

    private NotificationService service() {
        return new NotificationService(new JdbiNotifications(database), feed, directory, fixed, Optional.empty(),
                (url, headers, body) -> 500, delivery -> new byte[0]);
    }

    private void threshold(String grant, int percent) {
        events.add(new AuditEvent(events.size() + 1, fixed.instant(), "system", "grant.threshold_crossed", "grant",
                grant, Optional.of("org-lab"), "req", AuditEvent.Outcome.SUCCESS, "local",
                Map.of("percent", Integer.toString(percent), "used_percent", percent + ".0")));
    }

    private void accessRequest() {
        events.add(new AuditEvent(events.size() + 1, fixed.instant(), "user:ada", "access.request", "repository",
                "repo-1", Optional.of("org-hospital"), "req", AuditEvent.Outcome.SUCCESS, "local",
                Map.of("repository", "datasets/hospital/notes", "requester", "ada", "purpose", "general-research",
                        "agreement", "dua_1")));
    }

    @Test
    void everyEventIsRoutedOnceWhateverTheNumberOfRouters() {
        threshold("grt_1", 50);
        accessRequest();
        events.add(new AuditEvent(3, fixed.instant(), "user:ada", "hub.commit", "repository", "repo-1",
                Optional.empty(), "req", AuditEvent.Outcome.SUCCESS, "local", Map.of()));
        NotificationService first = service();
        NotificationService second = service();
        assertThat(first.route()).isEqualTo(2);
        assertThat(second.route()).as("the cursor moved with the notices").isZero();
        threshold("grt_1", 80);
        assertThat(second.route()).isEqualTo(1);
        assertThat(first.route()).isZero();
        assertThat(first.inbox("u-boss", new InboxQuery(false, Optional.empty(), Optional.empty()),
                PageRequest.all()).items()).hasSize(2);
        assertThat(first.unread("u-steward", Optional.empty())).isOne();
    }

    @Test
    void anInboxIsNewestFirstPagedAndFiltered() {
        for (int percent : List.of(50, 80, 100)) {
            threshold("grt_" + percent, percent);
        }
        NotificationService notifications = service();
        notifications.route();
        InboxQuery everything = new InboxQuery(false, Optional.empty(), Optional.empty());
        var page = notifications.inbox("u-boss", everything, PageRequest.first(2));
        assertThat(page.items()).extracting(entry -> entry.notice().param("percent")).containsExactly("100", "80");
        var rest = notifications.inbox("u-boss", everything, PageRequest.parse("2", page.nextCursor().orElseThrow()));
        assertThat(rest.items()).extracting(entry -> entry.notice().param("percent")).containsExactly("50");
        assertThat(rest.nextCursor()).isEmpty();

        String newest = page.items().get(0).notice().id();
        assertThat(notifications.markRead("u-steward", List.of(newest))).as("not theirs").isZero();
        assertThat(notifications.markRead("u-boss", List.of(newest))).isOne();
        assertThat(notifications.markRead("u-boss", List.of(newest))).as("already read").isZero();
        assertThat(notifications.inbox("u-boss", new InboxQuery(true, Optional.empty(), Optional.empty()),
                PageRequest.all()).items()).extracting(entry -> entry.notice().param("percent"))
                .containsExactly("80", "50");
        assertThat(notifications.inbox("u-boss", new InboxQuery(false, Optional.of(Set.of("org-other")),
                Optional.empty()), PageRequest.all()).items()).as("after leaving org-lab").isEmpty();
        assertThat(notifications.unread("u-boss", Optional.of(Set.of("org-lab")))).isEqualTo(2);
        assertThat(notifications.inbox("u-boss", new InboxQuery(false, Optional.empty(),
                Optional.of(NoticeKind.ACCESS_REQUEST)), PageRequest.all()).items()).isEmpty();
        assertThat(notifications.markAllRead("u-boss")).isEqualTo(2);
        assertThat(notifications.inbox("u-boss", everything, PageRequest.all()).items())
                .allMatch(entry -> !entry.unread()).extracting(InboxEntry::readAt).allMatch(Optional::isPresent);
    }
}
