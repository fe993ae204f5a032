package dev.incubator.store;

import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.tenancy.Grant;
import dev.incubator.tenancy.Ids.GrantId;
import dev.incubator.tenancy.Ids.OrgId;
import dev.incubator.tenancy.port.GrantRepository;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

final class JdbiGrants implements GrantRepository {
    private static final String COLUMNS =
            "id, org_id, programme, starts_on, ends_on, guaranteed_gpus, created_at, created_by, version";
    private static final RowMapper<Grant> MAPPER = (rs, ctx) -> new Grant(new GrantId(rs.getString("id")),
            new OrgId(rs.getString("org_id")), rs.getString("programme"), LocalDate.parse(rs.getString("starts_on")),
            LocalDate.parse(rs.getString("ends_on")), rs.getInt("guaranteed_gpus"), Sql.instant(rs, "created_at"),
            rs.getString("created_by"), rs.getLong("version"));

    private final Handle handle;

    JdbiGrants(Handle handle) {
        this.handle = handle;
    }

    @Override
    public void insert(Grant grant) {
        handle.createUpdate("""
                        INSERT INTO grants (id, org_id, programme, starts_on, ends_on, guaranteed_gpus, created_at,
                                            created_by, version)
                        VALUES (:id, :orgId, :programme, :startsOn, :endsOn, :guaranteedGpus, :createdAt, :createdBy,
                                :version)""")
                .bind("id", grant.id().value())
                .bind("orgId", grant.orgId().value())
                .bind("programme", grant.programme())
                .bind("startsOn", grant.startsOn().toString())
                .bind("endsOn", grant.endsOn().toString())
                .bind("guaranteedGpus", grant.guaranteedGpus())
                .bind("createdAt", grant.createdAt().toEpochMilli())
                .bind("createdBy", grant.createdBy())
                .bind("version", grant.version())
                .execute();
    }

    @Override
    public Optional<Grant> findById(GrantId id) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM grants WHERE id = :id").bind("id", id.value())
                .map(MAPPER).findOne();
    }

    @Override
    public Page<Grant> listByOrg(OrgId orgId, PageRequest page) {
        return Paging.page(handle, "SELECT " + COLUMNS + " FROM grants WHERE org_id = :orgId", "id", false, page,
                query -> query.bind("orgId", orgId.value()), MAPPER, grant -> grant.id().value());
    }

    @Override
    public void update(Grant updated) {
        int rows = handle.createUpdate("""
                        UPDATE grants SET ends_on = :endsOn, guaranteed_gpus = :guaranteedGpus, version = :version
                        WHERE id = :id AND version = :previous""")
                .bind("endsOn", updated.endsOn().toString())
                .bind("guaranteedGpus", updated.guaranteedGpus())
                .bind("version", updated.version())
                .bind("id", updated.id().value())
                .bind("previous", updated.version() - 1)
                .execute();
        Sql.requireOneRow(rows, "grant '" + updated.id() + "'");
    }

    @Override
    public List<Grant> listInEffect(LocalDate day) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM grants WHERE starts_on <= :day AND ends_on >= :day"
                        + " AND expired_at IS NULL ORDER BY id")
                .bind("day", day.toString()).map(MAPPER).list();
    }

    @Override
    public List<Grant> listEndedWithoutExpiry(LocalDate day) {
        return handle.createQuery("SELECT " + COLUMNS
                        + " FROM grants WHERE ends_on < :day AND expired_at IS NULL ORDER BY id")
                .bind("day", day.toString()).map(MAPPER).list();
    }

    @Override
    public void markExpired(GrantId id, Instant at) {
        handle.createUpdate("UPDATE grants SET expired_at = :at WHERE id = :id AND expired_at IS NULL")
                .bind("at", at.toEpochMilli()).bind("id", id.value()).execute();
    }
}
