package dev.incubator.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.notify.InboxEntry;
import dev.incubator.notify.Notice;
import dev.incubator.notify.NoticeKind;
import dev.incubator.notify.NotificationStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/** {@link NotificationStore} on the metadata store: notices, inbox entries, the router's cursor, the outbox. */
public final class JdbiNotifications extends JdbiStore<NotificationStore.Repositories> implements NotificationStore {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    private static final String NOTICE_COLUMNS = "n.id, n.kind, n.organisation_id, n.subject_type, n.subject_id,"
            + " n.params, n.created_at, n.source";

    public JdbiNotifications(Database database) {
        super(database, Repos::new);
    }

    private record Repos(Handle handle) implements Repositories {
        @Override
        public long cursor() {
            return handle.createQuery("SELECT position FROM notify_cursor WHERE name = 'router'").mapTo(Long.class)
                    .one();
        }

        @Override
        public boolean advance(long expected, long next) {
            return handle.createUpdate("UPDATE notify_cursor SET position = :next WHERE name = 'router' AND position ="
                    + " :expected").bind("next", next).bind("expected", expected).execute() == 1;
        }

        @Override
        public void insert(Notice notice, Collection<String> recipientIds, boolean webhook) {
            handle.createUpdate("INSERT INTO notices (id, kind, organisation_id, subject_type, subject_id, params,"
                            + " created_at, source) VALUES (:id, :kind, :org, :subjectType, :subjectId, :params,"
                            + " :createdAt, :source)")
                    .bind("id", notice.id()).bind("kind", notice.kind().wire())
                    .bind("org", notice.organisationId().orElse(null)).bind("subjectType", notice.subjectType())
                    .bind("subjectId", notice.subjectId()).bind("params", write(notice.params()))
                    .bind("createdAt", notice.createdAt().toEpochMilli()).bind("source", notice.source()).execute();
            var batch = handle.prepareBatch("INSERT INTO inbox_entries (user_id, notice_id, organisation_id, kind)"
                    + " VALUES (:user, :notice, :org, :kind)");
            for (String user : Set.copyOf(recipientIds)) {
                batch.bind("user", user).bind("notice", notice.id()).bind("org", notice.organisationId().orElse(null))
                        .bind("kind", notice.kind().wire()).add();
            }
            if (!recipientIds.isEmpty()) {
                batch.execute();
            }
            if (webhook) {
                handle.createUpdate("INSERT INTO webhook_deliveries (notice_id, state, attempts, next_attempt_at)"
                                + " VALUES (:id, 'pending', 0, :at)")
                        .bind("id", notice.id()).bind("at", notice.createdAt().toEpochMilli()).execute();
            }
        }

        @Override
        public Page<InboxEntry> inbox(String userId, InboxQuery query, PageRequest page) {
            StringBuilder select = new StringBuilder("SELECT ").append(NOTICE_COLUMNS).append(", e.read_at FROM"
                    + " inbox_entries e JOIN notices n ON n.id = e.notice_id WHERE e.user_id = :user");
            where(select, query.unreadOnly(), query.organisations());
            query.kind().ifPresent(kind -> select.append(" AND e.kind = :kind"));
            // Newest first by the audit tree's order: one notice per event, so the position is a unique key.
            return Paging.page(handle, select.toString(), "n.source", true, true, page, q -> {
                bind(q.bind("user", userId), query.organisations());
                query.kind().ifPresent(kind -> q.bind("kind", kind.wire()));
                return q;
            }, (rs, ctx) -> new InboxEntry(notice(rs), Sql.optionalInstant(rs, "read_at")),
                    entry -> Long.toString(entry.notice().source()));
        }

        @Override
        public long unread(String userId, Optional<Set<String>> organisations) {
            StringBuilder select = new StringBuilder("SELECT count(*) FROM inbox_entries e WHERE e.user_id = :user");
            where(select, true, organisations);
            Query query = handle.createQuery(select.toString()).bind("user", userId);
            bind(query, organisations);
            return query.mapTo(Long.class).one();
        }

