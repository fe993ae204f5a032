package dev.incubator.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.eval.EvalRecord;
import dev.incubator.eval.EvalRun;
import dev.incubator.eval.EvalStore;
import java.io.UncheckedIOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.SqlStatement;

/** {@link EvalStore} on the metadata store: evaluation runs with their signed records, and the runs' items. */
public final class JdbiEval extends JdbiStore<EvalStore.Repositories> implements EvalStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COLUMNS = "id, org_id, org_name, model, model_commit, benchmark, benchmark_commit,"
            + " task, task_sha256, method, shots, seed, item_limit, held_out, license, non_commercial, job_id,"
            + " deployment, state, message, record, audit_sequence, contamination, created_by, created_at, updated_at";

    public JdbiEval(Database database) {
        super(database, Repos::new);
    }

    private record Repos(Handle handle) implements Repositories {
        @Override
        public void insert(EvalRun run) {
            bind(handle.createUpdate("INSERT INTO eval_runs (" + COLUMNS + ") VALUES (:id, :org_id, :org_name,"
                    + " :model, :model_commit, :benchmark, :benchmark_commit, :task, :task_sha256, :method, :shots,"
                    + " :seed, :item_limit, :held_out, :license, :non_commercial, :job_id, :deployment, :state, :message,"
                    + " :record,"
                    + " :audit_sequence, :contamination, :created_by, :created_at, :updated_at)"), run).execute();
        }

        @Override
        public boolean update(EvalRun run) {
            return bind(handle.createUpdate("UPDATE eval_runs SET state = :state, message = :message, record ="
                    + " :record, audit_sequence = :audit_sequence, contamination = :contamination, updated_at ="
                    + " :updated_at WHERE id = :id AND state IN ('QUEUED', 'RUNNING')"), run).execute() == 1;
        }

        @Override
        public Optional<EvalRun> find(String id) {
            return handle.createQuery("SELECT " + COLUMNS + " FROM eval_runs WHERE id = :id").bind("id", id)
                    .map((rs, ctx) -> run(rs)).findOne();
        }

        @Override
        public Page<EvalRun> list(String orgId, PageRequest page) {
            return Paging.page(handle, "SELECT " + COLUMNS + " FROM eval_runs WHERE org_id = :org", "id", false, true,
                    page, query -> query.bind("org", orgId), (rs, ctx) -> run(rs), EvalRun::id);
        }

        @Override
        public List<EvalRun> unfinished() {
            return handle.createQuery("SELECT " + COLUMNS + " FROM eval_runs WHERE state IN ('QUEUED', 'RUNNING')"
                    + " ORDER BY created_at, id").map((rs, ctx) -> run(rs)).list();
        }

        @Override
        public List<EvalRun> succeeded(Optional<String> benchmark) {
            var query = handle.createQuery("SELECT " + COLUMNS + " FROM eval_runs WHERE state = 'SUCCEEDED'"
                    + (benchmark.isPresent() ? " AND benchmark = :benchmark" : "") + " ORDER BY created_at, id");
            benchmark.ifPresent(name -> query.bind("benchmark", name));
            return query.map((rs, ctx) -> run(rs)).list();
        }

        @Override
        public void putItems(String runId, List<String> lines) {
            var batch = handle.prepareBatch("INSERT INTO eval_items (run_id, position, line) VALUES (:run, :position,"
                    + " :line)");
            for (int i = 0; i < lines.size(); i++) {
                batch.bind("run", runId).bind("position", i).bind("line", lines.get(i)).add();
            }
            if (!lines.isEmpty()) {
                batch.execute();
            }
        }

        @Override
        public Page<String> items(String runId, PageRequest page) {
            record Line(long position, String line) {
            }
            return Paging.page(handle, "SELECT position, line FROM eval_items WHERE run_id = :run", "position", true,
                    page, query -> query.bind("run", runId), (rs, ctx) -> new Line(rs.getLong("position"),
                            rs.getString("line")), line -> Long.toString(line.position())).map(Line::line);
        }

        private static <S extends SqlStatement<S>> S bind(S statement, EvalRun run) {
            return statement.bind("id", run.id()).bind("org_id", run.orgId()).bind("org_name", run.orgName())
                    .bind("model", run.model()).bind("model_commit", run.modelCommit())
                    .bind("benchmark", run.benchmark()).bind("benchmark_commit", run.benchmarkCommit())
                    .bind("task", run.task()).bind("task_sha256", run.taskSha256())
                    .bind("method", run.method().wire()).bind("shots", run.shots()).bind("seed", run.seed())
                    .bind("item_limit", run.limit()).bind("held_out", run.heldOut() ? 1 : 0)
                    .bind("license", run.license()).bind("non_commercial", run.nonCommercial() ? 1 : 0)
                    .bind("job_id", run.jobId()).bind("deployment", run.deployment().orElse(null))
                    .bind("state", run.state().name())
                    .bind("message", run.message().orElse(null))
                    .bind("record", run.record().map(EvalRecord::canonicalJson).orElse(null))
                    .bind("audit_sequence", run.auditSequence().orElse(null))
                    .bind("contamination", run.contamination().map(Repos::contamination).orElse(null))
                    .bind("created_by", run.createdBy()).bind("created_at", run.createdAt().toEpochMilli())
                    .bind("updated_at", run.updatedAt().toEpochMilli());
        }

        private static String contamination(EvalRun.ContaminationCheck check) {
            try {
                return JSON.writeValueAsString(Map.of("datasets", check.datasets(), "checked", check.checked(),
                        "contaminated", check.contaminated()));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static EvalRun run(ResultSet rs) throws SQLException {
            long sequence = rs.getLong("audit_sequence");
            Optional<Long> audit = rs.wasNull() ? Optional.empty() : Optional.of(sequence);
            return new EvalRun(rs.getString("id"), rs.getString("org_id"), rs.getString("org_name"),
                    rs.getString("model"), rs.getString("model_commit"), rs.getString("benchmark"),
                    rs.getString("benchmark_commit"), rs.getString("task"), rs.getString("task_sha256"),
                    EvalRecord.method(rs.getString("method")), rs.getInt("shots"), rs.getLong("seed"),
                    rs.getInt("item_limit"), rs.getLong("held_out") != 0, rs.getString("license"),
                    rs.getLong("non_commercial") != 0, rs.getString("job_id"),
                    Optional.ofNullable(rs.getString("deployment")),
                    EvalRun.State.valueOf(rs.getString("state")), Optional.ofNullable(rs.getString("message")),
                    Optional.ofNullable(rs.getString("record")).map(EvalRecord::parse), audit,
                    Optional.ofNullable(rs.getString("contamination")).map(Repos::check),
                    rs.getString("created_by"), Instant.ofEpochMilli(rs.getLong("created_at")),
                    Instant.ofEpochMilli(rs.getLong("updated_at")));
        }

        private static EvalRun.ContaminationCheck check(String text) {
            try {
                JsonNode node = JSON.readTree(text);
                TreeMap<String, String> datasets = new TreeMap<>();
                node.path("datasets").fields().forEachRemaining(entry -> datasets.put(entry.getKey(),
                        entry.getValue().asText()));
                List<String> contaminated = new ArrayList<>();
                node.path("contaminated").forEach(id -> contaminated.add(id.asText()));
                return new EvalRun.ContaminationCheck(datasets, node.path("checked").asInt(),
                        List.copyOf(contaminated));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
