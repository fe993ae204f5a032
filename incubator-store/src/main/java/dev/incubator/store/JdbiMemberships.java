package dev.incubator.store;

import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.tenancy.Ids.OrgId;
import dev.incubator.tenancy.Ids.UserId;
import dev.incubator.tenancy.Membership;
import dev.incubator.common.access.Roles;
import dev.incubator.common.access.Roles.OrgRole;
import dev.incubator.tenancy.port.MembershipRepository;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

final class JdbiMemberships implements MembershipRepository {
    private static final String SELECT = """
            SELECT m.org_id, m.user_id, u.name AS user_name, m.role, m.created_at, m.version
            FROM memberships m JOIN users u ON u.id = m.user_id""";
    private static final RowMapper<Membership> MAPPER = (rs, ctx) -> new Membership(new OrgId(rs.getString("org_id")),
            new UserId(rs.getString("user_id")), rs.getString("user_name"),
            Roles.parse(OrgRole.class, rs.getString("role")).orElseThrow(), Sql.instant(rs, "created_at"),
            rs.getLong("version"));

    private final Handle handle;

    JdbiMemberships(Handle handle) {
        this.handle = handle;
    }

    @Override
    public void insert(Membership membership) {
        Sql.insertUnique(() -> handle.createUpdate("""
                        INSERT INTO memberships (org_id, user_id, role, created_at, version)
                        VALUES (:orgId, :userId, :role, :createdAt, :version)""")
                .bind("orgId", membership.orgId().value())
                .bind("userId", membership.userId().value())
                .bind("role", Roles.wire(membership.role()))
                .bind("createdAt", membership.createdAt().toEpochMilli())
                .bind("version", membership.version())
                .execute(), "user '" + membership.userName() + "' is already a member; change their role instead");
    }

    @Override
    public Optional<Membership> find(OrgId orgId, UserId userId) {
        return handle.createQuery(SELECT + " WHERE m.org_id = :orgId AND m.user_id = :userId")
                .bind("orgId", orgId.value()).bind("userId", userId.value()).map(MAPPER).findOne();
    }

    @Override
    public void update(Membership updated) {
        int rows = handle.createUpdate("""
                        UPDATE memberships SET role = :role, version = :version
                        WHERE org_id = :orgId AND user_id = :userId AND version = :previous""")
                .bind("role", Roles.wire(updated.role()))
                .bind("version", updated.version())
                .bind("orgId", updated.orgId().value())
                .bind("userId", updated.userId().value())
                .bind("previous", updated.version() - 1)
                .execute();
        Sql.requireOneRow(rows, "membership of '" + updated.userName() + "'");
    }

    @Override
    public boolean delete(OrgId orgId, UserId userId) {
        return handle.createUpdate("DELETE FROM memberships WHERE org_id = :orgId AND user_id = :userId")
                .bind("orgId", orgId.value()).bind("userId", userId.value()).execute() == 1;
    }

    @Override
    public Page<Membership> listByOrg(OrgId orgId, PageRequest page) {
        return Paging.page(handle, SELECT + " WHERE m.org_id = :orgId", "m.user_id", false, page,
                query -> query.bind("orgId", orgId.value()), MAPPER, membership -> membership.userId().value());
    }

    @Override
    public List<Membership> listByUser(UserId userId) {
        return handle.createQuery(SELECT + " WHERE m.user_id = :userId ORDER BY m.org_id")
                .bind("userId", userId.value()).map(MAPPER).list();
    }

    @Override
    public long countWithRole(OrgId orgId, OrgRole role) {
        return handle.createQuery("SELECT COUNT(*) FROM memberships WHERE org_id = :orgId AND role = :role")
                .bind("orgId", orgId.value()).bind("role", Roles.wire(role)).mapTo(Long.class).one();
    }
}
