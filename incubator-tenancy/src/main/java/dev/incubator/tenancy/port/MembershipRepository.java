package dev.incubator.tenancy.port;

import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.tenancy.Ids.OrgId;
import dev.incubator.tenancy.Ids.UserId;
import dev.incubator.tenancy.Membership;
import dev.incubator.common.access.Roles.OrgRole;
import java.util.List;
import java.util.Optional;

public interface MembershipRepository {
    /** Fails with {@code ALREADY_EXISTS} when the user is already a member. */
    void insert(Membership membership);

    Optional<Membership> find(OrgId orgId, UserId userId);

    /** Optimistic update; MUST change exactly one row, else {@code VERSION_MISMATCH}. */
    void update(Membership updated);

    /** Removes the membership; returns false when there was none. */
    boolean delete(OrgId orgId, UserId userId);

    /** Memberships of an organisation, ordered by user id. */
    Page<Membership> listByOrg(OrgId orgId, PageRequest page);

    List<Membership> listByUser(UserId userId);

    long countWithRole(OrgId orgId, OrgRole role);
}
