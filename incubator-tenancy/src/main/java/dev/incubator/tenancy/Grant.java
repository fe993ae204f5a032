package dev.incubator.tenancy;

import static java.util.Objects.requireNonNull;

import dev.incubator.tenancy.Ids.GrantId;
import dev.incubator.tenancy.Ids.OrgId;
import java.time.Instant;
import java.time.LocalDate;

/**
 * A compute grant awarded to an organisation under a programme. The GPU-hours it carries are not stored
 * here: they are the sum of the grant's ledger entries, so the balance can never disagree with the ledger.
 * {@code guaranteedGpus} is the quota the scheduler honours while the grant is active.
 */
public record Grant(GrantId id, OrgId orgId, String programme, LocalDate startsOn, LocalDate endsOn,
                    int guaranteedGpus, Instant createdAt, String createdBy, long version) {
    /** GPU type key meaning "usable on any GPU type". */
    public static final String ANY_GPU_TYPE = "any";

    public Grant {
        requireNonNull(id, "id is null");
        requireNonNull(orgId, "orgId is null");
        requireNonNull(programme, "programme is null");
        requireNonNull(startsOn, "startsOn is null");
        requireNonNull(endsOn, "endsOn is null");
        requireNonNull(createdAt, "createdAt is null");
        requireNonNull(createdBy, "createdBy is null");
    }

    /** Active on every day from {@code startsOn} to {@code endsOn}, both inclusive. */
    public boolean isActiveOn(LocalDate day) {
        return !day.isBefore(startsOn) && !day.isAfter(endsOn);
    }
}
