package dev.incubator.tenancy;

import dev.incubator.common.access.Roles;
import static dev.incubator.common.access.Action.MEMBER_MANAGE;
import static dev.incubator.common.access.Action.MEMBER_READ;
import static dev.incubator.common.access.Action.ORG_CREATE;
import static dev.incubator.common.access.Action.ORG_READ;
import static dev.incubator.common.access.Action.ORG_UPDATE;
import static dev.incubator.common.access.Action.OWNER_MANAGE;
import static java.util.Objects.requireNonNull;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.common.RequestMeta;
import dev.incubator.common.Violations;
import dev.incubator.common.audit.AuditEvent;
import dev.incubator.common.access.AccessControl;
import dev.incubator.common.access.Action;
import dev.incubator.common.access.Resource;
import dev.incubator.tenancy.Ids.OrgId;
import dev.incubator.tenancy.Ids.TokenId;
import dev.incubator.tenancy.Ids.UserId;
import dev.incubator.common.access.Roles.OrgKind;
import dev.incubator.common.access.Roles.OrgRole;
import dev.incubator.common.access.Roles.PlatformRole;
import dev.incubator.common.access.Roles.Scope;
import dev.incubator.tenancy.port.TenancyRepositories;
import dev.incubator.tenancy.port.TenancyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Organisations, users, memberships and API tokens: validated, authorised and audited in one transaction. */
public final class TenancyService {
    public static final int MAX_TOKEN_DAYS = 3650;
    public static final int DEFAULT_TOKEN_DAYS = 90;
    public static final String BOOTSTRAP_USER = "admin";
    public static final String BOOTSTRAP_ORG = "operators";

    private final TenancyStore store;
    private final AccessControl access;
    private final Clock clock;

