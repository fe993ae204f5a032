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
import java.util.concurrent.atomic.AtomicReference;

/**
 * The access-policy engine as the platform runs it: looks up the reader's data-use agreement when a decision needs
 * one, and records every read of gated data in the audit log as {@code hub.read.gated}, with its basis (the agreement,
 * or membership of the owning organisation) and channel (denials are audited where they are answered, with their
 * reason). Every capability reaches it through {@link AccessControl}.
 */
public final class AccessDecisions implements AccessControl {
    private final PolicyEngine engine = new PolicyEngine();
    private final AgreementStore agreements;
    private final Clock clock;
    private volatile java.util.function.Function<String, Optional<String>> exposureHolds = name -> Optional.empty();

    public AccessDecisions(AgreementStore agreements, Clock clock) {
        this.agreements = agreements;
        this.clock = clock;
    }

    public PolicyEngine engine() {
        return engine;
    }

    /** Where a deployment's exposure hold comes from: its name (ORG/NAME) to why it may not be exposed now. */
    public void exposureHolds(java.util.function.Function<String, Optional<String>> holds) {
        this.exposureHolds = holds;
    }

    @Override
    public Decision decide(Subject subject, Action action, Resource resource) {
        AtomicReference<Optional<Agreement>> looked = new AtomicReference<>();
        PolicyEngine.Context context = new PolicyEngine.Context(today(), () -> looked.updateAndGet(known ->
                known != null ? known : resource instanceof Resource.Repository repo && subject.userId().isPresent()
                        ? agreements.read(repositories -> repositories.latest(repo.id(), subject.userId().get()))
                        : Optional.empty()), () -> resource instanceof Resource.Deployment deployment
                ? exposureHolds.apply(deployment.name()) : Optional.empty());
        Decision decision = engine.decide(subject, action, resource, context);
        if (decision.gatedRead() && resource instanceof Resource.Repository repo) {
            auditGatedRead(subject, repo, decision, Optional.ofNullable(looked.get()).flatMap(found -> found)
                    .filter(agreement -> decision.agreement().isPresent()));
        }
        return decision;
    }

    private void auditGatedRead(Subject subject, Resource.Repository repo, Decision decision,
                                Optional<Agreement> agreement) {
        Map<String, String> details = new HashMap<>();
        details.put("basis", decision.reason());
        agreement.ifPresent(found -> details.put("agreement", found.id()));
        subject.purpose().flatMap(Purpose::parse).or(() -> agreement.map(Agreement::purpose))
                .ifPresent(purpose -> details.put("purpose", purpose.wire()));
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
