package dev.incubator.governance.policy;

import static dev.incubator.common.access.Roles.PlatformRole.AUDITOR;
import static dev.incubator.common.access.Roles.PlatformRole.OPERATOR;
import static dev.incubator.common.access.Roles.PlatformRole.REVIEWER;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.access.Action;
import dev.incubator.common.access.Decision;
import dev.incubator.common.access.Resource;
import dev.incubator.common.access.Roles;
import dev.incubator.common.access.Roles.OrgRole;
import dev.incubator.common.access.Roles.PlatformRole;
import dev.incubator.common.access.Roles.Scope;
import dev.incubator.common.access.Subject;
import dev.incubator.governance.access.Agreement;
import dev.incubator.governance.access.AgreementPolicy;
import dev.incubator.governance.access.Purpose;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The one access-policy engine: {@code decide(subject, action, resource, context)} from platform roles,
 * organisation roles, token scopes, repository visibility and data-use agreements. Pure: the agreement that may
 * decide a read of gated data comes in through the context, looked up only when the decision needs it.
 *
 * <p>Guarantees: a resource the subject may not know about answers {@code NOT_FOUND}, exactly as one that does not
 * exist, so existence never leaks across tenants; a token never does more than its scopes allow, whatever its
 * user's roles; every denial says what would change the answer.
 */
public final class PolicyEngine {
    /** Platform roles that may see every organisation and repository (read-only unless an action says more). */
    private static final Set<PlatformRole> READS_EVERYTHING = EnumSet.of(OPERATOR, AUDITOR, REVIEWER);

    private final AgreementPolicy agreements = new AgreementPolicy();

    /**
     * What a decision may need beyond subject, action and resource: today's date, the reader's agreement, and for a
     * deployment why it may not be exposed beyond its organisation now (its high-risk applications' ethical review is
     * missing, open, expired, revoked or out of date; empty: it may), and for a dataset marked sensitive read from
     * inside a job why that job's organisation may not train on it (no approved, in-date ethical review of an
     * application naming it; empty: it may).
     */
    public record Context(LocalDate today, Supplier<Optional<Agreement>> agreement,
                          Supplier<Optional<String>> exposureHold, Supplier<Optional<String>> sensitiveUseHold) {
        public Context(LocalDate today, Supplier<Optional<Agreement>> agreement) {
            this(today, agreement, Optional::empty, Optional::empty);
        }

        public Context(LocalDate today, Supplier<Optional<Agreement>> agreement,
                       Supplier<Optional<String>> exposureHold) {
            this(today, agreement, exposureHold, Optional::empty);
        }

        public static Context of(LocalDate today) {
            return new Context(today, Optional::empty);
        }

        public static Context of(LocalDate today, Optional<Agreement> agreement) {
            return new Context(today, () -> agreement);
        }
    }

    /** Whom an action concerns: any signed-in user about themselves, the platform, or one organisation. */
    private enum Audience { ANY_USER, PLATFORM, ORGANISATION }

    /** A role table entry: the scope a token needs, and the organisation role or platform roles that allow it. */
    private record Rule(Scope scope, Audience audience, Optional<OrgRole> orgRole, Set<PlatformRole> platformRoles) {
        static Rule anyUser(Scope scope) {
            return new Rule(scope, Audience.ANY_USER, Optional.empty(), Set.of());
        }

        static Rule platform(Scope scope, PlatformRole... roles) {
            return new Rule(scope, Audience.PLATFORM, Optional.empty(), Set.of(roles));
        }

        static Rule organisation(Scope scope, OrgRole role, PlatformRole... roles) {
            return new Rule(scope, Audience.ORGANISATION, Optional.ofNullable(role), Set.of(roles));
        }
    }

    /** The role table, built once: every action has a row (the switch below is exhaustive). */
    private static final Map<Action, Rule> RULES = new EnumMap<>(Action.class);

    static {
        for (Action action : Action.values()) {
            RULES.put(action, rule(action));
        }
    }

