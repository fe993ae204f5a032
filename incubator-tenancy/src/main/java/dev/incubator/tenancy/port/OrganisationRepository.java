package dev.incubator.tenancy.port;

import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.tenancy.Ids.OrgId;
import dev.incubator.tenancy.Ids.UserId;
import dev.incubator.tenancy.Organisation;
import java.util.Optional;

public interface OrganisationRepository {
    /** Inserts a new organisation; fails with {@code ALREADY_EXISTS} when the name is taken. */
    void insert(Organisation organisation);

    Optional<Organisation> findById(OrgId id);

    Optional<Organisation> findByName(String name);

    /**
     * Stores {@code updated} if the stored version still equals {@code updated.version() - 1}; MUST change
     * exactly one row, else fails with {@code VERSION_MISMATCH}.
     */
    void update(Organisation updated);

    Page<Organisation> list(PageRequest page);

    /** Organisations in which the user holds a membership. */
    Page<Organisation> listForMember(UserId userId, PageRequest page);
}
