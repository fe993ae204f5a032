package dev.incubator.server.api;

import static dev.incubator.server.api.BodySpec.Type.STRING_LIST;

import dev.incubator.common.access.Action;
import dev.incubator.notify.InboxEntry;
import dev.incubator.notify.NoticeText;
import dev.incubator.notify.NotificationService;
import dev.incubator.notify.NotificationStore;
import dev.incubator.server.api.Views.PageView;
import dev.incubator.tenancy.TenancyService;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Each user's inbox: notices of what they must act on or should know (access requests to decide, decisions on their
 * requests, grant thresholds, failed jobs), newest first, in English or Chinese ({@code Accept-Language} or
 * {@code lang}). A reader sees only their own notices, and only of organisations they still belong to.
 */
public final class InboxRoutes {
    private static final BodySpec MARK_READ = BodySpec.named("MarkNoticesRead")
            .required("ids", STRING_LIST, "ids of your notices to mark read (ntc_...), at most 500").build();

    private final NotificationService notifications;
    private final TenancyService tenancy;
    private final dev.incubator.common.access.AccessControl access;
    private final Function<String, Optional<String>> organisationName;

    public InboxRoutes(NotificationService notifications, TenancyService tenancy,
                       dev.incubator.common.access.AccessControl access,
                       Function<String, Optional<String>> organisationName) {
        this.notifications = notifications;
        this.tenancy = tenancy;
        this.access = access;
        this.organisationName = organisationName;
    }

    /** The policy engine decides, on the call's whole subject (a job's credential is refused). */
    private void authorize(Call call, Action action) {
        access.check(Subjects.of(call), action, dev.incubator.common.access.Resource.platform());
    }

    /** A notice in the reader's language; {@code organisation} is a name. */
    public record NoticeView(String id, String kind, String title, String body, Optional<String> organisation,
                             String subjectType, String subjectId, Map<String, String> params, Instant createdAt,
                             boolean read, Optional<Instant> readAt) {
    }

    public record InboxCountView(long unread, String language) {
    }

    public record MarkedView(int marked, long unread) {
    }

    public List<ApiRoute> routes() {
        String inbox = TenancyRoutes.PREFIX + "/inbox";
        return List.of(
                ApiRoute.get(inbox, "listInbox").tag("notifications")
                        .summary("Your notices, newest first (what to decide, what happened to your work)")
                        .query("unread", "true: only notices not yet read")
                        .query("kind", "Only notices of this kind: access.request, access.decision, grant.threshold"
                                + " or job.failed")
                        .query("lang", "en or zh (default: from Accept-Language, else en)")
                        .pageOf(NoticeView.class)
                        .handle(call -> {
                            authorize(call, Action.INBOX_READ);
                            boolean unread = call.query("unread").map(InboxRoutes::bool).orElse(false);
                            var query = new NotificationStore.InboxQuery(unread, visible(call),
                                    NotificationService.kind(call.query("kind").orElse(null)));
                            Locale language = language(call);
                            Map<String, Optional<String>> names = new java.util.HashMap<>();
                            return PageView.of(notifications.inbox(userId(call), query, call.page()), entry ->
                                    view(entry, language, names));
                        }),
                ApiRoute.get(inbox + "/count", "countInbox").tag("notifications")
                        .summary("How many of your notices are unread").returns(InboxCountView.class)
                        .handle(call -> {
                            authorize(call, Action.INBOX_READ);
                            return new InboxCountView(notifications.unread(userId(call), visible(call)),
                                    language(call).getLanguage());
                        }),
                ApiRoute.post(inbox + "/read", "markNoticesRead").tag("notifications")
                        .summary("Mark some of your notices read").body(MARK_READ).status(200).returns(MarkedView.class)
                        .handle(call -> {
                            authorize(call, Action.INBOX_MANAGE);
                            List<String> ids = call.body(MARK_READ).strings("ids");
                            int marked = notifications.markRead(userId(call), ids);
                            return new MarkedView(marked, notifications.unread(userId(call), visible(call)));
                        }),
                ApiRoute.post(inbox + "/read-all", "markAllNoticesRead").tag("notifications")
                        .summary("Mark every notice of yours read").status(200).returns(MarkedView.class)
                        .handle(call -> {
                            authorize(call, Action.INBOX_MANAGE);
                            int marked = notifications.markAllRead(userId(call));
                            return new MarkedView(marked, notifications.unread(userId(call), visible(call)));
                        }));
    }

    private NoticeView view(InboxEntry entry, Locale language, Map<String, Optional<String>> names) {
        var notice = entry.notice();
        NoticeText.Text text = NoticeText.render(notice, language);
        Optional<String> organisation = notice.organisationId().flatMap(id -> names.computeIfAbsent(id,
                organisationName));
        return new NoticeView(notice.id(), notice.kind().wire(), text.title(), text.body(), organisation,
                notice.subjectType(), notice.subjectId(), notice.params(), notice.createdAt(), !entry.unread(),
                entry.readAt());
    }

    private Optional<Set<String>> visible(Call call) {
        return tenancy.visibleOrganisationIds(call.caller());
    }

    private static String userId(Call call) {
        return call.principal().user().id().value();
    }

    private static Locale language(Call call) {
        return call.query("lang").map(lang -> switch (lang.strip().toLowerCase(Locale.ROOT)) {
            case "zh", "zh-cn", "zh-hans" -> Locale.SIMPLIFIED_CHINESE;
            case "en" -> Locale.ENGLISH;
            default -> throw dev.incubator.common.IncubatorException.validation("lang", "must be en or zh");
        }).orElseGet(() -> NoticeText.language(call.context().header("Accept-Language")));
    }

    private static boolean bool(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw dev.incubator.common.IncubatorException.validation("unread", "must be true or false");
        };
    }
}