    /** The organisation-level role table; repository actions are decided by {@link #repository}. */
    private static Rule rule(Action action) {
        return switch (action) {
            case WHOAMI, OWN_TOKENS_READ, CLUSTER_READ, AUDIT_HEAD_READ, INBOX_READ, TEMPLATE_READ -> Rule.anyUser(Scope.READ);
            case OWN_TOKENS_MANAGE, INBOX_MANAGE -> Rule.anyUser(Scope.WRITE);
            case ORG_CREATE, USER_CREATE, USER_TOKEN_ISSUE, AUDIT_WITNESS_MANAGE -> Rule.platform(Scope.ADMIN, OPERATOR);
            case USER_TOKEN_REVOKE -> Rule.platform(Scope.WRITE, OPERATOR);
            case USER_DISABLE -> Rule.platform(Scope.ADMIN, OPERATOR);
            case USER_READ, AUDIT_READ -> Rule.platform(Scope.READ, OPERATOR, AUDITOR);
            case ORG_READ -> Rule.organisation(Scope.READ, OrgRole.VIEWER, OPERATOR, AUDITOR, REVIEWER);
            case ORG_UPDATE, MEMBER_MANAGE -> Rule.organisation(Scope.ADMIN, OrgRole.ADMIN, OPERATOR);
            case OWNER_MANAGE -> Rule.organisation(Scope.ADMIN, OrgRole.OWNER, OPERATOR);
            case MEMBER_READ, GRANT_READ, JOB_READ, DEPLOYMENT_READ -> Rule.organisation(Scope.READ, OrgRole.VIEWER,
                    OPERATOR, AUDITOR);
            case DEPLOYMENT_MANAGE -> Rule.organisation(Scope.WRITE, OrgRole.MEMBER, OPERATOR);
            // Reviewers read evaluation results: they are part of an application's dossier.
            case EVAL_READ -> Rule.organisation(Scope.READ, OrgRole.VIEWER, OPERATOR, AUDITOR, REVIEWER);
            case EVAL_RUN -> Rule.organisation(Scope.WRITE, OrgRole.MEMBER, OPERATOR);
            case APP_READ -> Rule.organisation(Scope.READ, OrgRole.VIEWER, OPERATOR, AUDITOR, REVIEWER);
            case APP_MANAGE -> Rule.organisation(Scope.WRITE, OrgRole.MEMBER, OPERATOR);
            case REVIEW_READ -> Rule.platform(Scope.READ, REVIEWER, AUDITOR, OPERATOR);
            case REVIEW_VOTE -> Rule.platform(Scope.WRITE, REVIEWER);
            // Against one deployment, see deployment(): also its applications' ethical clearance.
            case DEPLOYMENT_EXPOSE -> Rule.organisation(Scope.WRITE, OrgRole.MEMBER, OPERATOR);
            // Against one deployment, see deployment(): its organisation, the organisations it is shared with, or all.
            case DEPLOYMENT_CALL -> Rule.organisation(Scope.READ, OrgRole.VIEWER);
            // Only the replica job's own credential; see job().
            case ENDPOINT_REGISTER -> Rule.organisation(Scope.WRITE, null);
            case GRANT_MANAGE, STORAGE_QUOTA_MANAGE -> Rule.organisation(Scope.ADMIN, null, OPERATOR);
            case ORG_AUDIT_READ -> Rule.organisation(Scope.READ, OrgRole.ADMIN, OPERATOR, AUDITOR);
            case JOB_SUBMIT, JOB_CANCEL, JOB_METRICS_REPORT -> Rule.organisation(Scope.WRITE, OrgRole.MEMBER, OPERATOR);
            case HUB_KEY_SHRED -> Rule.organisation(Scope.WRITE, null, OPERATOR);
            // Against the platform (every repository at once) only platform roles count; see repository().
            case REPO_SEE, REPO_READ -> Rule.platform(Scope.READ, OPERATOR, AUDITOR, REVIEWER);
            case REPO_CREATE, REPO_WRITE, REPO_ADMIN, ACCESS_REQUEST -> Rule.platform(Scope.WRITE, OPERATOR);
            case ACCESS_REVIEW -> Rule.platform(Scope.READ, OPERATOR, AUDITOR);
            case ACCESS_DECIDE -> Rule.platform(Scope.WRITE);
        };
    }

