package dev.incubator.tenancy;

import dev.incubator.common.RequestMeta;
import dev.incubator.common.audit.AuditEvent;
import dev.incubator.common.audit.AuditEvent.Outcome;
import dev.incubator.common.audit.AuditLog;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** Builds the audit events of successful tenancy changes. */
final class Audits {
    private Audits() {
    }

    static void success(AuditLog log, String actor, RequestMeta request, Instant at, String action, String targetType,
                        String targetId, Optional<Ids.OrgId> org, Map<String, String> details) {
        log.append(new AuditEvent(0, at, actor, action, targetType, targetId, org.map(Ids.OrgId::value),
                request.requestId(), Outcome.SUCCESS, request.sourceAddress(), details));
    }

    static void success(AuditLog log, Caller caller, Instant at, String action, String targetType, String targetId,
                        Optional<Ids.OrgId> org, Map<String, String> details) {
        success(log, caller.principal().actor(), caller.request(), at, action, targetType, targetId, org, details);
    }
}
