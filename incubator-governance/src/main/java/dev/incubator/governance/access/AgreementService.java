package dev.incubator.governance.access;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.RequestMeta;
import dev.incubator.common.Violations;
import dev.incubator.common.audit.AuditEvent;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Data-use agreements: requests with a purpose, the owner's approval with terms, denial, revocation (effective on
 * the next read). Whether the caller may request or decide, and whether an agreement lets a read through, is decided
 * by the access-policy engine ({@code policy.PolicyEngine}) before these methods are called.
 */
public final class AgreementService {
    private final AgreementStore store;
    private final Clock clock;

    public AgreementService(AgreementStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** Who acts: the user id and name, the audit actor and the request. */
    public record Actor(String userId, String userName, String actor, RequestMeta meta) {
    }

    /** The repository concerned: its id, display name and owning organisation, if any. */
    public record Subject(String repoId, String repository, Optional<String> organisationId) {
    }

    public Agreement request(Actor requester, Subject repo, String purposeText, String justification) {
        Violations violations = new Violations();
        Optional<Purpose> purpose = Purpose.parse(purposeText);
        violations.check(purpose.isPresent(), "purpose", "must be one of " + Purpose.choices());
        violations.check(justification != null && justification.strip().length() >= 20
                && justification.length() <= 4000, "justification", "must explain the use in 20 to 4000 characters");
        violations.throwIfAny();
        return store.write(repositories -> {
            Optional<Agreement> latest = repositories.latest(repo.repoId(), requester.userId());
            if (latest.isPresent() && latest.get().state() == Agreement.State.PENDING) {
                throw new IncubatorException(ErrorCode.CONFLICT, "your request " + latest.get().id() + " to '"
                        + repo.repository() + "' is already pending");
            }
            if (latest.isPresent() && latest.get().state() == Agreement.State.APPROVED && latest.get().expiresOn()
                    .map(expiry -> !today().isAfter(expiry)).orElse(true)) {
                throw new IncubatorException(ErrorCode.CONFLICT, "agreement " + latest.get().id() + " already gives "
                        + "you access to '" + repo.repository() + "'");
            }
            Agreement agreement = new Agreement(dev.incubator.common.Ids.next("dua", clock), repo.repoId(),
                    repo.repository(), requester.userId(), requester.userName(), purpose.get(), justification.strip(),
                    Agreement.State.PENDING, Set.of(), Optional.empty(), Agreement.Mode.DOWNLOAD, false,
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), clock.instant(), 1);
            repositories.insert(agreement);
            audit(repositories, requester, "access.request", agreement, repo, Map.of("purpose", purpose.get().wire()));
            return agreement;
        });
    }

    public Agreement approve(Actor owner, Subject repo, String id, List<String> purposes, LocalDate expiresOn,
                             String modeText, boolean noRedistribution, Optional<String> attribution) {
        Violations violations = new Violations();
        Set<Purpose> allowed = new java.util.HashSet<>();
        for (String text : purposes) {
            Optional<Purpose> purpose = Purpose.parse(text);
            violations.check(purpose.isPresent(), "purposes", "'" + text + "' is not one of " + Purpose.choices());
            purpose.ifPresent(allowed::add);
        }
        violations.check(expiresOn != null && !expiresOn.isBefore(today()) && !expiresOn.isAfter(today().plusYears(5)),
                "expires_on", "must be a date from today to five years ahead, e.g. " + today().plusYears(1));
        Optional<Agreement.Mode> mode = switch (modeText) {
            case "download" -> Optional.of(Agreement.Mode.DOWNLOAD);
            case "compute-only" -> Optional.of(Agreement.Mode.COMPUTE_ONLY);
            default -> Optional.empty();
        };
        violations.check(mode.isPresent(), "mode", "must be download or compute-only");
        violations.throwIfAny();
        return decide(owner, repo, id, Agreement.State.PENDING, existing -> {
            Set<Purpose> terms = allowed.isEmpty() ? Set.of(existing.purpose()) : allowed;
            if (!terms.contains(existing.purpose())) {
                throw IncubatorException.validation("purposes", "must include the requested purpose "
                        + existing.purpose().wire() + " (deny the request instead)");
            }
            return existing.decided(Agreement.State.APPROVED, terms, Optional.of(expiresOn), mode.get(),
                    noRedistribution, attribution.filter(text -> !text.isBlank()), owner.actor(), clock.instant(),
                    Optional.empty());
        }, "access.approve");
    }

    public Agreement deny(Actor owner, Subject repo, String id, String reason) {
        requireReason(reason);
        return decide(owner, repo, id, Agreement.State.PENDING, existing -> existing.decided(Agreement.State.DENIED,
                Set.of(), Optional.empty(), existing.mode(), false, Optional.empty(), owner.actor(), clock.instant(),
                Optional.of(reason.strip())), "access.deny");
    }