    public TenancyService(TenancyStore store, AccessControl access, Clock clock) {
        this.store = requireNonNull(store, "store is null");
        this.access = requireNonNull(access, "access is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public record NewOrganisation(String name, String displayName, OrgKind kind, Optional<String> owner) {
    }

    public record NewUser(String name, String displayName, String email, Set<PlatformRole> platformRoles) {
    }

    public record NewToken(String name, Set<Scope> scopes, int expiresInDays) {
    }

    /** A freshly issued token: the only moment its secret exists outside the caller's hands. */
    public record IssuedToken(ApiToken token, String secret) {
    }

    // ---- bootstrap -------------------------------------------------------------------------------------------

    /**
     * On an empty store, creates the operator account, the operators' organisation and a token with every
     * scope, and returns the token's secret; on a store that has users, does nothing.
     */
    public Optional<String> bootstrap() {
        return bootstrap(secret -> { });
    }

    /**
     * As {@link #bootstrap()}, handing the secret to {@code persistBeforeCommit} inside the transaction: if
     * saving it fails the bootstrap rolls back, so the operator's token can never be lost by a crash.
     */
    public Optional<String> bootstrap(java.util.function.Consumer<String> persistBeforeCommit) {
        return bootstrap(persistBeforeCommit, Optional.empty());
    }

    /** As above; the operator's token expires after {@code lifetime} when one is given. */
    public Optional<String> bootstrap(java.util.function.Consumer<String> persistBeforeCommit,
                                      Optional<java.time.Duration> lifetime) {
        return store.write(repositories -> {
            if (repositories.users().count() > 0) {
                return Optional.empty();
            }
            Instant now = clock.instant();
            User admin = new User(new UserId(dev.incubator.common.Ids.next("usr", clock)), BOOTSTRAP_USER,
                    "Incubator operator", "operator@localhost", EnumSet.of(PlatformRole.OPERATOR), now, 1);
            repositories.users().insert(admin);
            Organisation operators = new Organisation(new OrgId(dev.incubator.common.Ids.next("org", clock)),
                    BOOTSTRAP_ORG, "Incubator operators", OrgKind.OPERATOR, Optional.empty(), now, 1);
            repositories.organisations().insert(operators);
            repositories.memberships().insert(new Membership(operators.id(), admin.id(), admin.name(), OrgRole.OWNER, now, 1));
            IssuedToken issued = insertBootstrapToken(repositories, admin, now, lifetime, persistBeforeCommit);
            ApiToken token = issued.token();
            Audits.success(repositories.audit(), "system", RequestMeta.SYSTEM, now, "platform.bootstrap", "user",
                    admin.id().value(), Optional.of(operators.id()), Map.of("user", admin.name(), "organisation",
                            operators.name(), "token", token.id().value()));
            return Optional.of(issued.secret());
        });
    }

    // ---- organisations ---------------------------------------------------------------------------------------

    public Organisation createOrganisation(Caller caller, NewOrganisation request) {
        access.check(caller.subject(), ORG_CREATE, Resource.platform());
        Violations violations = new Violations();
        Names.handle(violations, "name", request.name());
        Names.text(violations, "display_name", request.displayName(), 100);
        request.owner().ifPresent(owner -> Names.handle(violations, "owner", owner));
        violations.throwIfAny();
        return store.write(repositories -> {
            Optional<User> owner = request.owner().map(name -> repositories.users().findByName(name).orElseThrow(() ->
                    IncubatorException.validation("owner", "no user named '" + name + "'; create the user first")));
            Instant now = clock.instant();
            Organisation organisation = new Organisation(new OrgId(dev.incubator.common.Ids.next("org", clock)),
                    request.name(), request.displayName(), request.kind(), Optional.empty(), now, 1);
            repositories.organisations().insert(organisation);
            owner.ifPresent(user -> repositories.memberships().insert(
                    new Membership(organisation.id(), user.id(), user.name(), OrgRole.OWNER, now, 1)));
            Audits.success(repositories.audit(), caller, now, "organisation.create", "organisation",
                    organisation.id().value(), Optional.of(organisation.id()), Map.of("name", organisation.name(),
                            "kind", Roles.wire(organisation.kind()), "owner", owner.map(User::name).orElse("")));
            return organisation;
        });
    }

    public Organisation getOrganisation(Caller caller, String name) {
        return store.read(repositories -> visibleOrganisation(repositories, caller, name, ORG_READ));
    }

    public Page<Organisation> listOrganisations(Caller caller, PageRequest page) {
        return store.read(repositories -> access.allows(caller.subject(), ORG_READ, Resource.platform())
                ? repositories.organisations().list(page)
                : repositories.organisations().listForMember(caller.principal().user().id(), page));
    }

    /**
     * Changes the display name and/or the default job time limit; {@code expectedVersion}, when given, must match
     * the stored version.
     */
    public Organisation updateOrganisation(Caller caller, String name, Optional<Long> expectedVersion,
                                           Optional<String> displayName, Optional<Integer> defaultJobTimeLimitMinutes) {
        Violations violations = new Violations();
        violations.check(displayName.isPresent() || defaultJobTimeLimitMinutes.isPresent(), "(body)",
                "name at least one of display_name, default_job_time_limit_minutes");
        displayName.ifPresent(value -> Names.text(violations, "display_name", value, 100));
        defaultJobTimeLimitMinutes.ifPresent(minutes -> violations.check(minutes >= 1
                && minutes <= Organisation.MAX_JOB_TIME_LIMIT_MINUTES, "default_job_time_limit_minutes",
                "must be from 1 to " + Organisation.MAX_JOB_TIME_LIMIT_MINUTES + " minutes (30 days)"));
        return store.write(repositories -> {
            Organisation current = visibleOrganisation(repositories, caller, name, ORG_UPDATE);
            violations.throwIfAny();
            requireVersion(expectedVersion, current.version(), "organisation '" + name + "'");
            Organisation updated = new Organisation(current.id(), current.name(), displayName.orElse(current.displayName()),
                    current.kind(), defaultJobTimeLimitMinutes.or(current::defaultJobTimeLimitMinutes),
                    current.createdAt(), current.version() + 1);
            repositories.organisations().update(updated);
            Audits.success(repositories.audit(), caller, clock.instant(), "organisation.update", "organisation",
                    current.id().value(), Optional.of(current.id()), Map.of("display_name", updated.displayName(),
                            "default_job_time_limit_minutes", updated.defaultJobTimeLimitMinutes().map(String::valueOf)
                                    .orElse("")));
            return updated;
        });
    }

    /** The caller's roles by organisation name. */
    public Map<String, OrgRole> organisationRoles(Caller caller) {
        return store.read(repositories -> {
            Map<String, OrgRole> roles = new java.util.TreeMap<>();
            caller.principal().memberships().forEach((orgId, role) -> repositories.organisations().findById(orgId)
                    .ifPresent(organisation -> roles.put(organisation.name(), role)));
            return roles;
        });
    }

    // ---- memberships -----------------------------------------------------------------------------------------

    public Membership addMember(Caller caller, String orgName, String userName, OrgRole role) {
        return store.write(repositories -> {
            Organisation organisation = visibleOrganisation(repositories, caller, orgName, MEMBER_MANAGE);
            if (role == OrgRole.OWNER) {
                access.check(caller.subject(), OWNER_MANAGE, organisation(organisation));
            }
            User user = repositories.users().findByName(userName).orElseThrow(() ->
                    IncubatorException.validation("user", "no user named '" + userName + "'"));
            Instant now = clock.instant();
            Membership membership = new Membership(organisation.id(), user.id(), user.name(), role, now, 1);
            repositories.memberships().insert(membership);
            Audits.success(repositories.audit(), caller, now, "membership.add", "user", user.id().value(),
                    Optional.of(organisation.id()), Map.of("user", user.name(), "role", Roles.wire(role)));
            return membership;
        });
    }

    public Membership changeMemberRole(Caller caller, String orgName, String userName, OrgRole role,
                                       Optional<Long> expectedVersion) {
        return store.write(repositories -> {
            Organisation organisation = visibleOrganisation(repositories, caller, orgName, MEMBER_MANAGE);
            Membership current = membership(repositories, organisation, userName);
            if (role == OrgRole.OWNER || current.role() == OrgRole.OWNER) {
                access.check(caller.subject(), OWNER_MANAGE, organisation(organisation));
            }
            requireVersion(expectedVersion, current.version(), "membership of '" + userName + "'");
            if (current.role() == OrgRole.OWNER && role != OrgRole.OWNER) {
                requireAnotherOwner(repositories, organisation);
            }
            Membership updated = new Membership(current.orgId(), current.userId(), current.userName(), role,
                    current.createdAt(), current.version() + 1);
            repositories.memberships().update(updated);
            Audits.success(repositories.audit(), caller, clock.instant(), "membership.update", "user",
                    current.userId().value(), Optional.of(organisation.id()),
                    Map.of("user", userName, "from", Roles.wire(current.role()), "to", Roles.wire(role)));
            return updated;
        });
    }

    public void removeMember(Caller caller, String orgName, String userName) {
        store.write(repositories -> {
            Organisation organisation = visibleOrganisation(repositories, caller, orgName, MEMBER_MANAGE);
            Membership current = membership(repositories, organisation, userName);
            if (current.role() == OrgRole.OWNER) {
                access.check(caller.subject(), OWNER_MANAGE, organisation(organisation));
                requireAnotherOwner(repositories, organisation);
            }
            repositories.memberships().delete(organisation.id(), current.userId());
            Audits.success(repositories.audit(), caller, clock.instant(), "membership.remove", "user",
                    current.userId().value(), Optional.of(organisation.id()),
                    Map.of("user", userName, "role", Roles.wire(current.role())));
            return null;
        });
    }

    public Page<Membership> listMembers(Caller caller, String orgName, PageRequest page) {
        return store.read(repositories -> {
            Organisation organisation = visibleOrganisation(repositories, caller, orgName, MEMBER_READ);
            return repositories.memberships().listByOrg(organisation.id(), page);
        });
    }

    public Membership getMember(Caller caller, String orgName, String userName) {
        return store.read(repositories -> membership(repositories,
                visibleOrganisation(repositories, caller, orgName, MEMBER_READ), userName));
    }

    // ---- users -----------------------------------------------------------------------------------------------

    public User createUser(Caller caller, NewUser request) {
        access.check(caller.subject(), Action.USER_CREATE, Resource.platform());
        Violations violations = new Violations();
        Names.handle(violations, "name", request.name());
        Names.text(violations, "display_name", request.displayName(), 100);
        Names.email(violations, "email", request.email());
        violations.throwIfAny();
        return store.write(repositories -> {
            Instant now = clock.instant();
            User user = new User(new UserId(dev.incubator.common.Ids.next("usr", clock)), request.name(),
                    request.displayName(), request.email(), request.platformRoles(), now, 1);
            repositories.users().insert(user);
            Audits.success(repositories.audit(), caller, now, "user.create", "user", user.id().value(), Optional.empty(),
                    Map.of("name", user.name(), "platform_roles",
                            String.join(",", user.platformRoles().stream().map(Roles::wire).sorted().toList())));
            return user;
        });
    }

    /** A user's own record, or anyone's for operators and auditors; others answer not found. */
    public User getUser(Caller caller, String name) {
        User self = caller.principal().user();
        if (self.name().equals(name)) {
            return self;
        }
        if (!access.allows(caller.subject(), Action.USER_READ, Resource.platform())) {
            throw IncubatorException.notFound("user", name);
        }
        return store.read(repositories -> repositories.users().findByName(name)
                .orElseThrow(() -> IncubatorException.notFound("user", name)));
    }

    public Page<User> listUsers(Caller caller, PageRequest page) {
        access.check(caller.subject(), Action.USER_READ, Resource.platform());
        return store.read(repositories -> repositories.users().list(page));
    }

    // ---- tokens ----------------------------------------------------------------------------------------------

    /** Issues a token to the caller; it can not carry a scope the calling token lacks. */
    public IssuedToken createOwnToken(Caller caller, NewToken request) {
        access.check(caller.subject(), Action.OWN_TOKENS_MANAGE, Resource.platform());
        Violations violations = validateToken(request);
        if (!caller.principal().scopes().containsAll(request.scopes())) {
            violations.add("scopes", "can not exceed the scopes of the token making the request ("
                    + String.join(", ", caller.principal().scopes().stream().map(Roles::wire).sorted().toList()) + ")");
        }
        violations.throwIfAny();
        return store.write(repositories -> issue(repositories, caller, caller.principal().user(), request));
    }

    /** An operator issues a token to another user, for example when onboarding them. */
    public IssuedToken issueToken(Caller caller, String userName, NewToken request) {
        access.check(caller.subject(), Action.USER_TOKEN_ISSUE, Resource.platform());
        validateToken(request).throwIfAny();
        return store.write(repositories -> {
            User user = repositories.users().findByName(userName)
                    .orElseThrow(() -> IncubatorException.notFound("user", userName));
            return issue(repositories, caller, user, request);
        });
    }

    /**
     * Replaces the operator account's bootstrap token: every token of that account named "bootstrap" is revoked
     * and a fresh one (every scope, expiring after {@code lifetime} if given) is issued. For whoever runs the
     * service and holds its database (the {@code incubator token rotate-bootstrap} command); audited.
     */
    public String rotateBootstrap(java.util.function.Consumer<String> persistBeforeCommit,
                                  Optional<java.time.Duration> lifetime) {
        return store.write(repositories -> {
            User admin = repositories.users().findByName(BOOTSTRAP_USER).orElseThrow(() -> new IncubatorException(
                    ErrorCode.NOT_FOUND, "there is no operator account '" + BOOTSTRAP_USER + "' yet; start the"
                    + " server once (incubator serve) to create it"));
            Instant now = clock.instant();
            int revoked = 0;
            for (ApiToken old : repositories.tokens().listByUser(admin.id(), PageRequest.all()).items()) {
                if (old.name().equals("bootstrap") && old.revokedAt().isEmpty()
                        && repositories.tokens().revoke(old.id(), now)) {
                    revoked++;
                }
            }
            IssuedToken issued = insertBootstrapToken(repositories, admin, now, lifetime, persistBeforeCommit);
            ApiToken token = issued.token();
            Audits.success(repositories.audit(), "system", RequestMeta.SYSTEM, now, "platform.bootstrap.rotate",
                    "token", token.id().value(), Optional.empty(), Map.of("user", admin.name(), "revoked",
                            Integer.toString(revoked)));
            return issued.secret();
        });
    }

    /**
     * Disables a user (operator): their tokens and their jobs' credentials are refused from the next request on;
     * memberships, jobs and audit history stay. An operator can not disable their own account.
     */
    public User disableUser(Caller caller, String userName, String reason) {
        access.check(caller.subject(), Action.USER_DISABLE, Resource.platform());
        Violations violations = new Violations();
        Names.text(violations, "reason", reason, 500);
        violations.throwIfAny();
        return store.write(repositories -> {
            User user = repositories.users().findByName(userName)
                    .orElseThrow(() -> IncubatorException.notFound("user", userName));
            if (user.id().equals(caller.principal().user().id())) {
                throw IncubatorException.validation("user", "you can not disable your own account");
            }
            Instant now = clock.instant();
            repositories.users().disable(user.id(), now);
            Audits.success(repositories.audit(), caller, now, "user.disable", "user", user.id().value(),
                    Optional.empty(), Map.of("name", user.name(), "reason", reason));
            return repositories.users().findById(user.id()).orElseThrow();
        });
    }

    /** Another user's tokens (never their secrets), for operators and auditors. */
    public Page<ApiToken> listUserTokens(Caller caller, String userName, PageRequest page) {
        access.check(caller.subject(), Action.USER_READ, Resource.platform());
        return store.read(repositories -> {
            User user = repositories.users().findByName(userName)
                    .orElseThrow(() -> IncubatorException.notFound("user", userName));
            return repositories.tokens().listByUser(user.id(), page);
        });
    }

    /**
     * The operator account's bootstrap token (every scope, expiring after {@code lifetime} if given), inserted;
     * the secret goes to {@code persistBeforeCommit} before the transaction commits.
     */
    private IssuedToken insertBootstrapToken(TenancyRepositories repositories, User admin, Instant now,
                                             Optional<java.time.Duration> lifetime,
                                             java.util.function.Consumer<String> persistBeforeCommit) {
        String secret = TokenSecrets.generate();
        ApiToken token = new ApiToken(new TokenId(dev.incubator.common.Ids.next("tok", clock)), admin.id(),
                "bootstrap", TokenSecrets.hash(secret), EnumSet.allOf(Scope.class), now, lifetime.map(now::plus),
                Optional.empty(), Optional.empty());
        repositories.tokens().insert(token);
        persistBeforeCommit.accept(secret);
        return new IssuedToken(token, secret);
    }

    public Page<ApiToken> listOwnTokens(Caller caller, PageRequest page) {
        access.check(caller.subject(), Action.OWN_TOKENS_READ, Resource.platform());
        return store.read(repositories -> repositories.tokens().listByUser(caller.principal().user().id(), page));
    }

    /** Revokes one of the caller's tokens (operators may revoke anyone's); takes effect on the next request. */
    public ApiToken revokeToken(Caller caller, String tokenId) {
        access.check(caller.subject(), Action.OWN_TOKENS_MANAGE, Resource.platform());
        return store.write(repositories -> {
            ApiToken token = repositories.tokens().findById(new TokenId(tokenId))
                    .filter(found -> found.userId().equals(caller.principal().user().id())
                            || access.allows(caller.subject(), Action.USER_TOKEN_REVOKE, Resource.platform()))
                    .orElseThrow(() -> IncubatorException.notFound("token", tokenId));
            Instant now = clock.instant();
            if (repositories.tokens().revoke(token.id(), now)) {
                Audits.success(repositories.audit(), caller, now, "token.revoke", "token", token.id().value(),
                        Optional.empty(), Map.of("name", token.name()));
            }
            return repositories.tokens().findById(token.id()).orElseThrow();
        });
    }

    // ---- audit -----------------------------------------------------------------------------------------------

    /** Audit events of the whole platform (operators, auditors) or of one organisation (its admins too). */
    public Page<AuditEvent> listAuditEvents(Caller caller, Optional<String> orgName, PageRequest page) {
        return listAuditEvents(caller, orgName, dev.incubator.common.audit.AuditQuery.inOrder(Optional.empty()), page);
    }

    /** Audit events {@code query} selects; of one organisation (its admins may read them) or all (operators). */
    public Page<AuditEvent> listAuditEvents(Caller caller, Optional<String> orgName,
                                            dev.incubator.common.audit.AuditQuery query, PageRequest page) {
        return store.read(repositories -> {
            if (orgName.isPresent()) {
                Organisation organisation = visibleOrganisation(repositories, caller, orgName.get(), Action.ORG_AUDIT_READ);
                return repositories.audit().list(query.withOrganisation(organisation.id().value()), page);
            }
            access.check(caller.subject(), Action.AUDIT_READ, Resource.platform());
            return repositories.audit().list(query, page);
        });
    }

    // ---- access for other capabilities -------------------------------------------------------------------------

    /** Checks {@code action} on the named organisation for the caller and returns it; the one entry point
     *  other capabilities (compute, hub) use, so that access is still decided by the policy alone. */
    public Organisation authorize(Caller caller, String orgName, Action action) {
        return store.read(repositories -> visibleOrganisation(repositories, caller, orgName, action));
    }

    /** Checks an action that concerns no organisation. */
    public void authorize(Caller caller, Action action) {
        access.check(caller.subject(), action, Resource.platform());
    }

    /** Ids of the organisations whose jobs the caller may see; empty means all of them (platform staff). */
    public Optional<java.util.Set<String>> visibleOrganisationIds(Caller caller) {
        if (access.allows(caller.subject(), Action.JOB_READ, Resource.platform())) {
            return Optional.empty();
        }
        return Optional.of(caller.principal().memberships().keySet().stream().map(OrgId::value)
                .collect(java.util.stream.Collectors.toSet()));
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /** Loads an organisation and checks the action; invisible and missing organisations fail alike. */
    Organisation visibleOrganisation(TenancyRepositories repositories, Caller caller, String name, Action action) {
        Optional<Organisation> organisation = repositories.organisations().findByName(name);
        if (organisation.isEmpty()) {
            // Worded exactly as the policy's answer for an organisation the caller may not see.
            throw IncubatorException.notFound("organisation", name);
        }
        access.check(caller.subject(), action, organisation(organisation.get()));
        return organisation.get();
    }

    /** An organisation as access decisions see it. */
    static Resource organisation(Organisation organisation) {
        return Resource.organisation(organisation.id().value(), organisation.name());
    }

    private static Membership membership(TenancyRepositories repositories, Organisation organisation, String userName) {
        return repositories.users().findByName(userName)
                .flatMap(user -> repositories.memberships().find(organisation.id(), user.id()))
                .orElseThrow(() -> new IncubatorException(ErrorCode.NOT_FOUND,
                        "user '" + userName + "' is not a member of '" + organisation.name() + "'"));
    }

    private static void requireAnotherOwner(TenancyRepositories repositories, Organisation organisation) {
        if (repositories.memberships().countWithRole(organisation.id(), OrgRole.OWNER) <= 1) {
            throw new IncubatorException(ErrorCode.CONFLICT, "organisation '" + organisation.name()
                    + "' must keep at least one owner; make another member owner first");
        }
    }

    static void requireVersion(Optional<Long> expected, long actual, String what) {
        if (expected.isPresent() && expected.get() != actual) {
            throw new IncubatorException(ErrorCode.VERSION_MISMATCH, what + " is at version " + actual
                    + ", not " + expected.get() + "; fetch it again and retry with the new version");
        }
    }

    private static Violations validateToken(NewToken request) {
        Violations violations = new Violations();
        Names.text(violations, "name", request.name(), 64);
        violations.check(!request.scopes().isEmpty(), "scopes", "must name at least one of read, write, admin");
        violations.check(request.expiresInDays() >= 1 && request.expiresInDays() <= MAX_TOKEN_DAYS,
                "expires_in_days", "must be between 1 and " + MAX_TOKEN_DAYS);
        return violations;
    }

    private IssuedToken issue(TenancyRepositories repositories, Caller caller, User user, NewToken request) {
        Instant now = clock.instant();
        String secret = TokenSecrets.generate();
        ApiToken token = new ApiToken(new TokenId(dev.incubator.common.Ids.next("tok", clock)), user.id(),
                request.name(), TokenSecrets.hash(secret), request.scopes(), now,
                Optional.of(now.plus(Duration.ofDays(request.expiresInDays()))), Optional.empty(), Optional.empty());
        repositories.tokens().insert(token);
        Audits.success(repositories.audit(), caller, now, "token.create", "token", token.id().value(), Optional.empty(),
                Map.of("user", user.name(), "name", token.name(),
                        "scopes", String.join(",", request.scopes().stream().map(Roles::wire).sorted().toList())));
        return new IssuedToken(token, secret);
    }
}
