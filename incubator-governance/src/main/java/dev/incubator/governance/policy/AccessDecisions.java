package dev.incubator.governance.policy;

import dev.incubator.common.access.AccessControl;
import dev.incubator.common.access.Action;
import dev.incubator.common.access.Decision;
import dev.incubator.common.access.Resource;
import dev.incubator.common.access.Subject;
import dev.incubator.common.audit.AuditEvent;
import dev.incubator.governance.access.Agreement;
import dev.incubator.governance.access.AgreementStore;
import dev.incubator.governance.access.Purpose;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The access-policy engine as the platform runs it: looks up the reader's data-use agreement when a decision needs
 * one, and records every read of gated data under an agreement in the audit log (denials are audited where they are
 * answered, with their reason). Every capability reaches it through {@link AccessControl}.
 */
public final class AccessDecisions implements AccessControl {
    private final PolicyEngine engine = new PolicyEngine();
    private final AgreementStore agreements;
    private final Clock clock;

    public AccessDecisions(AgreementStore agreements, Clock clock) {
        this.agreements = agreements;
        this.clock = clock;
    }

    public PolicyEngine engine() {
        return engine;
    }

    @Override
    public Decision decide(Subject subject, Action action, Resource resource) {
        Optional<Agreement>[] looked = new Optional[1];
        PolicyEngine.Context context = new PolicyEngine.Context(today(), () -> {
            if (looked[0] == null) {
                looked[0] = resource instanceof Resource.Repository repo && subject.userId().isPresent()
                        ? agreements.read(repositories -> repositories.latest(repo.id(), subject.userId().get()))
                        : Optional.empty();
            }
            return looked[0];
        });
        Decision decision = engine.decide(subject, action, resource, context);
        if (decision.gatedRead() && resource instanceof Resource.Repository repo) {
            auditGatedRead(subject, repo, looked[0].orElseThrow());
        }
        return decision;
    }

    private void auditGatedRead(Subject subject, Resource.Repository repo, Agreement agreement) {
        Map<String, String> details = new HashMap<>();
        details.put("agreement", agreement.id());
        details.put("purpose", subject.purpose().flatMap(Purpose::parse).orElse(agreement.purpose()).wire());
        details.put("channel", subject.job().isPresent() ? "job" : "download");
        subject.job().ifPresent(job -> details.put("job", job));
        details.put("repository", repo.name());
        agreements.write(repositories -> repositories.audit().append(new AuditEvent(0, clock.instant(),
                subject.actor(), "hub.read.gated", "repository", repo.id(), repo.ownedByOrganisation()
                ? Optional.of(repo.ownerId()) : Optional.empty(), subject.meta().requestId(),
                AuditEvent.Outcome.SUCCESS, subject.meta().sourceAddress(), details)));
    }

    private LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }
}
