package dev.incubator.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.serving.Deployment;
import dev.incubator.serving.Replica;
import dev.incubator.serving.ServingStore;
import dev.incubator.serving.UsageRecord;
import java.io.UncheckedIOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.SqlStatement;

/** {@link ServingStore} on the metadata store: deployments, their replica jobs and the gateway's request records. */
public final class JdbiServing extends JdbiStore<ServingStore.Repositories> implements ServingStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEPLOYMENT_COLUMNS = "id, org_id, org_name, name, model, revision, engine, command,"
            + " min_replicas, max_replicas, gpu_millis, cpus, memory_mib, idle_seconds, access, shared_with, rpm, tpm,"
            + " monthly_tokens, explicit_label, log_content, retention_days, state, created_by, created_at, updated_at,"
            + " version";
    private static final String REPLICA_COLUMNS = "job_id, deployment_id, revision, state, endpoint, submitted_at,"
            + " ready_at, cold_start_ms, failures, message";
    private static final String USAGE_COLUMNS = "id, at, deployment_id, owner_org_id, model_id, revision, route,"
            + " token_id, actor, caller_org_id, prompt_tokens, completion_tokens, latency_ms, status, replica_job,"
            + " produce_id, content";

    public JdbiServing(Database database) {
        super(database, Repos::new);
    }

    private record Repos(Handle handle) implements Repositories {
        @Override
        public void insert(Deployment d) {
            bindDeployment(handle.createUpdate("INSERT INTO deployments (" + DEPLOYMENT_COLUMNS + ") VALUES (:id,"
                    + " :org_id, :org_name, :name, :model, :revision, :engine, :command, :min_replicas, :max_replicas,"
                    + " :gpu_millis, :cpus, :memory_mib, :idle_seconds, :access, :shared_with, :rpm, :tpm,"
                    + " :monthly_tokens, :explicit_label, :log_content, :retention_days, :state, :created_by,"
                    + " :created_at, :updated_at, :version)"), d).execute();
        }

        @Override
        public boolean update(Deployment d) {
            return bindDeployment(handle.createUpdate("UPDATE deployments SET revision = :revision, engine = :engine,"
                    + " command = :command, min_replicas = :min_replicas, max_replicas = :max_replicas, gpu_millis ="
                    + " :gpu_millis, cpus = :cpus, memory_mib = :memory_mib, idle_seconds = :idle_seconds, access ="
                    + " :access, shared_with = :shared_with, rpm = :rpm, tpm = :tpm, monthly_tokens = :monthly_tokens,"
                    + " explicit_label = :explicit_label, log_content = :log_content, retention_days ="
                    + " :retention_days, state = :state, updated_at = :updated_at, version = :version WHERE id = :id"
                    + " AND version = :previous"), d).bind("previous", d.version() - 1).execute() == 1;
        }

        @Override
        public Optional<Deployment> find(String orgId, String name) {
            return handle.createQuery("SELECT " + DEPLOYMENT_COLUMNS + " FROM deployments WHERE org_id = :org AND"
                            + " name = :name AND state = 'ACTIVE'").bind("org", orgId).bind("name", name)
                    .map((rs, ctx) -> deployment(rs)).findOne();
        }

        @Override
        public Optional<Deployment> findById(String id) {
            return handle.createQuery("SELECT " + DEPLOYMENT_COLUMNS + " FROM deployments WHERE id = :id")
                    .bind("id", id).map((rs, ctx) -> deployment(rs)).findOne();
        }

        @Override
        public Page<Deployment> list(String orgId, PageRequest page) {
            return Paging.page(handle, "SELECT " + DEPLOYMENT_COLUMNS + " FROM deployments WHERE org_id = :org AND"
                            + " state = 'ACTIVE'", "name", false, page, query -> query.bind("org", orgId),
                    (rs, ctx) -> deployment(rs), Deployment::name);
        }

        @Override
        public List<Deployment> active() {
            return handle.createQuery("SELECT " + DEPLOYMENT_COLUMNS + " FROM deployments d WHERE state = 'ACTIVE' OR"
                            + " EXISTS (SELECT 1 FROM deployment_replicas r WHERE r.deployment_id = d.id AND r.state"
                            + " <> 'ENDED') ORDER BY created_at, id")
                    .map((rs, ctx) -> deployment(rs)).list();
        }

        @Override
        public void putReplica(Replica r) {
            handle.createUpdate("INSERT INTO deployment_replicas (" + REPLICA_COLUMNS + ") VALUES (:job, :deployment,"
                            + " :revision, :state, :endpoint, :submitted, :ready, :cold, :failures, :message) ON"
                            + " CONFLICT (job_id) DO UPDATE SET state = excluded.state, endpoint = excluded.endpoint,"
                            + " ready_at = excluded.ready_at, cold_start_ms = excluded.cold_start_ms, failures ="
                            + " excluded.failures, message = excluded.message")
                    .bind("job", r.jobId()).bind("deployment", r.deploymentId()).bind("revision", r.revision())
                    .bind("state", r.state().name()).bind("endpoint", r.endpoint().orElse(null))
                    .bind("submitted", r.submittedAt().toEpochMilli())
                    .bind("ready", r.readyAt().map(Instant::toEpochMilli).orElse(null))
                    .bind("cold", r.coldStart().map(Duration::toMillis).orElse(null))
                    .bind("failures", r.failures()).bind("message", r.message().orElse(null)).execute();
        }

        @Override
        public Optional<Replica> replica(String jobId) {
            return handle.createQuery("SELECT " + REPLICA_COLUMNS + " FROM deployment_replicas WHERE job_id = :job")
                    .bind("job", jobId).map((rs, ctx) -> replica(rs)).findOne();
        }

        @Override
        public List<Replica> replicas(String deploymentId) {
            return handle.createQuery("SELECT " + REPLICA_COLUMNS + " FROM deployment_replicas WHERE deployment_id ="
                            + " :deployment AND state <> 'ENDED' ORDER BY submitted_at, job_id")
                    .bind("deployment", deploymentId).map((rs, ctx) -> replica(rs)).list();
        }

        @Override
        public List<Replica> history(String deploymentId, int limit) {
            return handle.createQuery("SELECT " + REPLICA_COLUMNS + " FROM deployment_replicas WHERE deployment_id ="
                            + " :deployment ORDER BY submitted_at DESC, job_id DESC LIMIT :limit")
                    .bind("deployment", deploymentId).bind("limit", limit).map((rs, ctx) -> replica(rs)).list();
        }

        @Override
        public void appendUsage(UsageRecord u) {
            handle.createUpdate("INSERT INTO serving_usage (at, deployment_id, owner_org_id, model_id, revision, route,"
                            + " token_id, actor, caller_org_id, prompt_tokens, completion_tokens, latency_ms, status,"
                            + " replica_job, produce_id, content) VALUES (:at, :deployment, :owner, :model, :revision,"
                            + " :route, :token, :actor, :caller, :prompt, :completion, :latency, :status, :replica,"
                            + " :produce, :content)")
                    .bind("at", u.at().toEpochMilli()).bind("deployment", u.deploymentId())
                    .bind("owner", u.ownerOrgId()).bind("model", u.modelId()).bind("revision", u.revision())
                    .bind("route", u.route()).bind("token", u.tokenId()).bind("actor", u.actor())
                    .bind("caller", u.callerOrgId()).bind("prompt", u.promptTokens())
                    .bind("completion", u.completionTokens()).bind("latency", u.latencyMillis())
                    .bind("status", u.status()).bind("replica", u.replicaJob().orElse(null))
                    .bind("produce", u.produceId()).bind("content", u.content().orElse(null)).execute();
        }

        @Override
        public List<UsageGroup> usage(String ownerOrgId, Optional<String> deploymentId, Instant since,
                                      GroupBy groupBy) {
            String key = switch (groupBy) {
                case TOKEN -> "token_id";
                case MODEL -> "model_id";
                case CALLER_ORGANISATION -> "caller_org_id";
            };
            var query = handle.createQuery("SELECT " + key + " AS k, COUNT(*) AS requests, SUM(prompt_tokens) AS"
                    + " prompt, SUM(completion_tokens) AS completion, SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS"
                    + " errors, SUM(latency_ms) AS latency FROM serving_usage WHERE owner_org_id = :owner AND at >="
                    + " :since" + (deploymentId.isPresent() ? " AND deployment_id = :deployment" : "")
                    + " GROUP BY " + key + " ORDER BY " + key).bind("owner", ownerOrgId)
                    .bind("since", since.toEpochMilli());
            deploymentId.ifPresent(id -> query.bind("deployment", id));
            return query.map((rs, ctx) -> new UsageGroup(rs.getString("k"), rs.getLong("requests"),
                    rs.getLong("prompt"), rs.getLong("completion"), rs.getLong("errors"), rs.getLong("latency")))
                    .list();
        }

        @Override
        public long tokensUsed(String deploymentId, String callerOrgId, Instant since) {
            return handle.createQuery("SELECT COALESCE(SUM(prompt_tokens + completion_tokens), 0) FROM serving_usage"
                            + " WHERE deployment_id = :deployment AND caller_org_id = :caller AND at >= :since")
                    .bind("deployment", deploymentId).bind("caller", callerOrgId).bind("since", since.toEpochMilli())
                    .mapTo(Long.class).one();
        }

        @Override
        public Page<UsageRecord> requests(String deploymentId, PageRequest page) {
            return Paging.page(handle, "SELECT " + USAGE_COLUMNS + " FROM serving_usage WHERE deployment_id ="
                            + " :deployment", "id", true, true, page, query -> query.bind("deployment", deploymentId),
                    (rs, ctx) -> usage(rs), record -> Long.toString(record.id()));
        }

        @Override
        public int expireContent(Instant now) {
            return handle.createUpdate("UPDATE serving_usage SET content = NULL WHERE content IS NOT NULL AND at <"
                            + " :now - (SELECT d.retention_days FROM deployments d WHERE d.id ="
                            + " serving_usage.deployment_id) * 86400000").bind("now", now.toEpochMilli()).execute();
        }

        private static <S extends SqlStatement<S>> S bindDeployment(S statement, Deployment d) {
            return statement.bind("id", d.id()).bind("org_id", d.orgId()).bind("org_name", d.orgName())
                    .bind("name", d.name()).bind("model", d.model()).bind("revision", d.revision())
                    .bind("engine", d.engine().name()).bind("command", json(d.command()))
                    .bind("min_replicas", d.minReplicas()).bind("max_replicas", d.maxReplicas())
                    .bind("gpu_millis", d.gpuMillis()).bind("cpus", d.cpus()).bind("memory_mib", d.memoryMib())
                    .bind("idle_seconds", d.idleTimeout().toSeconds()).bind("access", d.access().name())
                    .bind("shared_with", String.join(",", new TreeSet<>(d.sharedWith())))
                    .bind("rpm", d.limits().requestsPerMinute()).bind("tpm", d.limits().tokensPerMinute())
                    .bind("monthly_tokens", d.limits().monthlyTokensPerOrganisation())
                    .bind("explicit_label", d.explicitLabel().orElse(null)).bind("log_content", d.logContent() ? 1 : 0)
                    .bind("retention_days", d.retentionDays()).bind("state", d.state().name())
                    .bind("created_by", d.createdBy()).bind("created_at", d.createdAt().toEpochMilli())
                    .bind("updated_at", d.updatedAt().toEpochMilli()).bind("version", d.version());
        }

        private static Deployment deployment(ResultSet rs) throws SQLException {
            String shared = rs.getString("shared_with");
            return new Deployment(rs.getString("id"), rs.getString("org_id"), rs.getString("org_name"),
                    rs.getString("name"), rs.getString("model"), rs.getString("revision"),
                    Deployment.Engine.valueOf(rs.getString("engine")), list(rs.getString("command")),
                    rs.getInt("min_replicas"), rs.getInt("max_replicas"), rs.getInt("gpu_millis"), rs.getInt("cpus"),
                    rs.getInt("memory_mib"), Duration.ofSeconds(rs.getLong("idle_seconds")),
                    Deployment.Access.valueOf(rs.getString("access")),
                    shared.isEmpty() ? Set.of() : Set.copyOf(Arrays.asList(shared.split(","))),
                    new Deployment.Limits(rs.getInt("rpm"), rs.getInt("tpm"), rs.getLong("monthly_tokens")),
                    Optional.ofNullable(rs.getString("explicit_label")), rs.getInt("log_content") != 0,
                    rs.getInt("retention_days"), Deployment.State.valueOf(rs.getString("state")),
                    rs.getString("created_by"), Instant.ofEpochMilli(rs.getLong("created_at")),
                    Instant.ofEpochMilli(rs.getLong("updated_at")), rs.getLong("version"));
        }

        private static Replica replica(ResultSet rs) throws SQLException {
            long ready = rs.getLong("ready_at");
            boolean hasReady = !rs.wasNull();
            long cold = rs.getLong("cold_start_ms");
            boolean hasCold = !rs.wasNull();
            return new Replica(rs.getString("job_id"), rs.getString("deployment_id"), rs.getString("revision"),
                    Replica.State.valueOf(rs.getString("state")), Optional.ofNullable(rs.getString("endpoint")),
                    Instant.ofEpochMilli(rs.getLong("submitted_at")),
                    hasReady ? Optional.of(Instant.ofEpochMilli(ready)) : Optional.empty(),
                    hasCold ? Optional.of(Duration.ofMillis(cold)) : Optional.empty(), rs.getInt("failures"),
                    Optional.ofNullable(rs.getString("message")));
        }

        private static UsageRecord usage(ResultSet rs) throws SQLException {
            return new UsageRecord(rs.getLong("id"), Instant.ofEpochMilli(rs.getLong("at")),
                    rs.getString("deployment_id"), rs.getString("owner_org_id"), rs.getString("model_id"),
                    rs.getString("revision"), rs.getString("route"), rs.getString("token_id"), rs.getString("actor"),
                    rs.getString("caller_org_id"), rs.getInt("prompt_tokens"), rs.getInt("completion_tokens"),
                    rs.getLong("latency_ms"), rs.getInt("status"), Optional.ofNullable(rs.getString("replica_job")),
                    rs.getString("produce_id"), Optional.ofNullable(rs.getString("content")));
        }

        private static String json(List<String> command) {
            try {
                return JSON.writeValueAsString(command);
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static List<String> list(String json) {
            try {
                return JSON.readValue(json, new TypeReference<List<String>>() { });
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
