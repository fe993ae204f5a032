package dev.incubator.governance.audit;

import dev.incubator.common.audit.AuditEvent;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** An audit event as a leaf: its canonical JSON, and the hash of that. */
public final class AuditEntries {
    private AuditEntries() {
    }

    public static Map<String, Object> canonical(AuditEvent event) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("sequence", event.sequence());
        entry.put("time", Instant.ofEpochMilli(event.time().toEpochMilli()).toString());
        entry.put("actor", event.actor());
        entry.put("action", event.action());
        entry.put("target_type", event.targetType());
        entry.put("target_id", event.targetId());
        entry.put("organisation_id", event.organisationId().orElse(null));
        entry.put("request_id", event.requestId());
        entry.put("outcome", event.outcome().name().toLowerCase(java.util.Locale.ROOT));
        entry.put("source_address", event.sourceAddress());
        entry.put("details", new TreeMap<>(event.details()));
        return entry;
    }

    public static byte[] leafHash(AuditEvent event) {
        return Merkle.leafHash(CanonicalJson.bytes(canonical(event)));
    }
}
