package dev.incubator.tenancy;

import static java.util.Objects.requireNonNull;

import dev.incubator.tenancy.Ids.UserId;
import dev.incubator.common.access.Roles.PlatformRole;
import java.time.Instant;
import java.util.Set;

/**
 * A person (or service account) who holds API tokens and organisation memberships; {@code disabledAt}, when set, is
 * when an operator disabled the account: its tokens and its jobs' credentials stop working.
 */
public record User(UserId id, String name, String displayName, String email, Set<PlatformRole> platformRoles,
                   Instant createdAt, long version, java.util.Optional<Instant> disabledAt) {
    public User(UserId id, String name, String displayName, String email, Set<PlatformRole> platformRoles,
                Instant createdAt, long version) {
        this(id, name, displayName, email, platformRoles, createdAt, version, java.util.Optional.empty());
    }

    public User {
        requireNonNull(disabledAt, "disabledAt is null");
        requireNonNull(id, "id is null");
        requireNonNull(name, "name is null");
        requireNonNull(displayName, "displayName is null");
        requireNonNull(email, "email is null");
        platformRoles = Set.copyOf(platformRoles);
        requireNonNull(createdAt, "createdAt is null");
    }

    public boolean hasPlatformRole(PlatformRole role) {
        return platformRoles.contains(role);
    }
}
