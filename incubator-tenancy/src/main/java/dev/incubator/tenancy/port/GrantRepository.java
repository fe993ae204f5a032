package dev.incubator.tenancy.port;

import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.tenancy.Grant;
import dev.incubator.tenancy.Ids.GrantId;
import dev.incubator.tenancy.Ids.OrgId;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

public interface GrantRepository {
    void insert(Grant grant);

    Optional<Grant> findById(GrantId id);

    Page<Grant> listByOrg(OrgId orgId, PageRequest page);

    /** Optimistic update; MUST change exactly one row, else {@code VERSION_MISMATCH}. */
    void update(Grant updated);

    /** Grants in effect on {@code day} (started, not ended, not expired), in id order. */
    List<Grant> listInEffect(LocalDate day);

    /** Grants whose last day is before {@code day} and that are not marked expired yet. */
    List<Grant> listEndedWithoutExpiry(LocalDate day);

    /** Marks the grant as processed by expiry, so it is not expired twice. */
    void markExpired(GrantId id, java.time.Instant at);
}
