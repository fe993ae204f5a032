package dev.incubator.server.api;

import static dev.incubator.server.api.BodySpec.Type.DATE;
import static dev.incubator.server.api.BodySpec.Type.INTEGER;
import static dev.incubator.server.api.BodySpec.Type.NUMBER;
import static dev.incubator.server.api.BodySpec.Type.NUMBER_MAP;
import static dev.incubator.server.api.BodySpec.Type.STRING;
import static java.util.Objects.requireNonNull;

import dev.incubator.common.GpuHours;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.Violations;
import dev.incubator.server.api.BodySpec.Body;
import dev.incubator.server.api.Views.AuditEventView;
import dev.incubator.server.api.Views.GrantView;
import dev.incubator.server.api.Views.IssuedTokenView;
import dev.incubator.server.api.Views.LedgerEntryView;
import dev.incubator.server.api.Views.MembershipView;
import dev.incubator.server.api.Views.OrganisationView;
import dev.incubator.server.api.Views.PageView;
import dev.incubator.server.api.Views.TokenView;
import dev.incubator.server.api.Views.UserView;
import dev.incubator.server.api.Views.WhoAmIView;
import dev.incubator.tenancy.GrantService;
import dev.incubator.tenancy.GrantService.GrantChange;
import dev.incubator.tenancy.GrantService.NewGrant;
import dev.incubator.tenancy.Names;
import dev.incubator.common.access.Roles;
import dev.incubator.common.access.Roles.OrgKind;
import dev.incubator.common.access.Roles.OrgRole;
import dev.incubator.common.access.Roles.PlatformRole;
import dev.incubator.common.access.Roles.Scope;
import dev.incubator.tenancy.TenancyService;
import dev.incubator.tenancy.TenancyService.NewOrganisation;
import dev.incubator.tenancy.TenancyService.NewToken;
import dev.incubator.tenancy.TenancyService.NewUser;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** The tenancy API: who am I, organisations, members, users, tokens, grants and audit events. */
public final class TenancyRoutes {
    public static final String PREFIX = "/api/v1";

    private static final BodySpec CREATE_ORGANISATION = BodySpec.named("CreateOrganisation")
            .required("name", STRING, "unique handle, e.g. 'deep-lab'").rule(Names::handleProblem)
            .required("display_name", STRING, "human-readable name").rule(TenancyRoutes::displayName)
            .requiredEnum("kind", wires(OrgKind.class), "kind of organisation")
            .optional("owner", STRING, "name of an existing user who becomes the owner").rule(Names::handleProblem)
            .build();
    private static final BodySpec UPDATE_ORGANISATION = BodySpec.named("UpdateOrganisation")
            .optional("display_name", STRING, "human-readable name").rule(TenancyRoutes::displayName)
            .optional("default_job_time_limit_minutes", INTEGER, "time limit of jobs that state none (1-43200)")
            .build();
    private static final BodySpec ADD_MEMBER = BodySpec.named("AddMember")
            .required("user", STRING, "name of an existing user").rule(Names::handleProblem)
            .requiredEnum("role", wires(OrgRole.class), "role in the organisation")
            .build();
    private static final BodySpec UPDATE_MEMBER = BodySpec.named("UpdateMember")
            .requiredEnum("role", wires(OrgRole.class), "new role in the organisation")
            .build();
    private static final BodySpec CREATE_USER = BodySpec.named("CreateUser")
            .required("name", STRING, "unique handle, e.g. 'ada'").rule(Names::handleProblem)
            .required("display_name", STRING, "full name").rule(TenancyRoutes::displayName)
            .required("email", STRING, "contact e-mail address").rule(Names::emailProblem)
            .optionalEnumList("platform_roles", wires(PlatformRole.class), "platform roles (incubator staff only)")
            .build();
    private static final BodySpec CREATE_TOKEN = BodySpec.named("CreateToken")
            .required("name", STRING, "what the token is for, e.g. 'laptop'").rule(value -> Names.textProblem(value, 64))
            .optionalEnumList("scopes", wires(Scope.class), "scopes; default [\"read\"]")
            .optional("expires_in_days", INTEGER, "lifetime in days, 1-" + TenancyService.MAX_TOKEN_DAYS
                    + " (default " + TenancyService.DEFAULT_TOKEN_DAYS + ")")
            .build();
    private static final BodySpec AWARD_GRANT = BodySpec.named("AwardGrant")
            .required("programme", STRING, "funding programme, e.g. '2026 seed compute'")
            .rule(value -> Names.textProblem(value, 100))
            .required("gpu_hours", NUMBER_MAP, "GPU-hours by GPU type, 'any' for any type, e.g. {\"any\": 5000}")
            .required("starts_on", DATE, "first day, e.g. 2026-01-01")
            .required("ends_on", DATE, "last day, e.g. 2026-12-31")
            .optional("guaranteed_gpus", INTEGER, "GPUs the scheduler guarantees while the grant is active (default 0)")
            .optional("note", STRING, "note recorded on the award entries").rule(TenancyRoutes::note)
            .build();
    private static final BodySpec UPDATE_GRANT = BodySpec.named("UpdateGrant")
            .optional("ends_on", DATE, "new last day")
            .optional("guaranteed_gpus", INTEGER, "new guarantee")
            .build();
    private static final BodySpec DISABLE_USER = BodySpec.named("DisableUser")
            .required("reason", STRING, "why, for the audit log, e.g. 'left the lab'").rule(TenancyRoutes::note)
            .build();
    private static final BodySpec ADJUST_GRANT = BodySpec.named("AdjustGrant")
            .required("gpu_type", STRING, "GPU type of the adjusted hours, or 'any'")
            .required("gpu_hours", NUMBER, "signed GPU-hours: positive adds, negative removes")
            .required("note", STRING, "why the adjustment was made").rule(TenancyRoutes::note)
            .build();
    private static final BodySpec RECORD_USAGE = BodySpec.named("RecordUsage")
            .required("gpu_type", STRING, "GPU type used, e.g. 'a100-80g'")
            .required("gpu_hours", NUMBER, "GPU-hours used (positive)")
            .optional("reference", STRING, "what used them, e.g. a job id")
            .build();

