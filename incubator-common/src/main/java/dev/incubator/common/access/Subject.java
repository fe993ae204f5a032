package dev.incubator.common.access;

import static java.util.Objects.requireNonNull;

import dev.incubator.common.RequestMeta;
import dev.incubator.common.access.Roles.OrgRole;
import dev.incubator.common.access.Roles.PlatformRole;
import dev.incubator.common.access.Roles.Scope;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Who asks, as every access decision sees it: the user (empty when anonymous), the audit actor, platform roles, the
 * role held in each organisation (by organisation id), the token's scopes, the request, and two facts about the read:
 * the purpose declared for it ({@code X-Incubator-Purpose}) and the job it runs in (per-job credentials), with that
 * job's organisation.
 */
public record Subject(Optional<String> userId, String actor, Set<PlatformRole> platformRoles,
                      Map<String, OrgRole> memberships, Set<Scope> scopes, RequestMeta meta,
                      Optional<String> purpose, Optional<String> job, Optional<String> jobOrganisation) {
    public Subject {
        requireNonNull(userId, "userId is null");
        requireNonNull(actor, "actor is null");
        requireNonNull(meta, "meta is null");
        platformRoles = Set.copyOf(platformRoles);
        memberships = Map.copyOf(memberships);
        scopes = Set.copyOf(scopes);
        requireNonNull(purpose, "purpose is null");
        requireNonNull(job, "job is null");
        requireNonNull(jobOrganisation, "jobOrganisation is null");
    }

    public Subject(Optional<String> userId, String actor, Set<PlatformRole> platformRoles,
                   Map<String, OrgRole> memberships, Set<Scope> scopes, RequestMeta meta, Optional<String> purpose,
                   Optional<String> job) {
        this(userId, actor, platformRoles, memberships, scopes, meta, purpose, job, Optional.empty());
    }

    /** A signed-in user acting directly (no declared purpose, not inside a job). */
    public static Subject user(String userId, String actor, Set<PlatformRole> platformRoles,
                               Map<String, OrgRole> memberships, Set<Scope> scopes, RequestMeta meta) {
        return new Subject(Optional.of(userId), actor, platformRoles, memberships, scopes, meta, Optional.empty(),
                Optional.empty());
    }

    public static Subject anonymous(RequestMeta meta) {
        return new Subject(Optional.empty(), "anonymous", Set.of(), Map.of(), Set.of(Scope.READ), meta,
                Optional.empty(), Optional.empty());
    }

    /** The same subject reading for a declared purpose, from inside a job (either may be empty). */
    public Subject acting(Optional<String> declaredPurpose, Optional<String> inJob) {
        return new Subject(userId, actor, platformRoles, memberships, scopes, meta, declaredPurpose, inJob,
                jobOrganisation);
    }

    /**
     * The subject as a job of an organisation (by id) reads: only its submitter's role there counts among its
     * organisation roles (never its roles in other organisations), its platform roles stay (platform staff read as
     * they would directly), and decisions know which organisation's job reads.
     */
    public Subject inJob(String jobId, String organisationId) {
        Subject only = onlyIn(organisationId);
        return new Subject(userId, actor, platformRoles, only.memberships, scopes, meta, purpose,
                Optional.of(jobId), Optional.of(organisationId));
    }

    public boolean signedIn() {
        return userId.isPresent();
    }

    public Optional<OrgRole> roleIn(String organisationId) {
        return Optional.ofNullable(memberships.get(organisationId));
    }

    public boolean hasPlatformRole(PlatformRole role) {
        return platformRoles.contains(role);
    }

    /** Ids of the organisations the subject belongs to. */
    public Set<String> organisationIds() {
        return memberships.keySet();
    }

    /**
     * The subject as a job of one organisation acts: only its role there counts, never its submitter's roles in other
     * organisations or on the platform.
     */
    public Subject onlyIn(String organisationId) {
        Map<String, OrgRole> kept = memberships.containsKey(organisationId)
                ? Map.of(organisationId, memberships.get(organisationId)) : Map.of();
        return new Subject(userId, actor, Set.of(), kept, scopes, meta, purpose, job, jobOrganisation);
    }
}
