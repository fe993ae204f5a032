package dev.incubator.store;

import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.tenancy.Ids.OrgId;
import dev.incubator.tenancy.Ids.UserId;
import dev.incubator.tenancy.Organisation;
import dev.incubator.common.access.Roles;
import dev.incubator.common.access.Roles.OrgKind;
import dev.incubator.tenancy.port.OrganisationRepository;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

final class JdbiOrganisations implements OrganisationRepository {
    private static final String COLUMNS =
            "o.id, o.name, o.display_name, o.kind, o.default_job_time_limit_minutes, o.created_at, o.version";
    private static final RowMapper<Organisation> MAPPER = (rs, ctx) -> new Organisation(new OrgId(rs.getString("id")),
            rs.getString("name"), rs.getString("display_name"),
            Roles.parse(OrgKind.class, rs.getString("kind")).orElseThrow(), timeLimit(rs), Sql.instant(rs, "created_at"),
            rs.getLong("version"));

    private static java.util.Optional<Integer> timeLimit(java.sql.ResultSet rs) throws java.sql.SQLException {
        int minutes = rs.getInt("default_job_time_limit_minutes");
        return rs.wasNull() ? java.util.Optional.empty() : java.util.Optional.of(minutes);
    }

    private final Handle handle;

    JdbiOrganisations(Handle handle) {
        this.handle = handle;
    }

    @Override
    public void insert(Organisation organisation) {
        Sql.insertUnique(() -> handle.createUpdate("""
                        INSERT INTO organisations (id, name, display_name, kind, created_at, version)
                        VALUES (:id, :name, :displayName, :kind, :createdAt, :version)""")
                .bind("id", organisation.id().value())
                .bind("name", organisation.name())
                .bind("displayName", organisation.displayName())
                .bind("kind", Roles.wire(organisation.kind()))
                .bind("createdAt", organisation.createdAt().toEpochMilli())
                .bind("version", organisation.version())
                .execute(), "an organisation named '" + organisation.name() + "' already exists; choose another name");
    }

    @Override
    public Optional<Organisation> findById(OrgId id) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM organisations o WHERE o.id = :id")
                .bind("id", id.value()).map(MAPPER).findOne();
    }

    @Override
    public Optional<Organisation> findByName(String name) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM organisations o WHERE o.name = :name")
                .bind("name", name).map(MAPPER).findOne();
    }

    @Override
    public void update(Organisation updated) {
        int rows = handle.createUpdate("""
                        UPDATE organisations SET display_name = :displayName,
                            default_job_time_limit_minutes = :timeLimit, version = :version
                        WHERE id = :id AND version = :previous""")
                .bind("displayName", updated.displayName())
                .bind("timeLimit", updated.defaultJobTimeLimitMinutes().orElse(null))
                .bind("version", updated.version())
                .bind("id", updated.id().value())
                .bind("previous", updated.version() - 1)
                .execute();
        Sql.requireOneRow(rows, "organisation '" + updated.name() + "'");
    }

    @Override
    public Page<Organisation> list(PageRequest page) {
        return Paging.page(handle, "SELECT " + COLUMNS + " FROM organisations o WHERE 1 = 1", "o.id", false, page,
                query -> query, MAPPER, organisation -> organisation.id().value());
    }

    @Override
    public Page<Organisation> listForMember(UserId userId, PageRequest page) {
        return Paging.page(handle, "SELECT " + COLUMNS
                        + " FROM organisations o JOIN memberships m ON m.org_id = o.id WHERE m.user_id = :userId",
                "o.id", false, page, query -> query.bind("userId", userId.value()), MAPPER,
                organisation -> organisation.id().value());
    }
}
