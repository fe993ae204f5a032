package dev.incubator.store;

import dev.incubator.common.GpuHours;
import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.tenancy.Ids.GrantId;
import dev.incubator.tenancy.Ids.OrgId;
import dev.incubator.tenancy.LedgerEntry;
import dev.incubator.tenancy.LedgerTotals;
import dev.incubator.tenancy.port.LedgerRepository;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

final class JdbiLedger implements LedgerRepository {
    private static final String COLUMNS =
            "seq, grant_id, org_id, kind, gpu_type, milli_gpu_hours, occurred_at, reference, note, actor";
    private static final RowMapper<LedgerEntry> MAPPER = (rs, ctx) -> new LedgerEntry(rs.getLong("seq"),
            new GrantId(rs.getString("grant_id")), new OrgId(rs.getString("org_id")),
            LedgerEntry.Kind.valueOf(rs.getString("kind").toUpperCase(Locale.ROOT)), rs.getString("gpu_type"),
            GpuHours.ofMilli(rs.getLong("milli_gpu_hours")), Sql.instant(rs, "occurred_at"),
            Sql.optionalString(rs, "reference"), Sql.optionalString(rs, "note"), rs.getString("actor"));

    private final Handle handle;

    JdbiLedger(Handle handle) {
        this.handle = handle;
    }

    @Override
    public LedgerEntry append(LedgerEntry entry) {
        long seq = handle.createQuery("""
                        INSERT INTO ledger_entries (grant_id, org_id, kind, gpu_type, milli_gpu_hours, occurred_at,
                                                    reference, note, actor)
                        VALUES (:grantId, :orgId, :kind, :gpuType, :amount, :occurredAt, :reference, :note, :actor)
                        RETURNING seq""")
                .bind("grantId", entry.grantId().value())
                .bind("orgId", entry.orgId().value())
                .bind("kind", entry.kind().name().toLowerCase(Locale.ROOT))
                .bind("gpuType", entry.gpuType())
                .bind("amount", entry.amount().milli())
                .bind("occurredAt", entry.occurredAt().toEpochMilli())
                .bind("reference", entry.reference().orElse(null))
                .bind("note", entry.note().orElse(null))
                .bind("actor", entry.actor())
                .mapTo(Long.class).one();
        return new LedgerEntry(seq, entry.grantId(), entry.orgId(), entry.kind(), entry.gpuType(), entry.amount(),
                entry.occurredAt(), entry.reference(), entry.note(), entry.actor());
    }

    @Override
    public LedgerTotals totals(GrantId grantId, Instant since, Instant until) {
        List<LedgerTotals.Sum> sums = handle.createQuery("""
                        SELECT kind, gpu_type, SUM(milli_gpu_hours) AS total FROM ledger_entries
                        WHERE grant_id = :grantId GROUP BY kind, gpu_type ORDER BY kind, gpu_type""")
                .bind("grantId", grantId.value())
                .map((rs, ctx) -> new LedgerTotals.Sum(LedgerEntry.Kind.valueOf(rs.getString("kind").toUpperCase(Locale.ROOT)),
                        rs.getString("gpu_type"), GpuHours.ofMilli(rs.getLong("total"))))
                .list();
        long recent = handle.createQuery("""
                        SELECT COALESCE(SUM(milli_gpu_hours), 0) FROM ledger_entries
                        WHERE grant_id = :grantId AND kind = 'usage' AND occurred_at > :since AND occurred_at <= :until""")
                .bind("grantId", grantId.value()).bind("since", since.toEpochMilli()).bind("until", until.toEpochMilli())
                .mapTo(Long.class).one();
        return new LedgerTotals(sums, GpuHours.ofMilli(-recent));
    }

    @Override
    public Page<LedgerEntry> list(GrantId grantId, PageRequest page) {
        return Paging.page(handle, "SELECT " + COLUMNS + " FROM ledger_entries WHERE grant_id = :grantId", "seq", true,
                page, query -> query.bind("grantId", grantId.value()), MAPPER, entry -> Long.toString(entry.sequence()));
    }

    @Override
    public boolean recordThreshold(GrantId grantId, int percent, Instant at) {
        return handle.createUpdate("""
                        INSERT INTO grant_thresholds (grant_id, percent, crossed_at) VALUES (:grantId, :percent, :at)
                        ON CONFLICT (grant_id, percent) DO NOTHING""")
                .bind("grantId", grantId.value()).bind("percent", percent).bind("at", at.toEpochMilli())
                .execute() == 1;
    }

    @Override
    public List<Integer> thresholds(GrantId grantId) {
        return handle.createQuery("SELECT percent FROM grant_thresholds WHERE grant_id = :grantId ORDER BY percent")
                .bind("grantId", grantId.value()).mapTo(Integer.class).list();
    }
}
