package dev.incubator.tenancy.session;

import dev.incubator.common.access.Roles.Scope;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * A signed-in browser session of the console: whose it is, with the scopes of the token it was opened with, the
 * CSRF token every form of it carries, when it was opened and last seen, when it ends, and where from. Its secret
 * (the cookie's value) is stored only as a SHA-256 hash.
 */
public record Session(String id, String secretHash, String userId, String userName, Set<Scope> scopes, String csrf,
                      Instant createdAt, Instant lastSeenAt, Instant expiresAt, Optional<Instant> revokedAt,
                      String userAgent, String address) {
    /** How long a session lasts without use. */
    public static final Duration IDLE = Duration.ofHours(12);
    /** How long a session lasts at most. */
    public static final Duration LIFETIME = Duration.ofDays(7);

    public Session {
        scopes = Set.copyOf(scopes);
    }

    /** Why the session no longer signs anyone in at {@code now}; empty while it does. */
    public Optional<String> endedAt(Instant now) {
        if (revokedAt.isPresent()) {
            return Optional.of("signed out");
        }
        if (!now.isBefore(expiresAt)) {
            return Optional.of("expired");
        }
        if (!now.isBefore(lastSeenAt.plus(IDLE))) {
            return Optional.of("idle for " + IDLE.toHours() + " hours");
        }
        return Optional.empty();
    }
}
