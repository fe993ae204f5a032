package dev.incubator.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incubator.common.ErrorCode;
import dev.incubator.tenancy.AccessPolicy.Action;
import dev.incubator.tenancy.AccessPolicy.Decision;
import dev.incubator.tenancy.Ids.OrgId;
import dev.incubator.tenancy.Ids.TokenId;
import dev.incubator.tenancy.Ids.UserId;
import dev.incubator.tenancy.Roles.OrgKind;
import dev.incubator.tenancy.Roles.OrgRole;
import dev.incubator.tenancy.Roles.PlatformRole;
import dev.incubator.tenancy.Roles.Scope;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {
    private static final Organisation LAB = new Organisation(new OrgId("org_lab"), "lab", "Lab", OrgKind.LAB,
            Optional.empty(), Instant.EPOCH, 1);
    private final AccessPolicy policy = new AccessPolicy();

    @Test
    void aStrangerCanNotLearnThatAnOrganisationExists() {
        Decision decision = policy.decide(principal().build(), Action.ORG_READ, Optional.of(LAB));
        assertThat(decision.denial()).contains(ErrorCode.NOT_FOUND);
        assertThat(decision.reason()).isEqualTo("organisation 'lab' not found");
    }

    @Test
    void aMemberBelowTheNeededRoleIsForbiddenAndToldWhichRoleItTakes() {
        Decision decision = policy.decide(principal().role(OrgRole.MEMBER).build(), Action.ORG_UPDATE, Optional.of(LAB));
        assertThat(decision.denial()).contains(ErrorCode.FORBIDDEN);
        assertThat(decision.reason()).contains("'admin' or higher");
    }

    @Test
    void rolesAboveTheMinimumAreAllowed() {
        assertThat(policy.decide(principal().role(OrgRole.OWNER).build(), Action.MEMBER_MANAGE, Optional.of(LAB))
                .allowed()).isTrue();
    }

    @Test
    void anAuditorReadsEverythingButChangesNothing() {
        Principal auditor = principal().platform(PlatformRole.AUDITOR).build();
        assertThat(policy.decide(auditor, Action.GRANT_READ, Optional.of(LAB)).allowed()).isTrue();
        assertThat(policy.decide(auditor, Action.GRANT_MANAGE, Optional.of(LAB)).denial()).contains(ErrorCode.FORBIDDEN);
    }

    @Test
    void aTokenNeverExceedsItsScopesWhateverTheRole() {
        Principal operator = principal().platform(PlatformRole.OPERATOR).scopes(Scope.READ).build();
        Decision decision = policy.decide(operator, Action.GRANT_MANAGE, Optional.of(LAB));
        assertThat(decision.denial()).contains(ErrorCode.INSUFFICIENT_SCOPE);
        assertThat(decision.reason()).contains("'admin' scope");
    }

    @Test
    void scopeProblemsOnInvisibleOrganisationsStillAnswerNotFound() {
        Principal stranger = principal().scopes(Scope.READ).build();
        assertThat(policy.decide(stranger, Action.ORG_UPDATE, Optional.of(LAB)).denial()).contains(ErrorCode.NOT_FOUND);
    }

    private static PrincipalBuilder principal() {
        return new PrincipalBuilder();
    }

    /** Builds principals for scenarios: {@code principal().role(ADMIN).scopes(READ).build()}. */
    static final class PrincipalBuilder {
        private final Set<PlatformRole> platform = EnumSet.noneOf(PlatformRole.class);
        private final Map<OrgId, OrgRole> roles = new HashMap<>();
        private Set<Scope> scopes = EnumSet.allOf(Scope.class);

        PrincipalBuilder platform(PlatformRole role) {
            platform.add(role);
            return this;
        }

        PrincipalBuilder role(OrgRole role) {
            roles.put(LAB.id(), role);
            return this;
        }

        PrincipalBuilder scopes(Scope... granted) {
            scopes = Set.of(granted);
            return this;
        }

        Principal build() {
            User user = new User(new UserId("usr_1"), "ada", "Ada", "ada@example.org", platform, Instant.EPOCH, 1);
            ApiToken token = new ApiToken(new TokenId("tok_1"), user.id(), "t", "hash", scopes, Instant.EPOCH,
                    Optional.empty(), Optional.empty(), Optional.empty());
            return new Principal(user, token, scopes, roles);
        }
    }
}
