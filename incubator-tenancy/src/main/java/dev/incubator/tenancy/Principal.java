package dev.incubator.tenancy;

import static java.util.Objects.requireNonNull;

import dev.incubator.tenancy.Ids.OrgId;
import dev.incubator.common.access.Roles.OrgRole;
import dev.incubator.common.access.Roles.Scope;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** An authenticated caller: the user, the token used, its scopes and the user's organisation roles. */
public record Principal(User user, ApiToken token, Set<Scope> scopes, Map<OrgId, OrgRole> memberships) {
    public Principal {
        requireNonNull(user, "user is null");
        requireNonNull(token, "token is null");
        scopes = Set.copyOf(scopes);
        memberships = Map.copyOf(memberships);
    }

    public Optional<OrgRole> roleIn(OrgId orgId) {
        return Optional.ofNullable(memberships.get(orgId));
    }

    /** The principal as access decisions see it, in a request. */
    public dev.incubator.common.access.Subject subject(dev.incubator.common.RequestMeta meta) {
        Map<String, OrgRole> roles = new java.util.HashMap<>();
        memberships.forEach((org, role) -> roles.put(org.value(), role));
        return dev.incubator.common.access.Subject.user(user.id().value(), actor(), user.platformRoles(), roles, scopes,
                meta);
    }

    /** The actor recorded in audit events. */
    public String actor() {
        return "user:" + user.name();
    }
}
