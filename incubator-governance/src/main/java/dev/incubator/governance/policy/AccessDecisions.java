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
    private volatile java.util.function.BiFunction<String, Resource.Repository,
            dev.incubator.governance.review.SensitiveUse> sensitiveUses = (org, repo) ->
            new dev.incubator.governance.review.SensitiveUse(false, repo.name() + " holds sensitive data and this"
                    + " platform has no ethical review to clear training on it", Optional.empty(), Optional.empty());

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

    /**
     * Whether a job of an organisation (by id) may train on a dataset marked sensitive: its applications' reviews
     * decide.
     */
    public void sensitiveUses(java.util.function.BiFunction<String, Resource.Repository,
            dev.incubator.governance.review.SensitiveUse> uses) {
        this.sensitiveUses = uses;
    }

    @Override
    public Decision decide(Subject subject, Action action, Resource resource) {
        AtomicReference<Optional<Agreement>> looked = new AtomicReference<>();
        AtomicReference<dev.incubator.governance.review.SensitiveUse> use = new AtomicReference<>();
        PolicyEngine.Context context = new PolicyEngine.Context(today(), () -> looked.updateAndGet(known ->
                known != null ? known : resource instanceof Resource.Repository repo && subject.userId().isPresent()
                        ? agreements.read(repositories -> repositories.latest(repo.id(), subject.userId().get()))
                        : Optional.empty()), () -> resource instanceof Resource.Deployment deployment
                ? exposureHolds.apply(deployment.name()) : Optional.empty(), () -> {
                    if (!(resource instanceof Resource.Repository repo)) {
                        return Optional.empty();
                    }
                    if (subject.jobOrganisation().isEmpty()) {
                        return Optional.of(repo.name() + " holds sensitive data: only a job of an organisation with"
                                + " an approved ethical review may train on it");
                    }
                    var found = use.updateAndGet(known -> known != null ? known : sensitiveUses.apply(
                            subject.jobOrganisation().get(), repo));
                    return found.cleared() ? Optional.empty() : Optional.of(found.reason());
                });
        Decision decision = engine.decide(subject, action, resource, context);
        if (decision.gatedRead() && resource instanceof Resource.Repository repo) {
            auditGatedRead(subject, repo, decision, Optional.ofNullable(looked.get()).flatMap(found -> found)
                    .filter(agreement -> decision.agreement().isPresent()));
        }
        if (decision.allowed() && use.get() != null && use.get().cleared()
                && resource instanceof Resource.Repository repo) {
            auditSensitiveRead(subject, repo, use.get());
        }
        return decision;
    }

    /** A job's read of sensitive data, with the review that clears it: {@code hub.read.sensitive}. */
    private void auditSensitiveRead(Subject subject, Resource.Repository repo,
                                    dev.incubator.governance.review.SensitiveUse use) {
        Map<String, String> details = new HashMap<>();
        details.put("repository", repo.name());
        details.put("basis", use.reason());
        use.application().ifPresent(name -> details.put("application", name));
        use.review().ifPresent(id -> details.put("review", id));
        subject.job().ifPresent(job -> details.put("job", job));
        details.put("sensitive", String.join(",", repo.sensitive().stream()
                .map(dev.incubator.common.access.Sensitivity::wire).sorted().toList()));
        agreements.write(repositories -> repositories.audit().append(new AuditEvent(0, clock.instant(),
                subject.actor(), "hub.read.sensitive", "repository", repo.id(), subject.jobOrganisation(),
                subject.meta().requestId(), AuditEvent.Outcome.SUCCESS, subject.meta().sourceAddress(), details)));
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
