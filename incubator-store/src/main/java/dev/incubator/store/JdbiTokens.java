package dev.incubator.store;

import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.tenancy.ApiToken;
import dev.incubator.tenancy.Ids.TokenId;
import dev.incubator.tenancy.Ids.UserId;
import dev.incubator.common.access.Roles.Scope;
import dev.incubator.tenancy.port.TokenRepository;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

final class JdbiTokens implements TokenRepository {
    private static final String COLUMNS =
            "id, user_id, name, secret_hash, scopes, created_at, expires_at, revoked_at, last_used_at";
    private static final RowMapper<ApiToken> MAPPER = (rs, ctx) -> new ApiToken(new TokenId(rs.getString("id")),
            new UserId(rs.getString("user_id")), rs.getString("name"), rs.getString("secret_hash"),
            JdbiUsers.Sets.parse(Scope.class, rs.getString("scopes")), Sql.instant(rs, "created_at"),
            Sql.optionalInstant(rs, "expires_at"), Sql.optionalInstant(rs, "revoked_at"),
            Sql.optionalInstant(rs, "last_used_at"));

    private final Handle handle;

    JdbiTokens(Handle handle) {
        this.handle = handle;
    }

    @Override
    public void insert(ApiToken token) {
        handle.createUpdate("""
                        INSERT INTO api_tokens (id, user_id, name, secret_hash, scopes, created_at, expires_at,
                                                revoked_at, last_used_at)
                        VALUES (:id, :userId, :name, :secretHash, :scopes, :createdAt, :expiresAt, :revokedAt, :lastUsedAt)""")
                .bind("id", token.id().value())
                .bind("userId", token.userId().value())
                .bind("name", token.name())
                .bind("secretHash", token.secretHash())
                .bind("scopes", JdbiUsers.Sets.format(token.scopes()))
                .bind("createdAt", token.createdAt().toEpochMilli())
                .bind("expiresAt", Sql.millis(token.expiresAt()))
                .bind("revokedAt", Sql.millis(token.revokedAt()))
                .bind("lastUsedAt", Sql.millis(token.lastUsedAt()))
                .execute();
    }

    @Override
    public Optional<ApiToken> findByHash(String secretHash) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM api_tokens WHERE secret_hash = :hash")
                .bind("hash", secretHash).map(MAPPER).findOne();
    }

    @Override
    public Optional<ApiToken> findById(TokenId id) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM api_tokens WHERE id = :id")
                .bind("id", id.value()).map(MAPPER).findOne();
    }

    @Override
    public Page<ApiToken> listByUser(UserId userId, PageRequest page) {
        return Paging.page(handle, "SELECT " + COLUMNS + " FROM api_tokens WHERE user_id = :userId", "id", false, page,
                query -> query.bind("userId", userId.value()), MAPPER, token -> token.id().value());
    }

    @Override
    public boolean revoke(TokenId id, Instant at) {
        return handle.createUpdate("UPDATE api_tokens SET revoked_at = :at WHERE id = :id AND revoked_at IS NULL")
                .bind("at", at.toEpochMilli()).bind("id", id.value()).execute() == 1;
    }

    @Override
    public void touch(TokenId id, Instant at) {
        handle.createUpdate("UPDATE api_tokens SET last_used_at = :at WHERE id = :id")
                .bind("at", at.toEpochMilli()).bind("id", id.value()).execute();
    }
}
