package dev.incubator.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.governance.review.Assessment;
import dev.incubator.governance.review.AssessmentStore;
import java.io.UncheckedIOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.SqlStatement;

/** {@link AssessmentStore} on the metadata store: safety assessments with their signed reports, and their results. */
public final class JdbiAssessments extends JdbiStore<AssessmentStore.Repositories> implements AssessmentStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COLUMNS = "id, application_id, org_id, org_name, deployment, model, banks, sample,"
            + " seed, max_tokens, job_id, state, message, report, report_sha256, passed, audit_sequence, created_by,"
            + " created_at, updated_at";

    public JdbiAssessments(Database database) {
        super(database, Repos::new);
    }

    private record Repos(Handle handle) implements Repositories {
        @Override
        public void insert(Assessment a) {
            bind(handle.createUpdate("INSERT INTO assessments (" + COLUMNS + ") VALUES (:id, :application_id,"
                    + " :org_id, :org_name, :deployment, :model, :banks, :sample, :seed, :max_tokens, :job_id, :state,"
                    + " :message, :report, :report_sha256, :passed, :audit_sequence, :created_by, :created_at,"
                    + " :updated_at)"), a).execute();
        }

        @Override
        public boolean update(Assessment a) {
            return bind(handle.createUpdate("UPDATE assessments SET state = :state, message = :message, report ="
                    + " :report, report_sha256 = :report_sha256, passed = :passed, audit_sequence = :audit_sequence,"
                    + " updated_at = :updated_at WHERE id = :id AND state IN ('QUEUED', 'RUNNING')"), a)
                    .execute() == 1;
        }

        @Override
        public Optional<Assessment> find(String id) {
            return handle.createQuery("SELECT " + COLUMNS + " FROM assessments WHERE id = :id").bind("id", id)
                    .map((rs, ctx) -> assessment(rs)).findOne();
        }

        @Override
        public Page<Assessment> forApplication(String applicationId, PageRequest page) {
            return Paging.page(handle, "SELECT " + COLUMNS + " FROM assessments WHERE application_id = :app", "id",
                    false, true, page, query -> query.bind("app", applicationId), (rs, ctx) -> assessment(rs),
                    Assessment::id);
        }

        @Override
        public Optional<Assessment> latestSucceeded(String applicationId, String deployment) {
            return handle.createQuery("SELECT " + COLUMNS + " FROM assessments WHERE application_id = :app AND"
                            + " deployment = :deployment AND state = 'SUCCEEDED' ORDER BY id DESC LIMIT 1")
                    .bind("app", applicationId).bind("deployment", deployment).map((rs, ctx) -> assessment(rs))
                    .findOne();
        }

        @Override
        public List<Assessment> unfinished() {
            return handle.createQuery("SELECT " + COLUMNS + " FROM assessments WHERE state IN ('QUEUED', 'RUNNING')"
                    + " ORDER BY created_at, id").map((rs, ctx) -> assessment(rs)).list();
        }

        @Override
        public void putResults(String id, List<String> lines) {
            var batch = handle.prepareBatch("INSERT INTO assessment_results (assessment_id, position, line) VALUES"
                    + " (:id, :position, :line)");
            for (int i = 0; i < lines.size(); i++) {
                batch.bind("id", id).bind("position", i).bind("line", lines.get(i)).add();
            }
            if (!lines.isEmpty()) {
                batch.execute();
            }
        }

        @Override
        public Page<String> results(String id, PageRequest page) {
            record Line(long position, String line) {
            }
            return Paging.page(handle, "SELECT position, line FROM assessment_results WHERE assessment_id = :id",
                    "position", true, page, query -> query.bind("id", id), (rs, ctx) -> new Line(rs.getLong(
                            "position"), rs.getString("line")), line -> Long.toString(line.position())).map(Line::line);
        }

        @Override
        public void putOverride(String id, dev.incubator.eval.SafetyAssessment.Override o) {
            handle.createUpdate("DELETE FROM assessment_overrides WHERE assessment_id = :id AND item_id = :item")
                    .bind("id", id).bind("item", o.id()).execute();
            handle.createUpdate("INSERT INTO assessment_overrides (assessment_id, item_id, pass, refused, reason,"
                    + " reviewer, at) VALUES (:id, :item, :pass, :refused, :reason, :reviewer, :at)").bind("id", id)
                    .bind("item", o.id()).bind("pass", o.pass() ? 1 : 0).bind("refused", o.refused() ? 1 : 0)
                    .bind("reason", o.reason()).bind("reviewer", o.reviewer()).bind("at", o.at().toEpochMilli())
                    .execute();
        }

        @Override
        public List<dev.incubator.eval.SafetyAssessment.Override> overrides(String id) {
            return handle.createQuery("SELECT item_id, pass, refused, reason, reviewer, at FROM assessment_overrides"
                    + " WHERE assessment_id = :id ORDER BY item_id").bind("id", id).map((rs, ctx) ->
                    new dev.incubator.eval.SafetyAssessment.Override(rs.getString("item_id"), rs.getLong("pass") != 0,
                            rs.getLong("refused") != 0, rs.getString("reason"), rs.getString("reviewer"),
                            Instant.ofEpochMilli(rs.getLong("at")))).list();
        }

        @Override
        public boolean amend(Assessment a, String previousSha256) {
            return bind(handle.createUpdate("UPDATE assessments SET report = :report, report_sha256 = :report_sha256,"
                    + " passed = :passed, audit_sequence = :audit_sequence, updated_at = :updated_at WHERE id = :id"
                    + " AND state = 'SUCCEEDED' AND report_sha256 = :previous"), a).bind("previous", previousSha256)
                    .execute() == 1;
        }

        private static <S extends SqlStatement<S>> S bind(S statement, Assessment a) {
            try {
                return statement.bind("id", a.id()).bind("application_id", a.applicationId()).bind("org_id", a.orgId())
                        .bind("org_name", a.orgName()).bind("deployment", a.deployment()).bind("model", a.model())
                        .bind("banks", JSON.writeValueAsString(a.banks())).bind("sample", a.sample())
                        .bind("seed", a.seed()).bind("max_tokens", a.maxTokens()).bind("job_id", a.jobId())
                        .bind("state", a.state().name()).bind("message", a.message().orElse(null))
                        .bind("report", a.report().orElse(null)).bind("report_sha256", a.reportSha256().orElse(null))
                        .bind("passed", a.passed() ? 1 : 0).bind("audit_sequence", a.auditSequence().orElse(null))
                        .bind("created_by", a.createdBy()).bind("created_at", a.createdAt().toEpochMilli())
                        .bind("updated_at", a.updatedAt().toEpochMilli());
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static Assessment assessment(ResultSet rs) throws SQLException {
            long sequence = rs.getLong("audit_sequence");
            Optional<Long> audit = rs.wasNull() ? Optional.empty() : Optional.of(sequence);
            try {
                return new Assessment(rs.getString("id"), rs.getString("application_id"), rs.getString("org_id"),
                        rs.getString("org_name"), rs.getString("deployment"), rs.getString("model"),
                        JSON.readValue(rs.getString("banks"), new TypeReference<List<String>>() {
                        }), rs.getInt("sample"), rs.getLong("seed"), rs.getInt("max_tokens"), rs.getString("job_id"),
                        Assessment.State.valueOf(rs.getString("state")), Optional.ofNullable(rs.getString("message")),
                        Optional.ofNullable(rs.getString("report")), Optional.ofNullable(rs.getString(
                        "report_sha256")), rs.getLong("passed") != 0, audit, rs.getString("created_by"),
                        Instant.ofEpochMilli(rs.getLong("created_at")), Instant.ofEpochMilli(rs.getLong("updated_at")));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
