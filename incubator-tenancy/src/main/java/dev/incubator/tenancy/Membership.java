package dev.incubator.tenancy;

import static java.util.Objects.requireNonNull;

import dev.incubator.tenancy.Ids.OrgId;
import dev.incubator.tenancy.Ids.UserId;
import dev.incubator.common.access.Roles.OrgRole;
import java.time.Instant;

/** A user's role in one organisation. */
public record Membership(OrgId orgId, UserId userId, String userName, OrgRole role, Instant createdAt, long version) {
    public Membership {
        requireNonNull(orgId, "orgId is null");
        requireNonNull(userId, "userId is null");
        requireNonNull(userName, "userName is null");
        requireNonNull(role, "role is null");
        requireNonNull(createdAt, "createdAt is null");
    }
}