    public Decision decide(Subject subject, Action action, Resource resource, Context context) {
        return switch (resource) {
            case Resource.Repository repository -> repository(subject, action, repository, context);
            case Resource.Namespace namespace -> namespace(subject, action, namespace);
            case Resource.Organisation organisation -> table(subject, action, Optional.of(organisation));
            case Resource.Job job -> job(subject, action, job);
            case Resource.Deployment deployment -> deployment(subject, action, deployment, context);
            case Resource.Platform platform -> table(subject, action, Optional.empty());
        };
    }

    /** Whether the subject may learn that the organisation exists. */
    public boolean canSee(Subject subject, String organisationId) {
        return subject.roleIn(organisationId).isPresent() || readsEverything(subject);
    }

    // ------------------------------------------------------------------------------------------- role table

    private Decision table(Subject subject, Action action, Optional<Resource.Organisation> organisation) {
        Rule rule = RULES.get(action);
        if (!subject.signedIn()) {
            return Decision.deny(ErrorCode.UNAUTHENTICATED, action.description() + " needs a signed-in user; send an "
                    + "API token as 'Authorization: Bearer ...'");
        }
        if (organisation.isPresent() && !canSee(subject, organisation.get().id())) {
            return Decision.deny(ErrorCode.NOT_FOUND, "organisation '" + organisation.get().name() + "' not found");
        }
        if (!subject.scopes().contains(rule.scope())) {
            return missingScope(rule.scope(), action);
        }
        if ((action == Action.INBOX_READ || action == Action.INBOX_MANAGE) && subject.job().isPresent()) {
            // A job acts for one organisation; its submitter's inbox holds notices of every organisation they are in.
            return Decision.deny(ErrorCode.FORBIDDEN, action.description() + " is for people: a job's credential ("
                    + subject.job().get() + ") does not read or change its submitter's inbox");
        }
        if (rule.audience() == Audience.ANY_USER) {
            return Decision.allow("any signed-in user");
        }
        for (PlatformRole role : subject.platformRoles()) {
            if (rule.platformRoles().contains(role)) {
                return Decision.allow("platform role " + Roles.wire(role));
            }
        }
        if (organisation.isPresent() && rule.orgRole().isPresent()) {
            Optional<OrgRole> role = subject.roleIn(organisation.get().id());
            if (role.isPresent() && role.get().atLeast(rule.orgRole().get())) {
                return Decision.allow("role " + Roles.wire(role.get()) + " in " + organisation.get().name());
            }
            return Decision.deny(ErrorCode.FORBIDDEN, action.description() + " needs the role '"
                    + Roles.wire(rule.orgRole().get()) + "' or higher in organisation '" + organisation.get().name()
                    + "'" + grantedBy(rule.orgRole().get(), organisation.get().name(), role));
        }
        if (rule.platformRoles().isEmpty()) {
            return Decision.deny(ErrorCode.FORBIDDEN, action.description() + " is decided for each resource by "
                    + "its owner side, not platform-wide");
        }
        return Decision.deny(ErrorCode.FORBIDDEN, action.description() + " needs the platform role "
                + String.join(" or ", rule.platformRoles().stream().map(Roles::wire).sorted().toList()));
    }

