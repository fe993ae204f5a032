package dev.incubator.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.hub.port.RepoRepository;
import dev.incubator.hub.repo.Card;
import dev.incubator.hub.repo.Commit;
import dev.incubator.hub.repo.Ref;
import dev.incubator.hub.repo.Repo;
import dev.incubator.hub.repo.RepoKind;
import dev.incubator.hub.repo.TreeEntry;
import dev.incubator.hub.repo.Visibility;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.SqlStatement;

final class JdbiRepos implements RepoRepository {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Handle handle;

    JdbiRepos(Handle handle) {
        this.handle = handle;
    }

    @Override
    public void insert(Repo repo) {
        Sql.insertUnique(() -> bind(handle.createUpdate("INSERT INTO hub_repos (id, kind, namespace, name, lookup,"
                + " owner_kind, owner_id, visibility, domain, created_by, created_at, updated_at, card, keywords, version)"
                + " VALUES (:id, :kind, :namespace, :name, :lookup, :ownerKind, :ownerId, :visibility, :domain,"
                + " :createdBy, :createdAt, :updatedAt, :card, :keywords, :version)"), repo).execute(),
                "repository '" + repo.fullName() + "' already exists (names are compared ignoring case)");
    }

    @Override
    public boolean update(Repo repo) {
        return bind(handle.createUpdate("UPDATE hub_repos SET namespace = :namespace, name = :name,"
                + " lookup = :lookup, owner_kind = :ownerKind, owner_id = :ownerId, visibility = :visibility, domain = :domain,"
                + " updated_at = :updatedAt, card = :card, keywords = :keywords, version = :version"
                + " WHERE id = :id AND version = :previous"), repo).bind("previous", repo.version() - 1).execute() == 1;
    }

    private static <S extends SqlStatement<S>> S bind(S statement, Repo repo) {
        String keywords = (repo.namespace() + "/" + repo.name() + " " + repo.card().map(card ->
                String.join(" ", card.keywords())).orElse("")).toLowerCase(Locale.ROOT);
        return statement.bind("id", repo.id()).bind("kind", wire(repo.kind())).bind("namespace", repo.namespace())
                .bind("name", repo.name()).bind("lookup", lookup(repo.kind(), repo.namespace(), repo.name()))
                .bind("ownerKind", wire(repo.owner().kind())).bind("ownerId", repo.owner().id())
                .bind("visibility", wire(repo.visibility())).bind("domain", repo.domain())
                .bind("createdBy", repo.createdBy()).bind("createdAt", repo.createdAt().toEpochMilli())
                .bind("updatedAt", repo.updatedAt().toEpochMilli())
                .bind("card", repo.card().map(JdbiRepos::cardJson).orElse(null)).bind("keywords", keywords)
                .bind("version", repo.version());
    }

    private static String lookup(RepoKind kind, String namespace, String name) {
        return (wire(kind) + "/" + namespace + "/" + name).toLowerCase(Locale.ROOT);
    }

    @Override
    public Optional<Repo> find(RepoKind kind, String namespace, String name) {
        return handle.createQuery("SELECT * FROM hub_repos WHERE lookup = :lookup")
                .bind("lookup", lookup(kind, namespace, name)).map((rs, ctx) -> repo(rs)).findOne();
    }

    @Override
    public Optional<Repo> byId(String id) {
        return handle.createQuery("SELECT * FROM hub_repos WHERE id = :id").bind("id", id).map((rs, ctx) -> repo(rs))
                .findOne();
    }

    @Override
    public Page<Repo> list(Optional<RepoKind> kind, Optional<String> namespace, Optional<String> search,
                           Readable readable, PageRequest page) {
        StringBuilder select = new StringBuilder("SELECT * FROM hub_repos WHERE 1 = 1");
        kind.ifPresent(value -> select.append(" AND kind = :kind"));
        namespace.ifPresent(value -> select.append(" AND namespace = :namespace"));
        search.ifPresent(value -> select.append(" AND keywords LIKE :search ESCAPE '\\'"));
        if (!readable.everything()) {
            select.append(" AND (visibility IN ('public', 'gated')")
                    .append(readable.ownerIds().isEmpty() ? "" : " OR owner_id IN (<owners>)").append(")");
        }
        return Paging.page(handle, select.toString(), "id", false, page, query -> {
            kind.ifPresent(value -> query.bind("kind", wire(value)));
            namespace.ifPresent(value -> query.bind("namespace", value));
            search.ifPresent(value -> query.bind("search", "%" + value.replace("\\", "\\\\").replace("%", "\\%")
                    .replace("_", "\\_") + "%"));
            if (!readable.everything() && !readable.ownerIds().isEmpty()) {
                query.bindList("owners", List.copyOf(readable.ownerIds()));
            }
            return query;
        }, (rs, ctx) -> repo(rs), Repo::id);
    }

    @Override
    public void delete(String repoId) {
        handle.createUpdate("DELETE FROM hub_refs WHERE repo_id = :id").bind("id", repoId).execute();
        handle.createUpdate("DELETE FROM hub_commits WHERE repo_id = :id").bind("id", repoId).execute();
        handle.createUpdate("DELETE FROM hub_repos WHERE id = :id").bind("id", repoId).execute();
    }

    @Override
    public List<Repo> inDomain(String domain) {
        return handle.createQuery("SELECT * FROM hub_repos WHERE domain = :domain ORDER BY id").bind("domain", domain)
                .map((rs, ctx) -> repo(rs)).list();
    }

