package dev.incubator.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.common.audit.AuditEvent;
import dev.incubator.common.audit.AuditLog;
import dev.incubator.governance.access.Agreement;
import dev.incubator.governance.access.AgreementStore;
import dev.incubator.governance.access.Purpose;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.SqlStatement;

/** {@link AgreementStore} on the same database and transactions as the other stores. */
public final class JdbiAgreements extends JdbiStore<AgreementStore.Repositories> implements AgreementStore {
    private static final ObjectMapper JSON = new ObjectMapper();

    public JdbiAgreements(Database database) {
        super(database, Repos::new);
    }

    private record Repos(Handle handle) implements Repositories {
        @Override
        public void insert(Agreement agreement) {
            bind(handle.createUpdate("INSERT INTO access_agreements (id, repo_id, repository, requester_id,"
                    + " requester_name, purpose, justification, state, allowed_purposes, expires_on, mode,"
                    + " no_redistribution, attribution, decided_by, decided_at, reason, created_at, version) VALUES (:id,"
                    + " :repoId, :repository, :requesterId, :requesterName, :purpose, :justification, :state,"
                    + " :allowedPurposes, :expiresOn, :mode, :noRedistribution, :attribution, :decidedBy, :decidedAt,"
                    + " :reason, :createdAt, :version)"), agreement).execute();
        }

        @Override
        public boolean update(Agreement agreement) {
            return bind(handle.createUpdate("UPDATE access_agreements SET state = :state, allowed_purposes ="
                    + " :allowedPurposes, expires_on = :expiresOn, mode = :mode, no_redistribution = :noRedistribution,"
                    + " attribution = :attribution, decided_by = :decidedBy, decided_at = :decidedAt, reason = :reason,"
                    + " version = :version WHERE id = :id AND version = :previous"), agreement)
                    .bind("previous", agreement.version() - 1).execute() == 1;
        }

        @Override
        public Optional<Agreement> find(String id) {
            return handle.createQuery("SELECT * FROM access_agreements WHERE id = :id").bind("id", id)
                    .map((rs, ctx) -> map(rs)).findOne();
        }

        @Override
        public Optional<Agreement> latest(String repoId, String requesterId) {
            return handle.createQuery("SELECT * FROM access_agreements WHERE repo_id = :repo AND requester_id = :user"
                            + " ORDER BY created_at DESC, id DESC LIMIT 1").bind("repo", repoId).bind("user", requesterId)
                    .map((rs, ctx) -> map(rs)).findOne();
        }

        @Override
        public List<Agreement> forRepository(String repoId) {
            return handle.createQuery("SELECT * FROM access_agreements WHERE repo_id = :repo ORDER BY created_at, id")
                    .bind("repo", repoId).map((rs, ctx) -> map(rs)).list();
        }

        @Override
        public List<Agreement> forRequester(String requesterId) {
            return handle.createQuery("SELECT * FROM access_agreements WHERE requester_id = :user ORDER BY created_at,"
                    + " id").bind("user", requesterId).map((rs, ctx) -> map(rs)).list();
        }

        @Override
        public List<AuditEvent> reads(String repoId, int limit) {
            return new JdbiAuditLog(handle).byActionAndTarget("hub.read.gated", repoId, limit);
        }

        @Override
        public void grantException(String upstreamRepoId, String downstream, String grantedBy, String reason,
                                   Instant at) {
            handle.createUpdate("INSERT INTO lineage_exceptions (upstream_repo_id, downstream, granted_by, reason,"
                            + " created_at) VALUES (:upstream, :downstream, :by, :reason, :at)"
                            + " ON CONFLICT (upstream_repo_id, downstream) DO NOTHING")
                    .bind("upstream", upstreamRepoId).bind("downstream", downstream).bind("by", grantedBy)
                    .bind("reason", reason).bind("at", at.toEpochMilli()).execute();
        }

        @Override
        public Set<String> exceptionsFrom(String upstreamRepoId) {
            return Set.copyOf(handle.createQuery("SELECT downstream FROM lineage_exceptions WHERE upstream_repo_id ="
                    + " :upstream").bind("upstream", upstreamRepoId).mapTo(String.class).list());
        }

        @Override
        public AuditLog audit() {
            return new JdbiAuditLog(handle);
        }
    }

    private static <S extends SqlStatement<S>> S bind(S statement, Agreement agreement) {
        return statement.bind("id", agreement.id()).bind("repoId", agreement.repoId())
                .bind("repository", agreement.repository()).bind("requesterId", agreement.requesterId())
                .bind("requesterName", agreement.requesterName()).bind("purpose", agreement.purpose().wire())
                .bind("justification", agreement.justification()).bind("state", wire(agreement.state()))
                .bind("allowedPurposes", write(agreement.allowedPurposes().stream().map(Purpose::wire).sorted().toList()))
                .bind("expiresOn", agreement.expiresOn().map(LocalDate::toString).orElse(null))
                .bind("mode", wire(agreement.mode())).bind("noRedistribution", agreement.noRedistribution())
                .bind("attribution", agreement.attribution().orElse(null))
                .bind("decidedBy", agreement.decidedBy().orElse(null))
                .bind("decidedAt", agreement.decidedAt().map(Instant::toEpochMilli).orElse(null))
                .bind("reason", agreement.reason().orElse(null))
                .bind("createdAt", agreement.createdAt().toEpochMilli()).bind("version", agreement.version());
    }

    private static Agreement map(ResultSet rs) throws SQLException {
        List<String> purposes;
        try {
            purposes = JSON.readValue(rs.getString("allowed_purposes"), new TypeReference<>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("agreement " + rs.getString("id") + " has unreadable purposes", e);
        }
        Set<Purpose> allowed = purposes.stream().map(text -> Purpose.parse(text).orElseThrow())
                .collect(Collectors.toSet());
        long decidedAt = rs.getLong("decided_at");
        boolean decided = !rs.wasNull();
        return new Agreement(rs.getString("id"), rs.getString("repo_id"), rs.getString("repository"),
                rs.getString("requester_id"), rs.getString("requester_name"),
                Purpose.parse(rs.getString("purpose")).orElseThrow(), rs.getString("justification"),
                Agreement.State.valueOf(rs.getString("state").toUpperCase(Locale.ROOT)), allowed,
                Optional.ofNullable(rs.getString("expires_on")).map(LocalDate::parse),
                Agreement.Mode.valueOf(rs.getString("mode").toUpperCase(Locale.ROOT).replace('-', '_')),
                rs.getBoolean("no_redistribution"), Optional.ofNullable(rs.getString("attribution")),
                Optional.ofNullable(rs.getString("decided_by")),
                decided ? Optional.of(Instant.ofEpochMilli(decidedAt)) : Optional.empty(),
                Optional.ofNullable(rs.getString("reason")), Instant.ofEpochMilli(rs.getLong("created_at")),
                rs.getLong("version"));
    }

    private static String wire(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