    private final TenancyService tenancy;
    private final GrantService grants;
    private Guarantees guarantees = Guarantees.NONE;

    public TenancyRoutes(TenancyService tenancy, GrantService grants) {
        this.tenancy = requireNonNull(tenancy, "tenancy is null");
        this.grants = requireNonNull(grants, "grants is null");
    }

    /** Warn of guarantees beyond the cluster's GPUs when a grant is awarded or shown. */
    public TenancyRoutes clusterGpus(java.util.function.IntSupplier clusterGpus) {
        this.guarantees = new Guarantees(clusterGpus, () -> guaranteedInEffect(grants));
        return this;
    }

    /** GPUs guaranteed by the grants in effect that have hours left: what the scheduler honours. */
    public static int guaranteedInEffect(GrantService grants) {
        return grants.inEffect().stream().filter(grant -> grant.status().balance().isPositive())
                .mapToInt(grant -> grant.status().grant().guaranteedGpus()).sum();
    }

    public List<ApiRoute> routes() {
        String orgs = PREFIX + "/orgs";
        String org = orgs + "/{org}";
        String grant = org + "/grants/{grant}";
        return List.of(
                ApiRoute.get(PREFIX + "/whoami", "whoami").tag("identity")
                        .summary("The caller: user, token, scopes and organisation roles").returns(WhoAmIView.class)
                        .handle(call -> WhoAmIView.of(call.principal(), tenancy.organisationRoles(call.caller()))),

                ApiRoute.get(orgs, "listOrganisations").tag("organisations")
                        .summary("Organisations the caller belongs to (all of them for platform staff)")
                        .pageOf(OrganisationView.class)
                        .handle(call -> PageView.of(tenancy.listOrganisations(call.caller(), call.page()),
                                OrganisationView::of)),
                ApiRoute.post(orgs, "createOrganisation").tag("organisations")
                        .summary("Create an organisation (operator)").body(CREATE_ORGANISATION)
                        .returns(OrganisationView.class)
                        .handle(call -> {
                            Body body = call.body(CREATE_ORGANISATION);
                            return OrganisationView.of(tenancy.createOrganisation(call.caller(), new NewOrganisation(
                                    body.string("name"), body.string("display_name"),
                                    parse(OrgKind.class, body.string("kind")), body.optionalString("owner"))));
                        }),
                ApiRoute.get(org, "getOrganisation").tag("organisations").summary("One organisation")
                        .returns(OrganisationView.class)
                        .handle(call -> OrganisationView.of(tenancy.getOrganisation(call.caller(), call.path("org")))),
                ApiRoute.patch(org, "updateOrganisation").tag("organisations")
                        .summary("Change an organisation's display name or default job time limit (admin);"
                                + " honours If-Match")
                        .body(UPDATE_ORGANISATION).returns(OrganisationView.class)
                        .handle(call -> {
                            Body body = call.body(UPDATE_ORGANISATION);
                            return OrganisationView.of(tenancy.updateOrganisation(call.caller(), call.path("org"),
                                    call.ifMatch(), body.optionalString("display_name"),
                                    body.optionalInteger("default_job_time_limit_minutes")));
                        }),

                ApiRoute.get(org + "/members", "listMembers").tag("members").summary("Members and their roles")
                        .pageOf(MembershipView.class)
                        .handle(call -> PageView.of(tenancy.listMembers(call.caller(), call.path("org"), call.page()),
                                MembershipView::of)),
                ApiRoute.post(org + "/members", "addMember").tag("members")
                        .summary("Add a user with a role (admin; owner to add owners)").body(ADD_MEMBER)
                        .returns(MembershipView.class)
                        .handle(call -> {
                            Body body = call.body(ADD_MEMBER);
                            return MembershipView.of(tenancy.addMember(call.caller(), call.path("org"),
                                    body.string("user"), parse(OrgRole.class, body.string("role"))));
                        }),
                ApiRoute.get(org + "/members/{user}", "getMember").tag("members").summary("One membership")
                        .returns(MembershipView.class)
                        .handle(call -> MembershipView.of(tenancy.getMember(call.caller(), call.path("org"),
                                call.path("user")))),
                ApiRoute.patch(org + "/members/{user}", "updateMember").tag("members")
                        .summary("Change a member's role; honours If-Match").body(UPDATE_MEMBER)
                        .returns(MembershipView.class)
                        .handle(call -> MembershipView.of(tenancy.changeMemberRole(call.caller(), call.path("org"),
                                call.path("user"), parse(OrgRole.class, call.body(UPDATE_MEMBER).string("role")),
                                call.ifMatch()))),
                ApiRoute.delete(org + "/members/{user}", "removeMember").tag("members")
                        .summary("Remove a member (an organisation keeps at least one owner)").status(204)
                        .handle(call -> {
                            tenancy.removeMember(call.caller(), call.path("org"), call.path("user"));
                            return null;
                        }),

                ApiRoute.get(org + "/grants", "listGrants").tag("grants")
                        .summary("Compute grants with balance and burn-down").pageOf(GrantView.class)
                        .handle(call -> PageView.of(grants.list(call.caller(), call.path("org"), call.page()),
                                GrantView::of)),
                ApiRoute.post(org + "/grants", "awardGrant").tag("grants").summary("Award a compute grant (operator)")
                        .body(AWARD_GRANT).returns(GrantView.class)
                        .handle(call -> {
                            Body body = call.body(AWARD_GRANT);
                            Violations violations = new Violations();
                            Map<String, GpuHours> hours = new LinkedHashMap<>();
                            body.numberMap("gpu_hours").forEach((type, value) ->
                                    hours(violations, "gpu_hours." + type, value).ifPresent(h -> hours.put(type, h)));
                            violations.throwIfAny();
                            GrantView awarded = GrantView.of(grants.award(call.caller(), call.path("org"),
                                    new NewGrant(body.string("programme"), hours, body.date("starts_on"),
                                            body.date("ends_on"), body.optionalInteger("guaranteed_gpus").orElse(0),
                                            body.optionalString("note"))));
                            return awarded.withWarnings(guarantees.forGrant(awarded.guaranteedGpus()));
                        }),
                ApiRoute.get(grant, "getGrant").tag("grants").summary("One grant with balance and burn-down")
                        .returns(GrantView.class)
                        .handle(call -> {
                            GrantView shown = GrantView.of(grants.get(call.caller(), call.path("org"),
                                    call.path("grant")));
                            return shown.withWarnings(guarantees.forGrant(shown.guaranteedGpus()));
                        }),
                ApiRoute.patch(grant, "updateGrant").tag("grants")
                        .summary("Change a grant's end date or guarantee (operator); honours If-Match")
                        .body(UPDATE_GRANT).returns(GrantView.class)
                        .handle(call -> {
                            Body body = call.body(UPDATE_GRANT);
                            return GrantView.of(grants.update(call.caller(), call.path("org"), call.path("grant"),
                                    call.ifMatch(), new GrantChange(body.optionalDate("ends_on"),
                                            body.optionalInteger("guaranteed_gpus"))));
                        }),
                ApiRoute.get(grant + "/ledger", "listLedgerEntries").tag("grants")
                        .summary("The grant's append-only ledger").pageOf(LedgerEntryView.class)
                        .handle(call -> PageView.of(grants.ledger(call.caller(), call.path("org"), call.path("grant"),
                                call.page()), LedgerEntryView::of)),
                ApiRoute.post(grant + "/adjustments", "adjustGrant").tag("grants")
                        .summary("Append a signed adjustment (operator)").body(ADJUST_GRANT).returns(GrantView.class)
                        .handle(call -> {
                            Body body = call.body(ADJUST_GRANT);
                            GpuHours hours = requireHours("gpu_hours", body.number("gpu_hours"));
                            return GrantView.of(grants.adjust(call.caller(), call.path("org"), call.path("grant"),
                                    body.string("gpu_type"), hours, body.string("note")));
                        }),
                ApiRoute.post(grant + "/usage", "recordGrantUsage").tag("grants")
                        .summary("Debit GPU-hours used (operator; metering does this for jobs)").body(RECORD_USAGE)
                        .returns(GrantView.class)
                        .handle(call -> {
                            Body body = call.body(RECORD_USAGE);
                            GpuHours hours = requireHours("gpu_hours", body.number("gpu_hours"));
                            return GrantView.of(grants.recordUsage(call.caller(), call.path("org"), call.path("grant"),
                                    body.string("gpu_type"), hours, body.optionalString("reference")));
                        }),
                auditQueries(ApiRoute.get(org + "/audit-events", "listOrganisationAuditEvents").tag("audit")
                        .summary("Audit events of one organisation (admin, operator, auditor)"))
                        .pageOf(AuditEventView.class)
                        .handle(call -> PageView.of(tenancy.listAuditEvents(call.caller(), Optional.of(call.path("org")),
                                auditQuery(call), call.page()), AuditEventView::of)),

                ApiRoute.get(PREFIX + "/users", "listUsers").tag("users").summary("All users (operator, auditor)")
                        .pageOf(UserView.class)
                        .handle(call -> PageView.of(tenancy.listUsers(call.caller(), call.page()), UserView::of)),
                ApiRoute.post(PREFIX + "/users", "createUser").tag("users").summary("Create a user (operator)")
                        .body(CREATE_USER).returns(UserView.class)
                        .handle(call -> {
                            Body body = call.body(CREATE_USER);
                            return UserView.of(tenancy.createUser(call.caller(), new NewUser(body.string("name"),
                                    body.string("display_name"), body.string("email"),
                                    enumSet(PlatformRole.class, body.strings("platform_roles")))));
                        }),
                ApiRoute.get(PREFIX + "/users/{user}", "getUser").tag("users")
                        .summary("A user (yourself, or anyone for operators and auditors)").returns(UserView.class)
                        .handle(call -> UserView.of(tenancy.getUser(call.caller(), call.path("user")))),
                ApiRoute.post(PREFIX + "/users/{user}/disable", "disableUser").tag("users")
                        .summary("Disable a user (operator): their tokens and jobs' credentials are refused from now on")
                        .body(DISABLE_USER).returns(UserView.class).status(200).notIdempotent()
                        .handle(call -> UserView.of(tenancy.disableUser(call.caller(), call.path("user"),
                                call.body(DISABLE_USER).string("reason")))),
                ApiRoute.post(PREFIX + "/users/{user}/tokens", "issueUserToken").tag("tokens")
                        .summary("Issue a token to a user, e.g. when onboarding (operator); the secret is shown once")
                        .body(CREATE_TOKEN).returns(IssuedTokenView.class).notIdempotent()
                        .handle(call -> IssuedTokenView.of(tenancy.issueToken(call.caller(), call.path("user"),
                                newToken(call.body(CREATE_TOKEN))), call.path("user"))),

                ApiRoute.get(PREFIX + "/users/{user}/tokens", "listUserTokens").tag("tokens")
                        .summary("A user's API tokens, never their secrets (operator, auditor)").pageOf(TokenView.class)
                        .handle(call -> PageView.of(tenancy.listUserTokens(call.caller(), call.path("user"),
                                call.page()), TokenView::of)),
                ApiRoute.get(PREFIX + "/tokens", "listTokens").tag("tokens").summary("The caller's API tokens")
                        .pageOf(TokenView.class)
                        .handle(call -> PageView.of(tenancy.listOwnTokens(call.caller(), call.page()), TokenView::of)),
                ApiRoute.post(PREFIX + "/tokens", "createToken").tag("tokens")
                        .summary("Create a token for yourself; the secret is shown once and never stored")
                        .body(CREATE_TOKEN).returns(IssuedTokenView.class).notIdempotent()
                        .handle(call -> IssuedTokenView.of(tenancy.createOwnToken(call.caller(),
                                newToken(call.body(CREATE_TOKEN))), call.principal().user().name())),
                ApiRoute.delete(PREFIX + "/tokens/{token}", "revokeToken").tag("tokens")
                        .summary("Revoke one of your tokens; effective on its next use").returns(TokenView.class)
                        .handle(call -> TokenView.of(tenancy.revokeToken(call.caller(), call.path("token")))),

                auditQueries(ApiRoute.get(PREFIX + "/audit-events", "listAuditEvents").tag("audit")
                        .summary("Every audit event (operator, auditor)")).pageOf(AuditEventView.class)
                        .handle(call -> PageView.of(tenancy.listAuditEvents(call.caller(), Optional.empty(),
                                auditQuery(call), call.page()), AuditEventView::of)));
    }