    /**
     * A job's own credential (read scope) may report that job's metrics and nothing of another job; everything else
     * about a job is decided by its organisation's role table.
     */
    private Decision job(Subject subject, Action action, Resource.Job job) {
        var organisation = new Resource.Organisation(job.organisationId(), job.organisationName());
        if (action == Action.JOB_METRICS_REPORT && subject.job().isPresent() && subject.signedIn()
                && canSee(subject, job.organisationId())) {
            return subject.job().get().equals(job.id()) ? Decision.allow("the job's own credential")
                    : Decision.deny(ErrorCode.FORBIDDEN, "a job's credential reports only its own metrics; it belongs"
                    + " to " + subject.job().get() + ", not " + job.id());
        }
        if (action == Action.ENDPOINT_REGISTER) {
            // Only the replica itself says where it listens: no member, and no other job, can point the gateway away.
            String only = "only the replica job itself registers its endpoint, with its own credential"
                    + " ($INCUBATOR_JOB_TOKEN)";
            if (subject.job().isPresent() && subject.signedIn() && canSee(subject, job.organisationId())) {
                return subject.job().get().equals(job.id()) ? Decision.allow("the replica's own credential")
                        : Decision.deny(ErrorCode.FORBIDDEN, only + "; this credential belongs to "
                        + subject.job().get());
            }
            Decision decision = table(subject, action, Optional.of(organisation));
            return decision.denial().orElse(null) == ErrorCode.FORBIDDEN ? Decision.deny(ErrorCode.FORBIDDEN, only)
                    : decision;
        }
        return table(subject, action, Optional.of(organisation));
    }

    /**
     * A deployment is seen (and called) by its organisation's members and jobs, by members of the organisations it is
     * shared with, and by every signed-in user when public; to anyone else it does not exist. Reading and changing it
     * are its organisation's (the role table).
     */
    private Decision deployment(Subject subject, Action action, Resource.Deployment deployment, Context context) {
        var organisation = new Resource.Organisation(deployment.organisationId(), deployment.organisationName());
        if (action != Action.DEPLOYMENT_CALL) {
            Decision decision = table(subject, action, Optional.of(organisation));
            if (!decision.allowed()) {
                return decision.denial().orElse(null) != ErrorCode.NOT_FOUND ? decision
                        : Decision.deny(ErrorCode.NOT_FOUND, "deployment '" + deployment.name() + "' not found");
            }
            if (action == Action.DEPLOYMENT_EXPOSE && deployment.reach() != Resource.Reach.PRIVATE) {
                Optional<String> hold = context.exposureHold().get();
                if (hold.isPresent()) {
                    return Decision.deny(ErrorCode.FORBIDDEN, "deployment '" + deployment.name() + "' can not be"
                            + " exposed beyond " + deployment.organisationName() + ": " + hold.get());
                }
            }
            return decision;
        }
        if (!subject.signedIn()) {
            return Decision.deny(ErrorCode.UNAUTHENTICATED, action.description() + " needs an API token: send it as"
                    + " 'Authorization: Bearer ...' (the OpenAI clients' api_key)");
        }
        boolean own = subject.roleIn(deployment.organisationId()).isPresent();
        boolean shared = deployment.reach() == Resource.Reach.SHARED && subject.job().isEmpty()
                && deployment.sharedWithOrganisationIds().stream().anyMatch(id -> subject.roleIn(id).isPresent());
        boolean open = deployment.reach() == Resource.Reach.PUBLIC && subject.job().isEmpty();
        // An exposure on hold (a high-risk application without a valid review) reaches only its organisation.
        if (!own && !shared && !open || !own && context.exposureHold().get().isPresent()) {
            return Decision.deny(ErrorCode.NOT_FOUND, "the model '" + deployment.name() + "' does not exist or you"
                    + " do not have access to it; GET /v1/models lists those this key may use");
        }
        if (!subject.scopes().contains(Scope.READ)) {
            return missingScope(Scope.READ, action);
        }
        return Decision.allow(own ? "a member of " + deployment.organisationName() : shared
                ? "shared with an organisation of the caller" : "public");
    }

    // ------------------------------------------------------------------------------------------- repositories

    private Decision namespace(Subject subject, Action action, Resource.Namespace namespace) {
        if (action != Action.REPO_CREATE) {
            throw new IllegalArgumentException(action + " does not apply to a namespace");
        }
        boolean own = namespace.ownerKind() == Resource.OwnerKind.USER
                && subject.userId().map(namespace.ownerId()::equals).orElse(false);
        boolean knows = own || readsEverything(subject) || namespace.ownerKind() == Resource.OwnerKind.ORGANISATION
                && subject.roleIn(namespace.ownerId()).isPresent();
        if (!knows) {
            return Decision.deny(ErrorCode.NOT_FOUND, "namespace '" + namespace.name() + "' not found");
        }
        if (!subject.scopes().contains(Scope.WRITE)) {
            return missingScope(Scope.WRITE, action);
        }
        boolean allowed = namespace.ownerKind() == Resource.OwnerKind.USER ? own
                : atLeast(subject, namespace.ownerId(), OrgRole.MEMBER) || managesEverything(subject);
        return allowed ? Decision.allow("may create") : Decision.deny(ErrorCode.FORBIDDEN,
                "creating repositories under '" + namespace.name() + "' needs the role 'member' or higher there");
    }

