package dev.incubator.tenancy.port;

import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.tenancy.ApiToken;
import dev.incubator.tenancy.Ids.TokenId;
import dev.incubator.tenancy.Ids.UserId;
import java.time.Instant;
import java.util.Optional;

public interface TokenRepository {
    void insert(ApiToken token);

    Optional<ApiToken> findByHash(String secretHash);

    Optional<ApiToken> findById(TokenId id);

    Page<ApiToken> listByUser(UserId userId, PageRequest page);

    /** Marks the token revoked at {@code at} unless it already is; returns whether it changed. */
    boolean revoke(TokenId id, Instant at);

    /** Records use of the token; implementations may skip the write when the last record is recent. */
    void touch(TokenId id, Instant at);
}
