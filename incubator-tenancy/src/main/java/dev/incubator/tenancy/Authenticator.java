package dev.incubator.tenancy;

import dev.incubator.common.access.Roles;
import static java.util.Objects.requireNonNull;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.access.Roles.OrgRole;
import dev.incubator.tenancy.port.TenancyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Turns a bearer token into a {@link Principal}, or says precisely why it cannot. */
public final class Authenticator {
    /** Last-use times are recorded at most this often, so reads do not each cost a write. */
    static final Duration TOUCH_INTERVAL = Duration.ofMinutes(1);

    private final TenancyStore store;
    private final Clock clock;

    public Authenticator(TenancyStore store, Clock clock) {
        this.store = requireNonNull(store, "store is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /**
     * The principal of a job running on the platform, acting for the user who submitted it: read scope only, the
     * user's current organisation roles. The job's credential was checked by the caller.
     */
    public Principal forJob(String userName, String jobId) {
        return store.read(repositories -> {
            User user = repositories.users().findByName(userName).orElseThrow(() -> new IncubatorException(
                    ErrorCode.TOKEN_INVALID, "the job's user no longer exists"));
            refuseDisabled(user);
            Map<Ids.OrgId, OrgRole> roles = new HashMap<>();
            repositories.memberships().listByUser(user.id()).forEach(m -> roles.put(m.orgId(), m.role()));
            ApiToken token = new ApiToken(new Ids.TokenId("job-" + jobId), user.id(), "job " + jobId, "-",
                    java.util.Set.of(Roles.Scope.READ), clock.instant(), Optional.empty(), Optional.empty(),
                    Optional.empty());
            return new Principal(user, token, token.scopes(), roles);
        });
    }

    /**
     * The principal of a console session, acting for its user with the scopes of the token the session was opened
     * with and the user's current organisation roles; the session itself was checked by the caller.
     */
    public Principal forSession(String userId, String sessionId, java.util.Set<Roles.Scope> scopes) {
        return store.read(repositories -> {
            User user = repositories.users().findById(new Ids.UserId(userId)).orElseThrow(() ->
                    new IncubatorException(ErrorCode.TOKEN_INVALID, "the session's user no longer exists"));
            refuseDisabled(user);
            Map<Ids.OrgId, OrgRole> roles = new HashMap<>();
            repositories.memberships().listByUser(user.id()).forEach(m -> roles.put(m.orgId(), m.role()));
            ApiToken token = new ApiToken(new Ids.TokenId("session-" + sessionId), user.id(), "console session", "-",
                    scopes, clock.instant(), Optional.empty(), Optional.empty(), Optional.empty());
            return new Principal(user, token, scopes, roles);
        });
    }

    public Principal authenticate(String secret) {
        if (!TokenSecrets.looksValid(secret)) {
            throw new IncubatorException(ErrorCode.TOKEN_INVALID,
                    "the API token is malformed; tokens start with '" + TokenSecrets.PREFIX + "' and are 47 characters long");
        }
        Instant now = clock.instant();
        Principal principal = store.read(repositories -> {
            ApiToken token = repositories.tokens().findByHash(TokenSecrets.hash(secret)).orElseThrow(() ->
                    new IncubatorException(ErrorCode.TOKEN_INVALID, "the API token is not known to this server"));
            if (token.revokedAt().isPresent()) {
                throw new IncubatorException(ErrorCode.TOKEN_REVOKED, "the API token '" + token.name()
                        + "' was revoked at " + token.revokedAt().get() + "; create a new one");
            }
            if (token.isExpiredAt(now)) {
                throw new IncubatorException(ErrorCode.TOKEN_EXPIRED, "the API token '" + token.name()
                        + "' expired at " + token.expiresAt().orElseThrow() + "; create a new one");
            }
            User user = repositories.users().findById(token.userId()).orElseThrow(() ->
                    new IncubatorException(ErrorCode.TOKEN_INVALID, "the API token's user no longer exists"));
            refuseDisabled(user);
            Map<Ids.OrgId, OrgRole> roles = new HashMap<>();
            repositories.memberships().listByUser(user.id()).forEach(m -> roles.put(m.orgId(), m.role()));
            return new Principal(user, token, token.scopes(), roles);
        });
        boolean stale = principal.token().lastUsedAt().map(last -> last.plus(TOUCH_INTERVAL).isBefore(now)).orElse(true);
        if (stale) {
            store.write(repositories -> {
                repositories.tokens().touch(principal.token().id(), now);
                return null;
            });
        }
        return principal;
    }

    private static void refuseDisabled(User user) {
        user.disabledAt().ifPresent(at -> {
            throw new IncubatorException(ErrorCode.ACCOUNT_DISABLED, "the account '" + user.name() + "' was disabled"
                    + " at " + at + "; an operator can tell you why");
        });
    }
}