    private static ApiRoute.Builder auditQueries(ApiRoute.Builder route) {
        return route.query("order", "oldest (default: append order) or newest first")
                .query("actor", "Only events of this actor, e.g. user:ada or system")
                .query("action", "Only actions starting with this, e.g. job. or membership.add")
                .query("since", "Only events at or after this day or time, e.g. 2026-11-01");
    }

    private static dev.incubator.common.audit.AuditQuery auditQuery(Call call) {
        String order = call.query("order").orElse("oldest");
        if (!order.equals("oldest") && !order.equals("newest")) {
            throw IncubatorException.validation("order", "must be oldest or newest");
        }
        Optional<java.time.Instant> since = call.queryTime("since");
        Optional<String> actor = call.query("actor").filter(value -> value.length() <= 200);
        Optional<String> action = call.query("action").filter(value -> value.length() <= 100);
        return new dev.incubator.common.audit.AuditQuery(Optional.empty(), actor, action, since,
                order.equals("newest"));
    }

    private static Optional<String> displayName(String value) {
        return Names.textProblem(value, 100);
    }

    private static Optional<String> note(String value) {
        return Names.textProblem(value, 500);
    }

    private static NewToken newToken(Body body) {
        List<String> scopes = body.strings("scopes");
        return new NewToken(body.string("name"), scopes.isEmpty() ? EnumSet.of(Scope.READ) : enumSet(Scope.class, scopes),
                body.optionalInteger("expires_in_days").orElse(TenancyService.DEFAULT_TOKEN_DAYS));
    }

    private static GpuHours requireHours(String field, BigDecimal value) {
        Violations violations = new Violations();
        Optional<GpuHours> hours = hours(violations, field, value);
        violations.throwIfAny();
        return hours.orElseThrow();
    }

    private static Optional<GpuHours> hours(Violations violations, String field, BigDecimal value) {
        try {
            return Optional.of(GpuHours.of(value));
        } catch (IllegalArgumentException | ArithmeticException e) {
            violations.add(field, e.getMessage());
            return Optional.empty();
        }
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String wire) {
        return Roles.parse(type, wire).orElseThrow();
    }

    private static <E extends Enum<E>> Set<E> enumSet(Class<E> type, List<String> wires) {
        return wires.stream().map(wire -> parse(type, wire)).collect(Collectors.toCollection(() -> EnumSet.noneOf(type)));
    }

    private static List<String> wires(Class<? extends Enum<?>> type) {
        return Arrays.stream(type.getEnumConstants()).map(Roles::wire).toList();
    }
}
