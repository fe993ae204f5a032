package dev.incubator.tenancy;

import static java.util.Objects.requireNonNull;

import dev.incubator.tenancy.Ids.TokenId;
import dev.incubator.tenancy.Ids.UserId;
import dev.incubator.common.access.Roles.Scope;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/** A personal API token as stored: only the SHA-256 hash of the secret is kept. */
public record ApiToken(TokenId id, UserId userId, String name, String secretHash, Set<Scope> scopes,
                       Instant createdAt, Optional<Instant> expiresAt, Optional<Instant> revokedAt,
                       Optional<Instant> lastUsedAt) {
    public ApiToken {
        requireNonNull(id, "id is null");
        requireNonNull(userId, "userId is null");
        requireNonNull(name, "name is null");
        requireNonNull(secretHash, "secretHash is null");
        scopes = Set.copyOf(scopes);
        requireNonNull(createdAt, "createdAt is null");
        requireNonNull(expiresAt, "expiresAt is null");
        requireNonNull(revokedAt, "revokedAt is null");
        requireNonNull(lastUsedAt, "lastUsedAt is null");
    }

    public boolean isExpiredAt(Instant now) {
        return expiresAt.map(expiry -> !now.isBefore(expiry)).orElse(false);
    }
}
