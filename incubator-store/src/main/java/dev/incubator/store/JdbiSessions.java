package dev.incubator.store;

import dev.incubator.common.access.Roles.Scope;
import dev.incubator.tenancy.session.Session;
import dev.incubator.tenancy.session.SessionStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;

/** {@link SessionStore} on the metadata store. */
public final class JdbiSessions extends JdbiStore<SessionStore.Repositories> implements SessionStore {
    private static final String COLUMNS = "id, secret_hash, user_id, user_name, scopes, csrf, created_at,"
            + " last_seen_at, expires_at, revoked_at, user_agent, address";

    public JdbiSessions(Database database) {
        super(database, Repos::new);
    }

    private record Repos(Handle handle) implements Repositories {
        @Override
        public void insert(Session s) {
            handle.createUpdate("INSERT INTO console_sessions (" + COLUMNS + ") VALUES (:id, :secret_hash, :user_id,"
                            + " :user_name, :scopes, :csrf, :created_at, :last_seen_at, :expires_at, :revoked_at,"
                            + " :user_agent, :address)")
                    .bind("id", s.id()).bind("secret_hash", s.secretHash()).bind("user_id", s.userId())
                    .bind("user_name", s.userName()).bind("scopes", s.scopes().stream().map(scope -> scope.name()
                            .toLowerCase(Locale.ROOT)).sorted().collect(Collectors.joining(",")))
                    .bind("csrf", s.csrf()).bind("created_at", s.createdAt().toEpochMilli())
                    .bind("last_seen_at", s.lastSeenAt().toEpochMilli()).bind("expires_at", s.expiresAt()
                            .toEpochMilli()).bind("revoked_at", s.revokedAt().map(Instant::toEpochMilli).orElse(null))
                    .bind("user_agent", s.userAgent()).bind("address", s.address()).execute();
        }

        @Override
        public Optional<Session> findBySecretHash(String secretHash) {
            return handle.createQuery("SELECT " + COLUMNS + " FROM console_sessions WHERE secret_hash = :hash")
                    .bind("hash", secretHash).map((rs, ctx) -> session(rs)).findOne();
        }

        @Override
        public Optional<Session> find(String id) {
            return handle.createQuery("SELECT " + COLUMNS + " FROM console_sessions WHERE id = :id").bind("id", id)
                    .map((rs, ctx) -> session(rs)).findOne();
        }

        @Override
        public void touch(String id, Instant at) {
            handle.createUpdate("UPDATE console_sessions SET last_seen_at = :at WHERE id = :id AND last_seen_at < :at")
                    .bind("id", id).bind("at", at.toEpochMilli()).execute();
        }

        @Override
        public boolean revoke(String id, Instant at) {
            return handle.createUpdate("UPDATE console_sessions SET revoked_at = :at WHERE id = :id AND revoked_at IS"
                    + " NULL").bind("id", id).bind("at", at.toEpochMilli()).execute() == 1;
        }

        @Override
        public List<Session> forUser(String userId, int limit) {
            return handle.createQuery("SELECT " + COLUMNS + " FROM console_sessions WHERE user_id = :user ORDER BY"
                            + " created_at DESC, id DESC LIMIT :limit").bind("user", userId).bind("limit", limit)
                    .map((rs, ctx) -> session(rs)).list();
        }

        private static Session session(ResultSet rs) throws SQLException {
            long revoked = rs.getLong("revoked_at");
            Optional<Instant> revokedAt = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(revoked));
            return new Session(rs.getString("id"), rs.getString("secret_hash"), rs.getString("user_id"),
                    rs.getString("user_name"), Arrays.stream(rs.getString("scopes").split(",")).filter(word ->
                    !word.isEmpty()).map(word -> Scope.valueOf(word.toUpperCase(Locale.ROOT))).collect(
                    Collectors.toSet()), rs.getString("csrf"), Instant.ofEpochMilli(rs.getLong("created_at")),
                    Instant.ofEpochMilli(rs.getLong("last_seen_at")), Instant.ofEpochMilli(rs.getLong("expires_at")),
                    revokedAt, rs.getString("user_agent"), rs.getString("address"));
        }
    }
}
