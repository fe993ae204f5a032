package dev.incubator.server.api;

import dev.incubator.hub.repo.HubCaller;
import dev.incubator.tenancy.Principal;
import dev.incubator.tenancy.Roles.PlatformRole;
import dev.incubator.tenancy.Roles.Scope;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The hub's view of a caller, from the tenancy principal (or anonymous). */
final class HubCallers {
    private HubCallers() {
    }

    static HubCaller of(Call call) {
        Optional<Principal> principal = call.optionalPrincipal();
        if (principal.isEmpty()) {
            return HubCaller.anonymous(call.requestMeta());
        }
        Principal who = principal.get();
        Map<String, HubCaller.Level> organisations = new HashMap<>();
        who.memberships().forEach((org, role) -> organisations.put(org.value(), switch (role) {
            case VIEWER -> HubCaller.Level.VIEWER;
            case MEMBER -> HubCaller.Level.MEMBER;
            case ADMIN, OWNER -> HubCaller.Level.ADMIN;
        }));
        boolean readsAll = who.user().platformRoles().stream().anyMatch(role -> role == PlatformRole.OPERATOR
                || role == PlatformRole.AUDITOR || role == PlatformRole.REVIEWER);
        boolean operator = who.user().hasPlatformRole(PlatformRole.OPERATOR);
        return new HubCaller(Optional.of(who.user().id().value()), who.actor(), organisations, readsAll, operator,
                who.scopes().contains(Scope.WRITE), call.requestMeta(),
                Optional.ofNullable(call.context().header("X-Incubator-Purpose")).filter(value -> !value.isBlank()),
                Optional.ofNullable(call.context().<String>attribute(Call.VIA_JOB)));
    }

}