    private Decision repository(Subject subject, Action action, Resource.Repository repo, Context context) {
        boolean owner = repo.ownerKind() == Resource.OwnerKind.USER
                && subject.userId().map(repo.ownerId()::equals).orElse(false);
        boolean member = owner || repo.ownedByOrganisation() && subject.roleIn(repo.ownerId()).isPresent();
        boolean admin = owner || repo.ownedByOrganisation() && atLeast(subject, repo.ownerId(), OrgRole.ADMIN);
        boolean seen = switch (repo.exposure()) {
            case PUBLIC -> true;
            case GATED -> subject.signedIn();
            case ORGANISATION -> member || readsEverything(subject);
            case PRIVATE -> admin || readsEverything(subject)
                    || member && subject.userId().map(repo.createdBy()::equals).orElse(false);
        };
        if (!seen) {
            return Decision.deny(ErrorCode.NOT_FOUND, "repository '" + repo.name() + "' not found");
        }
        return switch (action) {
            case REPO_SEE -> Decision.allow("visible: " + repo.exposure().name().toLowerCase(java.util.Locale.ROOT));
            case REPO_READ -> sensitiveUse(subject, repo, context, repo.exposure() != Resource.Exposure.GATED
                    ? Decision.allow("readable")
                    : member ? Decision.allowGatedRead(owner ? "its owner" : "a member of its organisation")
                    : readsEverything(subject) ? Decision.allowGatedRead("platform staff")
                    : underAgreement(subject, repo, context));
            case REPO_WRITE -> !subject.scopes().contains(Scope.WRITE) ? missingScope(Scope.WRITE, action)
                    : owner || repo.ownedByOrganisation() && atLeast(subject, repo.ownerId(), OrgRole.MEMBER)
                    || managesEverything(subject) ? Decision.allow("may write")
                    : Decision.deny(ErrorCode.FORBIDDEN, "pushing to '" + repo.name() + "' needs the role "
                    + "'member' or higher in its organisation");
            case REPO_ADMIN -> !subject.scopes().contains(Scope.WRITE) ? missingScope(Scope.WRITE, action)
                    : admin || managesEverything(subject) ? Decision.allow("may administer")
                    : Decision.deny(ErrorCode.FORBIDDEN, "changing '" + repo.name() + "' needs the role "
                    + "'admin' in its organisation");
            case ACCESS_REQUEST -> !subject.scopes().contains(Scope.WRITE) ? missingScope(Scope.WRITE, action)
                    : Decision.allow("any signed-in user may ask");
            case ACCESS_REVIEW -> steward(subject, repo) || subject.hasPlatformRole(OPERATOR)
                    || subject.hasPlatformRole(AUDITOR) ? Decision.allow("reviews access to '" + repo.name() + "'")
                    : Decision.deny(ErrorCode.FORBIDDEN, "seeing every access request to '" + repo.name()
                    + "' needs the role 'steward' or 'admin' in its organisation");
            // Only the data's owner side decides who may use it: not even platform operators.
            case ACCESS_DECIDE -> !subject.scopes().contains(Scope.WRITE) ? missingScope(Scope.WRITE, action)
                    : steward(subject, repo) ? Decision.allow("decides access to '" + repo.name() + "'")
                    : Decision.deny(ErrorCode.FORBIDDEN, "deciding access to '" + repo.name() + "' needs the role "
                    + "'steward' or 'admin' in its organisation (or owning it)");
            default -> throw new IllegalArgumentException(action + " does not apply to a repository");
        };
    }

