package dev.incubator.tenancy;

import static dev.incubator.tenancy.Roles.PlatformRole.AUDITOR;
import static dev.incubator.tenancy.Roles.PlatformRole.OPERATOR;
import static dev.incubator.tenancy.Roles.PlatformRole.REVIEWER;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.tenancy.Roles.OrgRole;
import dev.incubator.tenancy.Roles.PlatformRole;
import dev.incubator.tenancy.Roles.Scope;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The one place where tenancy access is decided. Pure: a principal, an action and the organisation it
 * touches in, a decision out.
 *
 * <p>Guarantees: an organisation the caller can not see answers {@code NOT_FOUND}, exactly as one that does
 * not exist, so existence never leaks across tenants; a visible resource the caller may not change answers
 * {@code FORBIDDEN}; a token never does more than its scopes allow, whatever its user's roles.
 */
public final class AccessPolicy {

    /** Everything a caller can ask to do, with the token scope, organisation role and platform roles it needs. */
    public enum Action {
        WHOAMI(Scope.READ, Audience.ANY_USER, null),
        OWN_TOKENS_READ(Scope.READ, Audience.ANY_USER, null),
        OWN_TOKENS_MANAGE(Scope.WRITE, Audience.ANY_USER, null),
        ORG_CREATE(Scope.ADMIN, Audience.PLATFORM, null, OPERATOR),
        ORG_READ(Scope.READ, Audience.ORGANISATION, OrgRole.VIEWER, OPERATOR, AUDITOR, REVIEWER),
        ORG_UPDATE(Scope.ADMIN, Audience.ORGANISATION, OrgRole.ADMIN, OPERATOR),
        MEMBER_READ(Scope.READ, Audience.ORGANISATION, OrgRole.VIEWER, OPERATOR, AUDITOR),
        MEMBER_MANAGE(Scope.ADMIN, Audience.ORGANISATION, OrgRole.ADMIN, OPERATOR),
        /** Granting, changing or removing the owner role. */
        OWNER_MANAGE(Scope.ADMIN, Audience.ORGANISATION, OrgRole.OWNER, OPERATOR),
        GRANT_READ(Scope.READ, Audience.ORGANISATION, OrgRole.VIEWER, OPERATOR, AUDITOR),
        GRANT_MANAGE(Scope.ADMIN, Audience.ORGANISATION, null, OPERATOR),
        ORG_AUDIT_READ(Scope.READ, Audience.ORGANISATION, OrgRole.ADMIN, OPERATOR, AUDITOR),
        USER_CREATE(Scope.ADMIN, Audience.PLATFORM, null, OPERATOR),
        USER_READ(Scope.READ, Audience.PLATFORM, null, OPERATOR, AUDITOR),
        USER_TOKEN_ISSUE(Scope.ADMIN, Audience.PLATFORM, null, OPERATOR),
        AUDIT_READ(Scope.READ, Audience.PLATFORM, null, OPERATOR, AUDITOR),
        JOB_READ(Scope.READ, Audience.ORGANISATION, OrgRole.VIEWER, OPERATOR, AUDITOR),
        JOB_SUBMIT(Scope.WRITE, Audience.ORGANISATION, OrgRole.MEMBER, OPERATOR),
        JOB_CANCEL(Scope.WRITE, Audience.ORGANISATION, OrgRole.MEMBER, OPERATOR),
        CLUSTER_READ(Scope.READ, Audience.ANY_USER, null);

        private final Scope scope;
        private final Audience audience;
        private final OrgRole minimumOrgRole;
        private final Set<PlatformRole> platformRoles;

        Action(Scope scope, Audience audience, OrgRole minimumOrgRole, PlatformRole... platformRoles) {
            this.scope = scope;
            this.audience = audience;
            this.minimumOrgRole = minimumOrgRole;
            this.platformRoles = platformRoles.length == 0 ? EnumSet.noneOf(PlatformRole.class)
                    : EnumSet.of(platformRoles[0], platformRoles);
        }

        public Scope scope() {
            return scope;
        }

        public Audience audience() {
            return audience;
        }

        public Optional<OrgRole> minimumOrgRole() {
            return Optional.ofNullable(minimumOrgRole);
        }

        public Set<PlatformRole> platformRoles() {
            return Set.copyOf(platformRoles);
        }
    }

    /** Whom an action concerns: any signed-in user about themselves, the platform, or one organisation. */
    public enum Audience { ANY_USER, PLATFORM, ORGANISATION }

    /** Platform roles that may see every organisation (read-only unless an action says more). */
    private static final Set<PlatformRole> SEES_ALL_ORGANISATIONS = EnumSet.of(OPERATOR, AUDITOR, REVIEWER);

    public record Decision(boolean allowed, Optional<ErrorCode> denial, String reason) {
        static Decision allow(String reason) {
            return new Decision(true, Optional.empty(), reason);
        }

        static Decision deny(ErrorCode code, String reason) {
            return new Decision(false, Optional.of(code), reason);
        }
    }

    /**
     * Decides whether {@code principal} may perform {@code action}. For organisation actions {@code organisation}
     * is the target, or empty when it does not exist (which is answered exactly like an invisible one).
     */
    public Decision decide(Principal principal, Action action, Optional<Organisation> organisation) {
        String orgName = organisation.map(Organisation::name).orElse("");
        if (action.audience == Audience.ORGANISATION) {
            if (organisation.isEmpty() || !canSee(principal, organisation.get())) {
                return Decision.deny(ErrorCode.NOT_FOUND, "organisation '" + orgName + "' not found");
            }
        }
        if (!principal.scopes().contains(action.scope)) {
            return Decision.deny(ErrorCode.INSUFFICIENT_SCOPE, "this token lacks the '" + Roles.wire(action.scope)
                    + "' scope; create a token with that scope to " + describe(action));
        }
        if (action.audience == Audience.ANY_USER) {
            return Decision.allow("any signed-in user");
        }
        for (PlatformRole role : principal.user().platformRoles()) {
            if (action.platformRoles.contains(role)) {
                return Decision.allow("platform role " + Roles.wire(role));
            }
        }
        if (action.audience == Audience.ORGANISATION && action.minimumOrgRole != null) {
            Optional<OrgRole> role = principal.roleIn(organisation.get().id());
            if (role.isPresent() && role.get().atLeast(action.minimumOrgRole)) {
                return Decision.allow("role " + Roles.wire(role.get()) + " in " + orgName);
            }
            return Decision.deny(ErrorCode.FORBIDDEN, describe(action) + " needs the role '"
                    + Roles.wire(action.minimumOrgRole) + "' or higher in organisation '" + orgName + "'");
        }
        return Decision.deny(ErrorCode.FORBIDDEN, describe(action) + " needs the platform role "
                + String.join(" or ", action.platformRoles.stream().map(Roles::wire).sorted().toList()));
    }

    /** Throws the decision's error when it denies. */
    public void check(Principal principal, Action action, Optional<Organisation> organisation) {
        Decision decision = decide(principal, action, organisation);
        if (!decision.allowed()) {
            throw new IncubatorException(decision.denial().orElseThrow(), decision.reason());
        }
    }

    /** True when the principal may learn that the organisation exists. */
    public boolean canSee(Principal principal, Organisation organisation) {
        return principal.roleIn(organisation.id()).isPresent() || seesAllOrganisations(principal);
    }

    public boolean seesAllOrganisations(Principal principal) {
        return principal.user().platformRoles().stream().anyMatch(SEES_ALL_ORGANISATIONS::contains);
    }

    private static String describe(Action action) {
        return action.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    }
}
