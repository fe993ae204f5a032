package dev.incubator.tenancy;

import static java.util.Objects.requireNonNull;

import dev.incubator.tenancy.Ids.OrgId;
import dev.incubator.tenancy.Roles.OrgRole;
import dev.incubator.tenancy.Roles.Scope;
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

    /** The actor recorded in audit events. */
    public String actor() {
        return "user:" + user.name();
    }
}