    @Override
    public void insertCommit(Commit commit) {
        handle.createUpdate("INSERT INTO hub_commits (repo_id, id, parents, author, message, created_at, tree) VALUES"
                        + " (:repoId, :id, :parents, :author, :message, :createdAt, :tree)")
                .bind("repoId", commit.repoId()).bind("id", commit.id()).bind("parents", write(commit.parents()))
                .bind("author", commit.author()).bind("message", commit.message())
                .bind("createdAt", commit.createdAt().toEpochMilli()).bind("tree", tree(commit.tree())).execute();
    }

    @Override
    public Optional<Commit> commit(String repoId, String commitId) {
        return handle.createQuery("SELECT * FROM hub_commits WHERE repo_id = :repoId AND id = :id")
                .bind("repoId", repoId).bind("id", commitId).map((rs, ctx) -> commit(rs)).findOne();
    }

    @Override
    public List<String> commitsWithPrefix(String repoId, String prefix) {
        return handle.createQuery("SELECT id FROM hub_commits WHERE repo_id = :repoId AND id >= :low AND id < :high"
                        + " ORDER BY id LIMIT 2")
                .bind("repoId", repoId).bind("low", prefix).bind("high", prefix + "g").mapTo(String.class).list();
    }

    @Override
    public List<Commit> commits(String repoId) {
        return handle.createQuery("SELECT * FROM hub_commits WHERE repo_id = :repoId ORDER BY created_at, id")
                .bind("repoId", repoId).map((rs, ctx) -> commit(rs)).list();
    }

    @Override
    public List<Ref> refs(String repoId) {
        return handle.createQuery("SELECT * FROM hub_refs WHERE repo_id = :repoId ORDER BY name").bind("repoId", repoId)
                .map((rs, ctx) -> ref(rs)).list();
    }

    @Override
    public Optional<Ref> ref(String repoId, String name) {
        return handle.createQuery("SELECT * FROM hub_refs WHERE repo_id = :repoId AND name = :name")
                .bind("repoId", repoId).bind("name", name).map((rs, ctx) -> ref(rs)).findOne();
    }

    @Override
    public void insertRef(Ref ref) {
        Sql.insertUnique(() -> handle.createUpdate("INSERT INTO hub_refs (repo_id, name, kind, commit_id, version)"
                        + " VALUES (:repoId, :name, :kind, :commitId, :version)")
                .bind("repoId", ref.repoId()).bind("name", ref.name()).bind("kind", wire(ref.kind()))
                .bind("commitId", ref.commitId()).bind("version", ref.version()).execute(),
                "ref '" + ref.name() + "' already exists");
    }

    @Override
    public boolean updateRef(Ref ref) {
        return handle.createUpdate("UPDATE hub_refs SET commit_id = :commitId, version = :version"
                        + " WHERE repo_id = :repoId AND name = :name AND version = :previous AND kind = 'branch'")
                .bind("commitId", ref.commitId()).bind("version", ref.version()).bind("repoId", ref.repoId())
                .bind("name", ref.name()).bind("previous", ref.version() - 1).execute() == 1;
    }

    @Override
    public void deleteRef(String repoId, String name) {
        handle.createUpdate("DELETE FROM hub_refs WHERE repo_id = :repoId AND name = :name").bind("repoId", repoId)
                .bind("name", name).execute();
    }

    private static Repo repo(ResultSet rs) throws SQLException {
        String card = rs.getString("card");
        return new Repo(rs.getString("id"), RepoKind.valueOf(upper(rs.getString("kind"))), rs.getString("namespace"),
                rs.getString("name"), new Repo.Owner(Repo.OwnerKind.valueOf(upper(rs.getString("owner_kind"))),
                rs.getString("owner_id")), Visibility.valueOf(upper(rs.getString("visibility"))),
                rs.getString("domain"), rs.getString("created_by"), Instant.ofEpochMilli(rs.getLong("created_at")),
                Instant.ofEpochMilli(rs.getLong("updated_at")), card == null ? Optional.empty() : Optional.of(card(card)),
                rs.getLong("version"));
    }

    private static Commit commit(ResultSet rs) throws SQLException {
        try {
            List<String> parents = JSON.readValue(rs.getString("parents"), new TypeReference<>() { });
            List<TreeEntry> tree = new ArrayList<>();
            for (JsonNode row : JSON.readTree(rs.getString("tree"))) {
                tree.add(new TreeEntry(row.get(0).asText(), row.get(1).asLong(), row.get(2).asText(),
                        row.get(3).asText(), row.get(4).asBoolean()));
            }
            return new Commit(rs.getString("id"), rs.getString("repo_id"), parents, rs.getString("author"),
                    rs.getString("message"), Instant.ofEpochMilli(rs.getLong("created_at")), tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("commit " + rs.getString("id") + " has an unreadable tree", e);
        }
    }

    private static Ref ref(ResultSet rs) throws SQLException {
        return new Ref(rs.getString("repo_id"), rs.getString("name"), Ref.Kind.valueOf(upper(rs.getString("kind"))),
                rs.getString("commit_id"), rs.getLong("version"));
    }

    private static String tree(List<TreeEntry> tree) {
        ArrayNode rows = JSON.createArrayNode();
        for (TreeEntry entry : tree) {
            rows.addArray().add(entry.path()).add(entry.size()).add(entry.sha256()).add(entry.gitOid()).add(entry.lfs());
        }
        return rows.toString();
    }

    private static String cardJson(Card card) {
        return write(card.metadata());
    }

    private static Card card(String json) {
        try {
            Map<String, Object> metadata = JSON.readValue(json, new TypeReference<LinkedHashMap<String, Object>>() { });
            return Card.fromMetadata(metadata);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a repository card is unreadable", e);
        }
    }

    private static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String wire(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    private static String upper(String value) {
        return value.toUpperCase(Locale.ROOT);
    }
}