    /**
     * A job reading a dataset marked sensitive (to train or fine-tune on it) needs, on top of the read itself, an
     * approved and in-date ethical review of its organisation's use of that dataset; reads outside jobs are decided by
     * the read rules alone.
     */
    private static Decision sensitiveUse(Subject subject, Resource.Repository repo, Context context, Decision read) {
        if (!read.allowed() || repo.sensitive().isEmpty() || subject.job().isEmpty()) {
            return read;
        }
        Optional<String> hold = context.sensitiveUseHold().get();
        return hold.isPresent() ? Decision.deny(ErrorCode.FORBIDDEN, hold.get()) : read;
    }

    /** A gated repository read from outside its organisation: the reader's agreement decides. */
    private Decision underAgreement(Subject subject, Resource.Repository repo, Context context) {
        Optional<Purpose> declared = Optional.empty();
        if (subject.purpose().isPresent()) {
            declared = Purpose.parse(subject.purpose().get());
            if (declared.isEmpty()) {
                return Decision.deny(ErrorCode.VALIDATION_FAILED, "X-Incubator-Purpose: must be one of "
                        + Purpose.choices());
            }
        }
        AgreementPolicy.Channel channel = subject.job().isPresent() ? AgreementPolicy.Channel.JOB
                : AgreementPolicy.Channel.DOWNLOAD;
        Optional<Agreement> agreement = context.agreement().get();
        AgreementPolicy.Decision decision = agreements.decide(agreement, channel, declared, context.today(),
                repo.name());
        if (!decision.allowed()) {
            return Decision.denyUnderAgreement(decision.agreementId(), decision.reason());
        }
        List<String> obligations = new ArrayList<>();
        agreement.filter(Agreement::noRedistribution).ifPresent(a -> obligations.add("no-redistribution"));
        agreement.flatMap(Agreement::attribution).ifPresent(text -> obligations.add("attribution: " + text));
        return Decision.allowUnderAgreement(decision.agreementId().orElseThrow(), decision.reason(), obligations);
    }

    private static boolean steward(Subject subject, Resource.Repository repo) {
        return repo.ownedByOrganisation() ? atLeast(subject, repo.ownerId(), OrgRole.STEWARD)
                : subject.userId().map(repo.ownerId()::equals).orElse(false);
    }

    private static boolean atLeast(Subject subject, String organisationId, OrgRole role) {
        return subject.roleIn(organisationId).map(held -> held.atLeast(role)).orElse(false);
    }

    private static boolean readsEverything(Subject subject) {
        return subject.platformRoles().stream().anyMatch(READS_EVERYTHING::contains);
    }

    private static boolean managesEverything(Subject subject) {
        return subject.hasPlatformRole(OPERATOR);
    }

    /**
     * A token carries only scopes of the token that made it, so a user whose tokens all lack the scope can not
     * make one: the answer says who can.
     */
    private static Decision missingScope(Scope scope, Action action) {
        return Decision.deny(ErrorCode.INSUFFICIENT_SCOPE, "this token lacks the '" + Roles.wire(scope)
                + "' scope needed for " + action.description() + "; use a token with that scope: one of your tokens"
                + " that has it can make another ('incubator token create --name NAME --scope " + Roles.wire(scope)
                + "'), else a platform operator issues one ('incubator token create --user YOU --scope "
                + Roles.wire(scope) + "')");
    }

    /** Who can give a user the role an action needs in an organisation, and how. */
    private static String grantedBy(OrgRole needed, String organisation, Optional<OrgRole> current) {
        String who = needed == OrgRole.OWNER ? "an owner of '" + organisation + "' or a platform operator"
                : "an admin or owner of '" + organisation + "' or a platform operator";
        String how = current.isPresent()
                ? "'incubator member set-role " + organisation + " USER --role " + Roles.wire(needed) + "'"
                : "'incubator member add " + organisation + " USER --role " + Roles.wire(needed) + "'";
        return current.map(role -> " (you are '" + Roles.wire(role) + "')").orElse("") + "; " + who
                + " can grant it with " + how;
    }
}
