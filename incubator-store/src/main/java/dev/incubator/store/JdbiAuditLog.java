package dev.incubator.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.common.audit.AuditEvent;
import dev.incubator.common.audit.AuditEvent.Outcome;
import dev.incubator.common.audit.AuditLog;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** The audit log in the metadata store: appended in the caller's transaction, refused any update by triggers. */
final class JdbiAuditLog implements AuditLog {
    private static final ObjectMapper JSON = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    private static final String COLUMNS = "seq, occurred_at, actor, action, target_type, target_id, org_id, request_id,"
            + " outcome, source_address, details";
    private static final RowMapper<AuditEvent> MAPPER = (rs, ctx) -> new AuditEvent(rs.getLong("seq"),
            Sql.instant(rs, "occurred_at"), rs.getString("actor"), rs.getString("action"), rs.getString("target_type"),
            rs.getString("target_id"), Sql.optionalString(rs, "org_id"), rs.getString("request_id"),
            Outcome.valueOf(rs.getString("outcome").toUpperCase(Locale.ROOT)), rs.getString("source_address"),
            readDetails(rs.getString("details")));

    private final Handle handle;

    JdbiAuditLog(Handle handle) {
        this.handle = handle;
    }

    @Override
    public AuditEvent append(AuditEvent event) {
        long seq = handle.createQuery("""
                        INSERT INTO audit_events (occurred_at, actor, action, target_type, target_id, org_id, request_id,
                                                  outcome, source_address, details)
                        VALUES (:occurredAt, :actor, :action, :targetType, :targetId, :orgId, :requestId, :outcome,
                                :sourceAddress, :details)
                        RETURNING seq""")
                .bind("occurredAt", event.time().toEpochMilli())
                .bind("actor", event.actor())
                .bind("action", event.action())
                .bind("targetType", event.targetType())
                .bind("targetId", event.targetId())
                .bind("orgId", event.organisationId().orElse(null))
                .bind("requestId", event.requestId())
                .bind("outcome", event.outcome().name().toLowerCase(Locale.ROOT))
                .bind("sourceAddress", event.sourceAddress())
                .bind("details", writeDetails(event.details()))
                .mapTo(Long.class).one();
        return new AuditEvent(seq, event.time(), event.actor(), event.action(), event.targetType(), event.targetId(),
                event.organisationId(), event.requestId(), event.outcome(), event.sourceAddress(), event.details());
    }

    @Override
    public Page<AuditEvent> list(dev.incubator.common.audit.AuditQuery filter, PageRequest page) {
        String select = "SELECT " + COLUMNS + " FROM audit_events WHERE 1 = 1"
                + (filter.organisationId().isPresent() ? " AND org_id = :orgId" : "")
                + (filter.actor().isPresent() ? " AND actor = :actor" : "")
                + (filter.actionPrefix().isPresent() ? " AND substr(action, 1, :prefixLength) = :prefix" : "")
                + (filter.since().isPresent() ? " AND occurred_at >= :since" : "");
        java.util.function.Function<org.jdbi.v3.core.statement.Query, org.jdbi.v3.core.statement.Query> binder =
                query -> {
                    filter.organisationId().ifPresent(value -> query.bind("orgId", value));
                    filter.actor().ifPresent(value -> query.bind("actor", value));
                    filter.actionPrefix().ifPresent(value -> query.bind("prefix", value)
                            .bind("prefixLength", value.length()));
                    filter.since().ifPresent(value -> query.bind("since", value.toEpochMilli()));
                    return query;
                };
        return Paging.page(handle, select, "seq", true, filter.newestFirst(), page, binder, MAPPER,
                event -> Long.toString(event.sequence()));
    }

    /** Events with a sequence number above {@code sequence}, in order. */
    List<AuditEvent> after(long sequence, int limit) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM audit_events WHERE seq > :seq ORDER BY seq LIMIT :limit")
                .bind("seq", sequence).bind("limit", limit).map(MAPPER).list();
    }

    /** The newest events of an action on a target. */
    List<AuditEvent> byActionAndTarget(String action, String targetId, int limit) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM audit_events WHERE action = :action AND target_id ="
                        + " :target ORDER BY seq DESC LIMIT :limit")
                .bind("action", action).bind("target", targetId).bind("limit", limit).map(MAPPER).list();
    }

    /** Events with sequence numbers in [low, high]. */
    List<AuditEvent> between(long low, long high) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM audit_events WHERE seq >= :low AND seq <= :high")
                .bind("low", low).bind("high", high).map(MAPPER).list();
    }

    private static String writeDetails(Map<String, String> details) {
        try {
            return JSON.writeValueAsString(new TreeMap<>(details));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("audit details are not serialisable", e);
        }
    }

    private static Map<String, String> readDetails(String json) {
        try {
            return JSON.readValue(json, new TypeReference<Map<String, String>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored audit details are not JSON", e);
        }
    }
}