        @Override
        public int markRead(String userId, Collection<String> noticeIds, Instant at) {
            return handle.createUpdate("UPDATE inbox_entries SET read_at = :at WHERE user_id = :user AND read_at IS"
                            + " NULL AND notice_id IN (<ids>)").bind("at", at.toEpochMilli()).bind("user", userId)
                    .bindList("ids", List.copyOf(noticeIds)).execute();
        }

        @Override
        public int markAllRead(String userId, Instant at) {
            return handle.createUpdate("UPDATE inbox_entries SET read_at = :at WHERE user_id = :user AND read_at IS"
                    + " NULL").bind("at", at.toEpochMilli()).bind("user", userId).execute();
        }

        @Override
        public List<Delivery> dueDeliveries(Instant now, int limit) {
            List<Map.Entry<Notice, Integer>> due = handle.createQuery("SELECT " + NOTICE_COLUMNS + ", d.attempts,"
                            + " d.next_attempt_at FROM webhook_deliveries d JOIN notices n ON n.id = d.notice_id"
                            + " WHERE d.state = 'pending' AND d.next_attempt_at <= :now ORDER BY d.next_attempt_at,"
                            + " d.notice_id LIMIT :limit").bind("now", now.toEpochMilli()).bind("limit", limit)
                    .map((rs, ctx) -> Map.entry(notice(rs), rs.getInt("attempts"))).list();
            List<Delivery> deliveries = new ArrayList<>();
            for (Map.Entry<Notice, Integer> entry : due) {
                List<String> recipients = handle.createQuery("SELECT user_id FROM inbox_entries WHERE notice_id = :id"
                        + " ORDER BY user_id").bind("id", entry.getKey().id()).mapTo(String.class).list();
                deliveries.add(new Delivery(entry.getKey(), entry.getValue(), now, recipients));
            }
            return deliveries;
        }

        @Override
        public void delivered(String noticeId, int attempts, Instant at) {
            handle.createUpdate("UPDATE webhook_deliveries SET state = 'delivered', attempts = :attempts,"
                            + " delivered_at = :at, next_attempt_at = NULL WHERE notice_id = :id")
                    .bind("attempts", attempts).bind("at", at.toEpochMilli()).bind("id", noticeId).execute();
        }

        @Override
        public void attemptFailed(String noticeId, int attempts, Optional<Instant> next, String error) {
            handle.createUpdate("UPDATE webhook_deliveries SET state = :state, attempts = :attempts,"
                            + " next_attempt_at = :next, last_error = :error WHERE notice_id = :id")
                    .bind("state", next.isPresent() ? "pending" : "failed").bind("attempts", attempts)
                    .bind("next", Sql.millis(next)).bind("error", error).bind("id", noticeId).execute();
        }

        @Override
        public long pendingDeliveries() {
            return handle.createQuery("SELECT count(*) FROM webhook_deliveries WHERE state = 'pending'")
                    .mapTo(Long.class).one();
        }

        private static void where(StringBuilder select, boolean unreadOnly, Optional<Set<String>> organisations) {
            if (unreadOnly) {
                select.append(" AND e.read_at IS NULL");
            }
            if (organisations.isPresent()) {
                select.append(organisations.get().isEmpty() ? " AND e.organisation_id IS NULL"
                        : " AND (e.organisation_id IS NULL OR e.organisation_id IN (<orgs>))");
            }
        }

        private static Query bind(Query query, Optional<Set<String>> organisations) {
            organisations.filter(set -> !set.isEmpty()).ifPresent(set -> query.bindList("orgs", List.copyOf(set)));
            return query;
        }
    }

    private static Notice notice(ResultSet rs) throws SQLException {
        return new Notice(rs.getString("id"), NoticeKind.parse(rs.getString("kind")).orElseThrow(),
                Sql.optionalString(rs, "organisation_id"), rs.getString("subject_type"), rs.getString("subject_id"),
                read(rs.getString("params")), Sql.instant(rs, "created_at"), rs.getLong("source"));
    }

    private static String write(Map<String, String> params) {
        try {
            return JSON.writeValueAsString(new TreeMap<>(params));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("notice params are not serialisable", e);
        }
    }

    private static Map<String, String> read(String json) {
        try {
            return new LinkedHashMap<>(JSON.readValue(json, new TypeReference<Map<String, String>>() { }));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored notice params are not JSON", e);
        }
    }
}