    public Agreement revoke(Actor owner, Subject repo, String id, String reason) {
        requireReason(reason);
        return decide(owner, repo, id, Agreement.State.APPROVED, existing -> existing.decided(Agreement.State.REVOKED,
                existing.allowedPurposes(), existing.expiresOn(), existing.mode(), existing.noRedistribution(),
                existing.attribution(), owner.actor(), clock.instant(), Optional.of(reason.strip())), "access.revoke");
    }

    private Agreement decide(Actor owner, Subject repo, String id, Agreement.State from,
                             java.util.function.Function<Agreement, Agreement> change, String action) {
        return store.write(repositories -> {
            Agreement existing = repositories.find(id).filter(agreement -> agreement.repoId().equals(repo.repoId()))
                    .orElseThrow(() -> IncubatorException.notFound("access request", id));
            if (existing.state() != from) {
                throw new IncubatorException(ErrorCode.CONFLICT, "access request " + id + " is "
                        + existing.state().name().toLowerCase(java.util.Locale.ROOT) + ", not "
                        + from.name().toLowerCase(java.util.Locale.ROOT));
            }
            Agreement changed = change.apply(existing);
            if (!repositories.update(changed)) {
                throw new IncubatorException(ErrorCode.VERSION_MISMATCH, "access request " + id + " changed meanwhile");
            }
            Map<String, String> details = new HashMap<>();
            details.put("state", changed.state().name().toLowerCase(java.util.Locale.ROOT));
            changed.reason().ifPresent(reason -> details.put("reason", reason));
            changed.expiresOn().ifPresent(expiry -> details.put("expires_on", expiry.toString()));
            details.put("mode", changed.mode().name().toLowerCase(java.util.Locale.ROOT));
            audit(repositories, owner, action, changed, repo, details);
            return changed;
        });
    }

    /** The upstream owner lets {@code downstream} (e.g. models/uni/med-llm) be published despite inherited terms. */
    public void grantLineageException(Actor owner, Subject upstream, String downstream, String reason) {
        requireReason(reason);
        if (downstream == null || !downstream.matches("(models|datasets)/[A-Za-z0-9._-]+/[A-Za-z0-9._-]+")) {
            throw IncubatorException.validation("downstream", "must name a repository as models/NAMESPACE/NAME or "
                    + "datasets/NAMESPACE/NAME");
        }
        store.write(repositories -> {
            repositories.grantException(upstream.repoId(), downstream, owner.actor(), reason.strip(), clock.instant());
            repositories.audit().append(new AuditEvent(0, clock.instant(), owner.actor(), "lineage.exception",
                    "repository", upstream.repoId(), upstream.organisationId(), owner.meta().requestId(),
                    AuditEvent.Outcome.SUCCESS, owner.meta().sourceAddress(), Map.of("downstream", downstream,
                    "repository", upstream.repository(), "reason", reason.strip())));
            return null;
        });
    }

    public java.util.Set<String> lineageExceptions(String upstreamRepoId) {
        return store.read(repositories -> repositories.exceptionsFrom(upstreamRepoId));
    }

    public Optional<Agreement> find(Subject repo, String id) {
        return store.read(repositories -> repositories.find(id)).filter(agreement -> agreement.repoId()
                .equals(repo.repoId()));
    }

    public List<Agreement> forRepository(String repoId) {
        return store.read(repositories -> repositories.forRepository(repoId));
    }

    public List<Agreement> forRequester(String userId) {
        return store.read(repositories -> repositories.forRequester(userId));
    }

    public List<AuditEvent> reads(String repoId, int limit) {
        return store.read(repositories -> repositories.reads(repoId, limit));
    }

    private LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    private static void requireReason(String reason) {
        if (reason == null || reason.isBlank() || reason.length() > 2000) {
            throw IncubatorException.validation("reason", "must say why (1 to 2000 characters)");
        }
    }

    private void audit(AgreementStore.Repositories repositories, Actor actor, String action, Agreement agreement,
                       Subject repo, Map<String, String> details) {
        Map<String, String> all = new HashMap<>(details);
        all.put("agreement", agreement.id());
        all.put("requester", agreement.requesterName());
        all.put("repository", repo.repository());
        repositories.audit().append(new AuditEvent(0, clock.instant(), actor.actor(), action, "repository",
                repo.repoId(), repo.organisationId(), actor.meta().requestId(), AuditEvent.Outcome.SUCCESS,
                actor.meta().sourceAddress(), all));
    }
}
