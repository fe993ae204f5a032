package dev.incubator.server.api;

import dev.incubator.common.Page;
import dev.incubator.common.audit.AuditEvent;
import dev.incubator.tenancy.ApiToken;
import dev.incubator.tenancy.GrantStatus;
import dev.incubator.tenancy.LedgerEntry;
import dev.incubator.tenancy.Membership;
import dev.incubator.tenancy.Organisation;
import dev.incubator.tenancy.Principal;
import dev.incubator.common.access.Roles;
import dev.incubator.tenancy.TenancyService.IssuedToken;
import dev.incubator.tenancy.User;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The JSON shapes the API returns. Secrets appear only in {@link IssuedTokenView}, once. */
public final class Views {
    private Views() {
    }

    public record PageView<T>(List<T> items, Optional<String> nextCursor) {
        public static <S, T> PageView<T> of(Page<S> page, java.util.function.Function<S, T> view) {
            return new PageView<>(page.items().stream().map(view).toList(), page.nextCursor());
        }
    }

    public record OrganisationView(String id, String name, String displayName, Roles.OrgKind kind,
                                   Optional<Integer> defaultJobTimeLimitMinutes, Instant createdAt, long version)
            implements Versioned {
        public static OrganisationView of(Organisation organisation) {
            return new OrganisationView(organisation.id().value(), organisation.name(), organisation.displayName(),
                    organisation.kind(), organisation.defaultJobTimeLimitMinutes(), organisation.createdAt(),
                    organisation.version());
        }
    }

    public record UserView(String id, String name, String displayName, String email, List<Roles.PlatformRole> platformRoles,
                           Instant createdAt, Optional<Instant> disabledAt) {
        public static UserView of(User user) {
            return new UserView(user.id().value(), user.name(), user.displayName(), user.email(),
                    user.platformRoles().stream().sorted().toList(), user.createdAt(), user.disabledAt());
        }
    }

    public record MembershipView(String organisationId, String user, Roles.OrgRole role, Instant createdAt, long version)
            implements Versioned {
        public static MembershipView of(Membership membership) {
            return new MembershipView(membership.orgId().value(), membership.userName(), membership.role(),
                    membership.createdAt(), membership.version());
        }
    }

    public record TokenView(String id, String name, List<Roles.Scope> scopes, Instant createdAt,
                            Optional<Instant> expiresAt, Optional<Instant> revokedAt, Optional<Instant> lastUsedAt) {
        public static TokenView of(ApiToken token) {
            return new TokenView(token.id().value(), token.name(), token.scopes().stream().sorted().toList(),
                    token.createdAt(), token.expiresAt(), token.revokedAt(), token.lastUsedAt());
        }
    }

    /** The only response that carries a token secret; it is not stored and can not be shown again. */
    public record IssuedTokenView(TokenView token, String user, String secret) {
        public static IssuedTokenView of(IssuedToken issued, String user) {
            return new IssuedTokenView(TokenView.of(issued.token()), user, issued.secret());
        }
    }

    public record WhoAmIView(UserView user, TokenView token, List<Roles.Scope> scopes, Map<String, Roles.OrgRole> memberships) {
        public static WhoAmIView of(Principal principal, Map<String, Roles.OrgRole> membershipsByOrgName) {
            return new WhoAmIView(UserView.of(principal.user()), TokenView.of(principal.token()),
                    principal.scopes().stream().sorted().toList(), new TreeMap<>(membershipsByOrgName));
        }
    }

    public record GrantView(String id, String organisationId, String programme, LocalDate startsOn, LocalDate endsOn,
                            int guaranteedGpus, GrantStatus.State state, BigDecimal awardedGpuHours,
                            BigDecimal adjustmentGpuHours, BigDecimal usedGpuHours, BigDecimal expiredGpuHours,
                            BigDecimal balanceGpuHours, Map<String, BigDecimal> balanceByGpuType, BigDecimal usedPercent,
                            BigDecimal burnRateGpuHoursPerDay, Optional<LocalDate> projectedExhaustion,
                            boolean expiresBeforeExhaustion, List<Integer> thresholdsCrossed, Instant createdAt,
                            String createdBy, long version, List<String> warnings) implements Versioned {
        public GrantView withWarnings(List<String> newWarnings) {
            return new GrantView(id, organisationId, programme, startsOn, endsOn, guaranteedGpus, state,
                    awardedGpuHours, adjustmentGpuHours, usedGpuHours, expiredGpuHours, balanceGpuHours,
                    balanceByGpuType, usedPercent, burnRateGpuHoursPerDay, projectedExhaustion, expiresBeforeExhaustion,
                    thresholdsCrossed, createdAt, createdBy, version, List.copyOf(newWarnings));
        }

        public static GrantView of(GrantStatus status) {
            Map<String, BigDecimal> byType = new TreeMap<>();
            status.balanceByGpuType().forEach((type, hours) -> byType.put(type, hours.toBigDecimal()));
            return new GrantView(status.grant().id().value(), status.grant().orgId().value(), status.grant().programme(),
                    status.grant().startsOn(), status.grant().endsOn(), status.grant().guaranteedGpus(), status.state(),
                    status.awarded().toBigDecimal(), status.adjustments().toBigDecimal(), status.used().toBigDecimal(),
                    status.expired().toBigDecimal(), status.balance().toBigDecimal(), byType, status.usedPercent(),
                    status.burnRatePerDay().toBigDecimal(), status.projectedExhaustion(),
                    status.expiresBeforeExhaustion(), status.thresholdsCrossed(), status.grant().createdAt(),
                    status.grant().createdBy(), status.grant().version(), List.of());
        }
    }

    public record LedgerEntryView(long sequence, LedgerEntry.Kind kind, String gpuType, BigDecimal gpuHours,
                                  Instant occurredAt, Optional<String> reference, Optional<String> note, String actor) {
        public static LedgerEntryView of(LedgerEntry entry) {
            return new LedgerEntryView(entry.sequence(), entry.kind(), entry.gpuType(), entry.amount().toBigDecimal(),
                    entry.occurredAt(), entry.reference(), entry.note(), entry.actor());
        }
    }

    public record AuditEventView(long sequence, Instant time, String actor, String action, String targetType,
                                 String targetId, Optional<String> organisationId, String requestId,
                                 AuditEvent.Outcome outcome, String sourceAddress, Map<String, String> details) {
        public static AuditEventView of(AuditEvent event) {
            return new AuditEventView(event.sequence(), event.time(), event.actor(), event.action(), event.targetType(),
                    event.targetId(), event.organisationId(), event.requestId(), event.outcome(), event.sourceAddress(),
                    new TreeMap<>(event.details()));
        }
    }

    public record HealthView(String status, Map<String, String> checks) {
    }

}
