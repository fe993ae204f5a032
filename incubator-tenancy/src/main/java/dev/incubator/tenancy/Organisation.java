package dev.incubator.tenancy;

import static java.util.Objects.requireNonNull;

import dev.incubator.tenancy.Ids.OrgId;
import dev.incubator.tenancy.Roles.OrgKind;
import java.time.Instant;

/** A member organisation of the incubator; {@code name} is its unique, URL-safe handle. */
public record Organisation(OrgId id, String name, String displayName, OrgKind kind, Instant createdAt, long version) {
    public Organisation {
        requireNonNull(id, "id is null");
        requireNonNull(name, "name is null");
        requireNonNull(displayName, "displayName is null");
        requireNonNull(kind, "kind is null");
        requireNonNull(createdAt, "createdAt is null");
    }
}
