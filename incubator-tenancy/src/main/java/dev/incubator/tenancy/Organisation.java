package dev.incubator.tenancy;

import static java.util.Objects.requireNonNull;

import dev.incubator.tenancy.Ids.OrgId;
import dev.incubator.common.access.Roles.OrgKind;
import java.time.Instant;

/**
 * A member organisation of the incubator; {@code name} is its unique, URL-safe handle.
 * {@code defaultJobTimeLimitMinutes} applies to its jobs that state no time limit.
 */
public record Organisation(OrgId id, String name, String displayName, OrgKind kind,
                           java.util.Optional<Integer> defaultJobTimeLimitMinutes, Instant createdAt, long version) {
    public static final int MAX_JOB_TIME_LIMIT_MINUTES = 30 * 24 * 60;

    public Organisation {
        requireNonNull(defaultJobTimeLimitMinutes, "defaultJobTimeLimitMinutes is null");
        requireNonNull(id, "id is null");
        requireNonNull(name, "name is null");
        requireNonNull(displayName, "displayName is null");
        requireNonNull(kind, "kind is null");
        requireNonNull(createdAt, "createdAt is null");
    }
}
