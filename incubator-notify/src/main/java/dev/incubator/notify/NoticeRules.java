package dev.incubator.notify;

import dev.incubator.common.audit.AuditEvent;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which audited events become notices, for whom: the rules of the inbox. Pure apart from the {@link Directory} it
 * asks who holds a role. An actor is never told of their own act.
 *
 * <table>
 *   <caption>Rules</caption>
 *   <tr><th>audit action</th><th>notice</th><th>recipients</th></tr>
 *   <tr><td>access.request</td><td>access.request</td><td>who decides access to the repository</td></tr>
 *   <tr><td>access.approve, access.deny, access.revoke</td><td>access.decision</td><td>the requester</td></tr>
 *   <tr><td>grant.threshold_crossed</td><td>grant.threshold</td><td>the organisation's admins and owners; at 100 %
 *       also the operators</td></tr>
 *   <tr><td>job.failed, job.timeout</td><td>job.failed</td><td>who submitted the job</td></tr>
 * </table>
 */
public final class NoticeRules {
    /** A notice to be made: everything but its id, time and source. */
    public record Draft(NoticeKind kind, Optional<String> organisationId, String subjectType, String subjectId,
                        Map<String, String> params, Set<String> recipients) {
        public Draft {
            params = Map.copyOf(params);
            recipients = Set.copyOf(recipients);
        }
    }

    private final Directory directory;

    public NoticeRules(Directory directory) {
        this.directory = directory;
    }

    public Optional<Draft> apply(AuditEvent event) {
        if (event.outcome() != AuditEvent.Outcome.SUCCESS) {
            return Optional.empty();
        }
        Map<String, String> details = event.details();
        Optional<Draft> draft = switch (event.action()) {
            case "access.request" -> Optional.of(new Draft(NoticeKind.ACCESS_REQUEST, event.organisationId(),
                    "repository", event.targetId(), pick(details, "repository", "requester", "purpose", "agreement"),
                    recipients(directory.accessDeciders(event.targetId()))));
            case "access.approve", "access.deny", "access.revoke" -> {
                Map<String, String> params = pick(details, "repository", "agreement", "reason", "expires_on", "mode");
                params.put("decision", switch (event.action()) {
                    case "access.approve" -> "approved";
                    case "access.deny" -> "denied";
                    default -> "revoked";
                });
                params.put("by", actorName(event.actor()));
                // The requester is outside the data's organisation: the notice belongs to no organisation, so it
                // stays readable to them (see Notice#organisationId).
                yield directory.userIdByName(details.getOrDefault("requester", "")).map(requester -> new Draft(
                        NoticeKind.ACCESS_DECISION, Optional.empty(), "repository", event.targetId(), params,
                        Set.of(requester)));
            }
            case "grant.threshold_crossed" -> event.organisationId().map(org -> {
                Map<String, String> params = pick(details, "percent", "used_percent");
                params.put("grant", event.targetId());
                params.put("organisation", directory.organisationName(org).orElse(org));
                Set<String> recipients = recipients(directory.organisationAdmins(org));
                if (parsePercent(details.get("percent")) >= 100) {
                    recipients.addAll(directory.operators());
                }
                return new Draft(NoticeKind.GRANT_THRESHOLD, event.organisationId(), "grant", event.targetId(),
                        params, recipients);
            });
            case "job.failed", "job.timeout" -> directory.job(event.targetId()).map(job -> {
                Map<String, String> params = new HashMap<>();
                params.put("job", event.targetId());
                params.put("name", job.name());
                params.put("state", job.state());
                params.put("reason", job.reasonCode());
                params.put("message", job.message());
                event.organisationId().flatMap(directory::organisationName)
                        .ifPresent(name -> params.put("organisation", name));
                return new Draft(NoticeKind.JOB_FAILED, event.organisationId(), "job", event.targetId(), params,
                        Set.of(job.submitterId()));
            });
            default -> Optional.empty();
        };
        return draft.map(found -> withoutActor(found, event.actor())).filter(found -> !found.recipients().isEmpty());
    }

    private Draft withoutActor(Draft draft, String actor) {
        if (!actor.startsWith("user:")) {
            return draft;
        }
        Optional<String> actorId = directory.userIdByName(actorName(actor));
        if (actorId.isEmpty() || !draft.recipients().contains(actorId.get())) {
            return draft;
        }
        Set<String> others = new LinkedHashSet<>(draft.recipients());
        others.remove(actorId.get());
        return new Draft(draft.kind(), draft.organisationId(), draft.subjectType(), draft.subjectId(), draft.params(),
                others);
    }

    private static String actorName(String actor) {
        return actor.startsWith("user:") ? actor.substring("user:".length()) : actor;
    }

    private static Set<String> recipients(List<String> ids) {
        return new LinkedHashSet<>(ids);
    }

    private static Map<String, String> pick(Map<String, String> details, String... names) {
        Map<String, String> picked = new HashMap<>();
        for (String name : names) {
            String value = details.get(name);
            if (value != null && !value.isEmpty()) {
                picked.put(name, value);
            }
        }
        return picked;
    }

    private static int parsePercent(String text) {
        try {
            return text == null ? 0 : Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
