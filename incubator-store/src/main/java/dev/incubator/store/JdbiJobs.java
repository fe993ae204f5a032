package dev.incubator.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.compute.Job;
import dev.incubator.compute.JobSpec;
import dev.incubator.compute.JobState;
import dev.incubator.compute.PriorityClass;
import dev.incubator.compute.port.JobRepository;
import dev.incubator.compute.scheduler.GpuShare;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.Update;

final class JdbiJobs implements JobRepository {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COLUMNS = "id, org_id, org_name, submitted_by, spec, state, reason, message,"
            + " submitted_at, submit_order, started_at, finished_at, allocation, borrowed, terminating,"
            + " terminate_by, exit_code, pid, pid_started_at, metered_gpu_ms, metered_until, attempt, version";
    private static final RowMapper<Job> MAPPER = JdbiJobs::map;

    private final Handle handle;

    JdbiJobs(Handle handle) {
        this.handle = handle;
    }

    @Override
    public void insert(Job job) {
        bind(handle.createUpdate("INSERT INTO jobs (" + COLUMNS + ", job_name) VALUES (:id, :orgId, :orgName, :submittedBy,"
                + " :spec, :state, :reason, :message, :submittedAt, :submitOrder,"
                + " :startedAt, :finishedAt, :allocation, :borrowed, :terminating, :terminateBy, :exitCode, :pid,"
                + " :pidStartedAt, :meteredGpuMs, :meteredUntil, :attempt, :version, :jobName)"), job)
                .bind("jobName", job.spec().name()).execute();
    }

