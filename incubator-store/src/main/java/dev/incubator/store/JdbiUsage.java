package dev.incubator.store;

import dev.incubator.compute.UsageRecord;
import dev.incubator.compute.port.UsageRepository;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Handle;

final class JdbiUsage implements UsageRepository {
    private final Handle handle;

    JdbiUsage(Handle handle) {
        this.handle = handle;
    }

    @Override
    public void append(UsageRecord record) {
        handle.createUpdate("""
                        INSERT INTO job_usage (job_id, org_id, job_name, at, gpu_type, gpu_ms, watt_hours, estimated)
                        VALUES (:jobId, :orgId, :jobName, :at, :gpuType, :gpuMs, :wattHours, :estimated)""")
                .bind("jobId", record.jobId()).bind("orgId", record.orgId()).bind("jobName", record.jobName())
                .bind("at", record.at().toEpochMilli()).bind("gpuType", record.gpuType())
                .bind("gpuMs", record.gpuMilliseconds()).bind("wattHours", record.wattHours())
                .bind("estimated", record.estimated())
                .execute();
    }

    @Override
    public List<UsageRecord> since(String orgId, Instant since) {
        return handle.createQuery("""
                        SELECT job_id, org_id, job_name, at, gpu_type, gpu_ms, watt_hours, estimated FROM job_usage
                        WHERE org_id = :orgId AND at >= :since ORDER BY seq""")
                .bind("orgId", orgId).bind("since", since.toEpochMilli())
                .map((rs, ctx) -> new UsageRecord(rs.getString("job_id"), rs.getString("org_id"), rs.getString("job_name"),
                        Sql.instant(rs, "at"), rs.getString("gpu_type"), rs.getLong("gpu_ms"), rs.getDouble("watt_hours"),
                        rs.getBoolean("estimated")))
                .list();
    }
}
