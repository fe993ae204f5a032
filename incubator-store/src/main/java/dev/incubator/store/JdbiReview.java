package dev.incubator.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.common.audit.AuditLog;
import dev.incubator.governance.review.Application;
import dev.incubator.governance.review.Review;
import dev.incubator.governance.review.ReviewStore;
import dev.incubator.governance.review.RiskRules;
import java.io.UncheckedIOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.SqlStatement;

/** {@link ReviewStore} on the metadata store: applications and their ethical reviews, votes kept with the review. */
public final class JdbiReview extends JdbiStore<ReviewStore.Repositories> implements ReviewStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
    };
    private static final String APPLICATION = "id, org_id, org_name, name, purpose, audience, minors, domain,"
            + " deployments, datasets, risk, expert, reasons, created_by, created_at, updated_at, version";
    private static final String REVIEW = "id, application_id, org_id, dossier, expert, state, votes, decision,"
            + " valid_until, opened_by, opened_at, decided_at, version";

    public JdbiReview(Database database) {
        super(database, Repos::new);
    }

    private record Repos(Handle handle) implements Repositories {
        @Override
        public void insertApplication(Application a) {
            bind(handle.createUpdate("INSERT INTO applications (" + APPLICATION + ") VALUES (:id, :org_id, :org_name,"
                    + " :name, :purpose, :audience, :minors, :domain, :deployments, :datasets, :risk, :expert,"
                    + " :reasons, :created_by, :created_at, :updated_at, :version)"), a).execute();
        }

        @Override
        public boolean updateApplication(Application a) {
            return bind(handle.createUpdate("UPDATE applications SET purpose = :purpose, audience = :audience, minors ="
                    + " :minors, domain = :domain, deployments = :deployments, datasets = :datasets, risk = :risk,"
                    + " expert = :expert, reasons = :reasons, updated_at = :updated_at, version = :version WHERE id ="
                    + " :id AND version = :previous"), a).bind("previous", a.version() - 1).execute() == 1;
        }

        @Override
        public Optional<Application> application(String orgId, String name) {
            return handle.createQuery("SELECT " + APPLICATION + " FROM applications WHERE org_id = :org AND name ="
                    + " :name").bind("org", orgId).bind("name", name).map((rs, ctx) -> application(rs)).findOne();
        }

        @Override
        public Optional<Application> applicationById(String id) {
            return handle.createQuery("SELECT " + APPLICATION + " FROM applications WHERE id = :id").bind("id", id)
                    .map((rs, ctx) -> application(rs)).findOne();
        }

        @Override
        public Page<Application> applications(String orgId, PageRequest page) {
            return Paging.page(handle, "SELECT " + APPLICATION + " FROM applications WHERE org_id = :org", "name",
                    false, page, query -> query.bind("org", orgId), (rs, ctx) -> application(rs), Application::name);
        }

        @Override
        public List<Application> servedBy(String deployment) {
            // deployments is a JSON list of ORG/NAME: the quoted name matches one entry exactly
            return handle.createQuery("SELECT " + APPLICATION + " FROM applications WHERE deployments LIKE :pattern"
                            + " ORDER BY created_at, id").bind("pattern", "%" + json(deployment) + "%")
                    .map((rs, ctx) -> application(rs)).list().stream()
                    .filter(found -> found.deployments().contains(deployment)).toList();
        }

        @Override
        public List<Application> naming(String orgId, String dataset) {
            // datasets is a JSON list of datasets/ORG/NAME: the quoted name matches one entry exactly
            return handle.createQuery("SELECT " + APPLICATION + " FROM applications WHERE org_id = :org AND datasets"
                            + " LIKE :pattern ORDER BY created_at, id").bind("org", orgId)
                    .bind("pattern", "%" + json(dataset) + "%")
                    .map((rs, ctx) -> application(rs)).list().stream()
                    .filter(found -> found.datasets().contains(dataset)).toList();
        }

        @Override
        public void insertReview(Review r) {
            bind(handle.createUpdate("INSERT INTO reviews (" + REVIEW + ") VALUES (:id, :application_id, :org_id,"
                    + " :dossier, :expert, :state, :votes, :decision, :valid_until, :opened_by, :opened_at,"
                    + " :decided_at, :version)"), r).execute();
        }

        @Override
        public boolean updateReview(Review r) {
            return bind(handle.createUpdate("UPDATE reviews SET state = :state, votes = :votes, decision = :decision,"
                    + " valid_until = :valid_until, decided_at = :decided_at, version = :version WHERE id = :id AND"
                    + " version = :previous"), r).bind("previous", r.version() - 1).execute() == 1;
        }

        @Override
        public Optional<Review> review(String id) {
            return handle.createQuery("SELECT " + REVIEW + " FROM reviews WHERE id = :id").bind("id", id)
                    .map((rs, ctx) -> review(rs)).findOne();
        }

        @Override
        public List<Review> reviews(String applicationId) {
            return handle.createQuery("SELECT " + REVIEW + " FROM reviews WHERE application_id = :app ORDER BY"
                    + " opened_at DESC, id DESC").bind("app", applicationId).map((rs, ctx) -> review(rs)).list();
        }

        @Override
        public Page<Review> queue(Optional<Review.State> state, PageRequest page) {
            return Paging.page(handle, "SELECT " + REVIEW + " FROM reviews WHERE " + (state.isPresent()
                            ? "state = :state" : "1 = 1"), "id", false, page, query -> state.isPresent()
                            ? query.bind("state", state.get().name()) : query, (rs, ctx) -> review(rs), Review::id);
        }

        @Override
        public AuditLog audit() {
            return new JdbiAuditLog(handle);
        }

        private static <S extends SqlStatement<S>> S bind(S statement, Application a) {
            return statement.bind("id", a.id()).bind("org_id", a.orgId()).bind("org_name", a.orgName())
                    .bind("name", a.name()).bind("purpose", a.purpose()).bind("audience", a.audience().name())
                    .bind("minors", a.minors() ? 1 : 0).bind("domain", a.domain().name())
                    .bind("deployments", json(a.deployments())).bind("datasets", json(a.datasets()))
                    .bind("risk", a.risk().risk().name()).bind("expert", a.risk().expertReReview() ? 1 : 0)
                    .bind("reasons", json(a.risk().reasons())).bind("created_by", a.createdBy())
                    .bind("created_at", a.createdAt().toEpochMilli()).bind("updated_at", a.updatedAt().toEpochMilli())
                    .bind("version", a.version());
        }

        private static <S extends SqlStatement<S>> S bind(S statement, Review r) {
            Map<String, Object> dossier = new LinkedHashMap<>();
            dossier.put("deployments", r.dossier().deployments());
            dossier.put("datasets", r.dossier().datasets());
            dossier.put("purpose", r.dossier().purpose());
            List<Map<String, Object>> votes = new ArrayList<>();
            for (Review.Vote vote : r.votes()) {
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("reviewer_id", vote.reviewerId());
                one.put("reviewer", vote.reviewer());
                one.put("choice", vote.choice().name());
                one.put("comment", vote.comment());
                one.put("conditions", vote.conditions());
                one.put("at", vote.at().toEpochMilli());
                votes.add(one);
            }
            return statement.bind("id", r.id()).bind("application_id", r.applicationId()).bind("org_id", r.orgId())
                    .bind("dossier", json(dossier)).bind("expert", r.expertReReview() ? 1 : 0)
                    .bind("state", r.state().name()).bind("votes", json(votes))
                    .bind("decision", r.decision().orElse(null))
                    .bind("valid_until", r.validUntil().map(LocalDate::toString).orElse(null))
                    .bind("opened_by", r.openedBy()).bind("opened_at", r.openedAt().toEpochMilli())
                    .bind("decided_at", r.decidedAt().map(Instant::toEpochMilli).orElse(null))
                    .bind("version", r.version());
        }

        private static Application application(ResultSet rs) throws SQLException {
            return new Application(rs.getString("id"), rs.getString("org_id"), rs.getString("org_name"),
                    rs.getString("name"), rs.getString("purpose"), Application.Audience.valueOf(rs.getString(
                    "audience")), rs.getLong("minors") != 0, Application.Domain.valueOf(rs.getString("domain")),
                    strings(rs.getString("deployments")), strings(rs.getString("datasets")),
                    new RiskRules.Classification(RiskRules.Risk.valueOf(rs.getString("risk")),
                            rs.getLong("expert") != 0, strings(rs.getString("reasons"))), rs.getString("created_by"),
                    Instant.ofEpochMilli(rs.getLong("created_at")), Instant.ofEpochMilli(rs.getLong("updated_at")),
                    rs.getLong("version"));
        }

        private static Review review(ResultSet rs) throws SQLException {
            JsonNode dossier = tree(rs.getString("dossier"));
            TreeMap<String, String> deployments = new TreeMap<>();
            dossier.path("deployments").fields().forEachRemaining(entry -> deployments.put(entry.getKey(),
                    entry.getValue().asText()));
            List<String> datasets = new ArrayList<>();
            dossier.path("datasets").forEach(node -> datasets.add(node.asText()));
            List<Review.Vote> votes = new ArrayList<>();
            for (JsonNode vote : tree(rs.getString("votes"))) {
                List<String> conditions = new ArrayList<>();
                vote.path("conditions").forEach(node -> conditions.add(node.asText()));
                votes.add(new Review.Vote(vote.path("reviewer_id").asText(), vote.path("reviewer").asText(),
                        Review.Choice.valueOf(vote.path("choice").asText()), vote.path("comment").asText(),
                        conditions, Instant.ofEpochMilli(vote.path("at").asLong())));
            }
            long decided = rs.getLong("decided_at");
            Optional<Instant> decidedAt = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(decided));
            return new Review(rs.getString("id"), rs.getString("application_id"), rs.getString("org_id"),
                    new Review.Snapshot(deployments, datasets, dossier.path("purpose").asText()),
                    rs.getLong("expert") != 0, Review.State.valueOf(rs.getString("state")), votes,
                    Optional.ofNullable(rs.getString("decision")), Optional.ofNullable(rs.getString("valid_until"))
                    .map(LocalDate::parse), rs.getString("opened_by"), Instant.ofEpochMilli(rs.getLong("opened_at")),
                    decidedAt, rs.getLong("version"));
        }

        private static String json(Object value) {
            try {
                return JSON.writeValueAsString(value);
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static JsonNode tree(String text) {
            try {
                return JSON.readTree(text);
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static List<String> strings(String text) {
            try {
                return JSON.readValue(text, STRINGS);
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