    @Override
    public Optional<Job> find(String id) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM jobs WHERE id = :id").bind("id", id).map(MAPPER).findOne();
    }

    @Override
    public void update(Job updated) {
        int rows = bind(handle.createUpdate("""
                UPDATE jobs SET state = :state, reason = :reason, message = :message, started_at = :startedAt, finished_at = :finishedAt,
                    allocation = :allocation, borrowed = :borrowed, terminating = :terminating,
                    terminate_by = :terminateBy, exit_code = :exitCode, pid = :pid, pid_started_at = :pidStartedAt,
                    metered_gpu_ms = :meteredGpuMs, metered_until = :meteredUntil, attempt = :attempt,
                    version = :version
                WHERE id = :id AND version = :previous"""), updated)
                .bind("previous", updated.version() - 1)
                .execute();
        Sql.requireOneRow(rows, "job " + updated.id());
    }

    @Override
    public Page<Job> listByOrg(String orgId, dev.incubator.compute.JobQuery filter, PageRequest page) {
        String select = "SELECT " + COLUMNS + " FROM jobs WHERE org_id = :orgId"
                + (filter.state().isPresent() ? " AND state = :state" : "")
                + (filter.submittedBy().isPresent() ? " AND submitted_by = :submittedBy" : "")
                + (filter.since().isPresent() ? " AND submitted_at >= :since" : "")
                + (filter.name().isPresent() ? " AND job_name = :jobName" : "");
        return Paging.pageDescending(handle, select, "id", page, query -> {
            query.bind("orgId", orgId);
            filter.state().ifPresent(value -> query.bind("state", value.name().toLowerCase()));
            filter.submittedBy().ifPresent(value -> query.bind("submittedBy", value));
            filter.since().ifPresent(value -> query.bind("since", value.toEpochMilli()));
            filter.name().ifPresent(value -> query.bind("jobName", value));
            return query;
        }, MAPPER, Job::id);
    }

    @Override
    public List<Job> listActive() {
        return handle.createQuery("SELECT " + COLUMNS
                        + " FROM jobs WHERE state IN ('pending', 'admitted', 'running', 'preempted') ORDER BY submit_order")
                .map(MAPPER).list();
    }

    @Override
    public List<Job> listRecentlyFinished(int limit) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM jobs WHERE state IN ('succeeded', 'failed', 'timeout',"
                        + " 'cancelled') AND started_at IS NOT NULL AND finished_at IS NOT NULL"
                        + " ORDER BY finished_at DESC, id DESC LIMIT :limit")
                .bind("limit", limit).map(MAPPER).list();
    }

    @Override
    public long nextSubmitOrder() {
        return handle.createQuery("UPDATE counters SET value = value + 1 WHERE name = 'job_submit_order' RETURNING value")
                .mapTo(Long.class).one();
    }

    private static Update bind(Update update, Job job) {
        return update.bind("id", job.id())
                .bind("orgId", job.orgId())
                .bind("orgName", job.orgName())
                .bind("submittedBy", job.submittedBy())
                .bind("spec", writeSpec(job.spec()))
                .bind("state", job.state().name().toLowerCase())
                .bind("reason", job.reason().orElse(null))
                .bind("message", job.message().orElse(null))
                .bind("submittedAt", job.submittedAt().toEpochMilli())
                .bind("submitOrder", job.submitOrder())
                .bind("startedAt", Sql.millis(job.startedAt()))
                .bind("finishedAt", Sql.millis(job.finishedAt()))
                .bind("allocation", writeAllocation(job.allocation(), job.hosts()))
                .bind("borrowed", job.borrowed())
                .bind("terminating", job.terminating())
                .bind("terminateBy", Sql.millis(job.terminateBy()))
                .bind("exitCode", job.exitCode().orElse(null))
                .bind("pid", job.pid().orElse(null))
                .bind("pidStartedAt", Sql.millis(job.pidStartedAt()))
                .bind("meteredGpuMs", job.meteredGpuMillis())
                .bind("meteredUntil", job.meteredUntilMillis())
                .bind("attempt", job.attempt())
                .bind("version", job.version());
    }

    private static Job map(ResultSet rs, org.jdbi.v3.core.statement.StatementContext context) throws SQLException {
        int exitCode = rs.getInt("exit_code");
        Optional<Integer> exit = rs.wasNull() ? Optional.empty() : Optional.of(exitCode);
        long pid = rs.getLong("pid");
        Optional<Long> processId = rs.wasNull() ? Optional.empty() : Optional.of(pid);
        JsonNode allocation = readJson(rs.getString("allocation"));
        return new Job(rs.getString("id"), rs.getString("org_id"), rs.getString("org_name"), rs.getString("submitted_by"),
                readSpec(rs.getString("spec")), JobState.valueOf(rs.getString("state").toUpperCase()),
                Sql.optionalString(rs, "reason"), Sql.optionalString(rs, "message"), 0, Optional.empty(),
                Sql.instant(rs, "submitted_at"), rs.getLong("submit_order"),
                Sql.optionalInstant(rs, "started_at"), Sql.optionalInstant(rs, "finished_at"),
                readAllocation(allocation), rs.getBoolean("borrowed"), rs.getBoolean("terminating"),
                Sql.optionalInstant(rs, "terminate_by"), exit, processId, Sql.optionalInstant(rs, "pid_started_at"),
                rs.getLong("metered_gpu_ms"), rs.getLong("metered_until"), rs.getInt("attempt"), rs.getLong("version"),
                readHosts(allocation));
    }

    private static String writeSpec(JobSpec spec) {
        ObjectNode node = JSON.createObjectNode();
        node.put("name", spec.name());
        ArrayNode command = node.putArray("command");
        spec.command().forEach(command::add);
        ObjectNode env = node.putObject("env");
        new java.util.TreeMap<>(spec.env()).forEach(env::put);
        node.put("nodes", spec.nodes());
        node.put("gpu_millis", spec.gpuMillis());
        spec.gpuType().ifPresent(type -> node.put("gpu_type", type));
        node.put("cpus", spec.cpus());
        node.put("memory_mib", spec.memoryMib());
        node.put("time_limit_s", spec.timeLimit().toSeconds());
        node.put("priority", spec.priority().name());
        spec.checkpointSignal().ifPresent(signal -> node.put("checkpoint_signal", signal));
        node.put("checkpoint_grace_s", spec.checkpointGrace().toSeconds());
        node.put("retries", spec.retries());
        if (!spec.mounts().isEmpty()) {
            ArrayNode mounts = node.putArray("mounts");
            spec.mounts().forEach(mounts::add);
        }
        spec.code().ifPresent(code -> node.put("code", code));
        spec.warning().ifPresent(warning -> node.putObject("warning").put("signal", warning.signal())
                .put("before_s", warning.before().toSeconds()));
        spec.array().ifPresent(task -> node.putObject("array").put("id", task.arrayId()).put("index", task.index())
                .put("max_running", task.maxRunning()));
        if (!spec.dependencies().isEmpty()) {
            ArrayNode dependencies = node.putArray("depends_on");
            spec.dependencies().forEach(dependency -> dependencies.add(dependency.toString()));
        }
        return node.toString();
    }

    private static JobSpec readSpec(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            List<String> command = new ArrayList<>();
            node.path("command").forEach(item -> command.add(item.asText()));
            Map<String, String> env = new LinkedHashMap<>();
            node.path("env").fields().forEachRemaining(entry -> env.put(entry.getKey(), entry.getValue().asText()));
            List<String> mounts = new ArrayList<>();
            node.path("mounts").forEach(item -> mounts.add(item.asText()));
            List<JobSpec.Dependency> dependencies = new ArrayList<>();
            node.path("depends_on").forEach(item -> JobSpec.Dependency.parse(item.asText())
                    .ifPresent(dependencies::add));
            return new JobSpec(node.path("name").asText(), command, env, node.path("nodes").asInt(),
                    node.path("gpu_millis").asInt(), Optional.ofNullable(node.path("gpu_type").textValue()),
                    node.path("cpus").asInt(), node.path("memory_mib").asLong(),
                    Duration.ofSeconds(node.path("time_limit_s").asLong()),
                    PriorityClass.valueOf(node.path("priority").asText()),
                    Optional.ofNullable(node.path("checkpoint_signal").textValue()),
                    Duration.ofSeconds(node.path("checkpoint_grace_s").asLong()), node.path("retries").asInt(), mounts,
                    dependencies, node.path("array").isObject() ? Optional.of(new JobSpec.ArrayTask(
                            node.path("array").path("id").asText(), node.path("array").path("index").asInt(),
                            node.path("array").path("max_running").asInt())) : Optional.empty(),
                    node.path("warning").isObject() ? Optional.of(new JobSpec.Warning(node.path("warning")
                            .path("signal").asText(), Duration.ofSeconds(node.path("warning").path("before_s")
                            .asLong()))) : Optional.empty(), Optional.ofNullable(node.path("code").textValue()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored job spec is not JSON", e);
        }
    }

    /**
     * The GPU shares as [node, index, thousandths] triples; a job whose hosts are not just its GPUs' nodes (one
     * without GPUs) is stored as {"gpus": [...], "hosts": [...]} instead.
     */
    private static String writeAllocation(List<GpuShare> allocation, List<String> hosts) {
        ArrayNode array = JSON.createArrayNode();
        allocation.forEach(share -> array.addArray().add(share.node()).add(share.index()).add(share.millis()));
        if (hosts.equals(dev.incubator.compute.scheduler.Claim.hostsOf(allocation))) {
            return array.toString();
        }
        ObjectNode node = JSON.createObjectNode();
        node.set("gpus", array);
        hosts.forEach(node.putArray("hosts")::add);
        return node.toString();
    }

    private static JsonNode readJson(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored allocation is not JSON", e);
        }
    }

    private static List<GpuShare> readAllocation(JsonNode stored) {
        List<GpuShare> shares = new ArrayList<>();
        for (JsonNode share : stored.isObject() ? stored.path("gpus") : stored) {
            shares.add(new GpuShare(share.get(0).asText(), share.get(1).asInt(), share.get(2).asInt()));
        }
        return shares;
    }

    private static List<String> readHosts(JsonNode stored) {
        if (!stored.isObject()) {
            return dev.incubator.compute.scheduler.Claim.hostsOf(readAllocation(stored));
        }
        List<String> hosts = new ArrayList<>();
        stored.path("hosts").forEach(host -> hosts.add(host.asText()));
        return hosts;
    }
}
