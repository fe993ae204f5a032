package dev.incubator.governance.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.RequestMeta;
import dev.incubator.common.access.Action;
import dev.incubator.common.access.Decision;
import dev.incubator.common.access.Resource;
import dev.incubator.common.access.Resource.Exposure;
import dev.incubator.common.access.Roles.OrgRole;
import dev.incubator.common.access.Roles.PlatformRole;
import dev.incubator.common.access.Roles.Scope;
import dev.incubator.common.access.Subject;
import dev.incubator.governance.access.Agreement;
import dev.incubator.governance.access.Purpose;
import java.time.Instant;
import java.time.LocalDate;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The one engine over organisations, repositories and agreements, decided as scenarios. */
class PolicyEngineTest {
    private static final LocalDate TODAY = LocalDate.parse("2026-11-29");
    private static final Resource LAB = Resource.organisation("org_lab", "lab");
    private static final Resource.Repository COHORT = repository(Exposure.GATED);
    private final PolicyEngine engine = new PolicyEngine();

    // ------------------------------------------------------------------------------------------- organisations

    @Test
    void aStrangerCanNotLearnThatAnOrganisationExists() {
        Decision decision = decide(subject().build(), Action.ORG_READ, LAB);
        assertThat(decision.denial()).contains(ErrorCode.NOT_FOUND);
        assertThat(decision.reason()).isEqualTo("organisation 'lab' not found");
    }

    @Test
    void aMemberBelowTheNeededRoleIsForbiddenAndToldWhichRoleItTakes() {
        Decision decision = decide(subject().role(OrgRole.MEMBER).build(), Action.ORG_UPDATE, LAB);
        assertThat(decision.denial()).contains(ErrorCode.FORBIDDEN);
        assertThat(decision.reason()).isEqualTo("changing the organisation needs the role 'admin' or higher in "
                + "organisation 'lab' (you are 'member'); an admin or owner of 'lab' or a platform operator can grant"
                + " it with 'incubator member set-role lab USER --role admin'");
    }

    @Test
    void aJobsCredentialDoesNotReadItsSubmittersInbox() {
        assertThat(decide(subject().build(), Action.INBOX_READ, Resource.platform()).allowed()).isTrue();
        Decision fromJob = decide(subject().job("job_1").build(), Action.INBOX_READ, Resource.platform());
        assertThat(fromJob.denial()).contains(ErrorCode.FORBIDDEN);
        assertThat(fromJob.reason()).contains("job_1").contains("inbox");
        assertThat(decide(subject().job("job_1").build(), Action.INBOX_MANAGE, Resource.platform()).allowed())
                .isFalse();
    }

    @Test
    void rolesAboveTheMinimumAreAllowed() {
        assertThat(decide(subject().role(OrgRole.OWNER).build(), Action.MEMBER_MANAGE, LAB).allowed()).isTrue();
        assertThat(decide(subject().role(OrgRole.STEWARD).build(), Action.JOB_SUBMIT, LAB).allowed())
                .as("a data steward is a member too").isTrue();
    }

    @Test
    void anAuditorReadsEverythingButChangesNothing() {
        Subject auditor = subject().platform(PlatformRole.AUDITOR).build();
        assertThat(decide(auditor, Action.GRANT_READ, LAB).allowed()).isTrue();
        assertThat(decide(auditor, Action.GRANT_MANAGE, LAB).denial()).contains(ErrorCode.FORBIDDEN);
        assertThat(decide(auditor, Action.JOB_READ, Resource.platform()).allowed())
                .as("jobs of every organisation").isTrue();
    }

    @Test
    void aTokenNeverExceedsItsScopesWhateverTheRole() {
        Subject operator = subject().platform(PlatformRole.OPERATOR).scopes(Scope.READ).build();
        Decision decision = decide(operator, Action.GRANT_MANAGE, LAB);
        assertThat(decision.denial()).contains(ErrorCode.INSUFFICIENT_SCOPE);
        assertThat(decision.reason()).contains("'admin' scope");
        assertThat(decide(operator, Action.REPO_WRITE, repository(Exposure.PUBLIC)).denial())
                .contains(ErrorCode.INSUFFICIENT_SCOPE);
    }

    @Test
    void scopeProblemsOnInvisibleOrganisationsStillAnswerNotFound() {
        Subject stranger = subject().scopes(Scope.READ).build();
        assertThat(decide(stranger, Action.ORG_UPDATE, LAB).denial()).contains(ErrorCode.NOT_FOUND);
    }

    @Test
    void onlyPlatformRolesActOnEveryOrganisationAtOnce() {
        assertThat(decide(subject().role(OrgRole.OWNER).build(), Action.ORG_READ, Resource.platform()).allowed())
                .isFalse();
        assertThat(decide(subject().platform(PlatformRole.REVIEWER).build(), Action.ORG_READ, Resource.platform())
                .allowed()).isTrue();
    }

    // -------------------------------------------------------------------------------------------- repositories

    @Test
    void aPrivateRepositoryAnswersOutsidersExactlyLikeAMissingOne() {
        Resource.Repository secret = repository(Exposure.PRIVATE);
        for (Action action : new Action[] {Action.REPO_SEE, Action.REPO_READ, Action.REPO_WRITE, Action.ACCESS_DECIDE}) {
            Decision decision = decide(subject().build(), action, secret);
            assertThat(decision.denial()).as(action.name()).contains(ErrorCode.NOT_FOUND);
            assertThat(decision.reason()).isEqualTo("repository 'datasets/lab/cohort' not found");
        }
        assertThat(decide(subject().role(OrgRole.MEMBER).build(), Action.REPO_SEE, secret).allowed())
                .as("members who did not create it").isFalse();
        assertThat(decide(subject().role(OrgRole.ADMIN).build(), Action.REPO_SEE, secret).allowed()).isTrue();
    }

    @Test
    void aGatedRepositoryIsVisibleToSignedInUsersButHiddenFromAnonymousOnes() {
        assertThat(decide(subject().build(), Action.REPO_SEE, COHORT).allowed()).isTrue();
        assertThat(decide(Subject.anonymous(RequestMeta.SYSTEM), Action.REPO_SEE, COHORT).denial())
                .contains(ErrorCode.NOT_FOUND);
    }

    @Test
    void membersReadTheirGatedDataWithoutAnAgreementButTheReadIsStillAudited() {
        AtomicInteger lookups = new AtomicInteger();
        Decision decision = engine.decide(subject().role(OrgRole.VIEWER).build(), Action.REPO_READ, COHORT,
                new PolicyEngine.Context(TODAY, () -> {
                    lookups.incrementAndGet();
                    return Optional.empty();
                }));
        assertThat(decision.allowed()).isTrue();
        assertThat(decision.gatedRead()).isTrue();
        assertThat(decision.agreement()).isEmpty();
        assertThat(decision.reason()).isEqualTo("a member of its organisation");
        assertThat(lookups).as("no agreement looked up").hasValue(0);
        assertThat(decide(subject().build(), Action.REPO_READ, repository(Exposure.PUBLIC)).gatedRead()).isFalse();
    }

    @Test
    void aJobReadsSensitiveDataOnlyUnderItsOrganisationsApprovedReviewWhileDownloadsFollowTheReadRules() {
        Resource.Repository notes = new Resource.Repository("repo_3", "datasets/lab/notes",
                Resource.OwnerKind.ORGANISATION, "org_lab", Exposure.ORGANISATION, "user_creator",
                Set.of(dev.incubator.common.access.Sensitivity.HEALTH));
        AtomicInteger lookups = new AtomicInteger();
        PolicyEngine.Context held = new PolicyEngine.Context(TODAY, Optional::empty, Optional::empty, () -> {
            lookups.incrementAndGet();
            return Optional.of("no approved review names it");
        });
        Subject member = subject().role(OrgRole.MEMBER).build();
        assertThat(engine.decide(member, Action.REPO_READ, notes, held).allowed()).as("a download").isTrue();
        assertThat(lookups).as("no review looked up outside a job").hasValue(0);

        Decision inJob = engine.decide(subject().role(OrgRole.MEMBER).job("job_1").build(), Action.REPO_READ,
                notes, held);
        assertThat(inJob.denial()).contains(ErrorCode.FORBIDDEN);
        assertThat(inJob.reason()).isEqualTo("no approved review names it");
        Decision cleared = engine.decide(subject().role(OrgRole.MEMBER).job("job_1").build(), Action.REPO_READ,
                notes, new PolicyEngine.Context(TODAY, Optional::empty, Optional::empty, Optional::empty));
        assertThat(cleared.allowed()).isTrue();
        // An outsider's job is refused by the read rules first: the review is not consulted, nor shown.
        Decision outsider = engine.decide(subject().job("job_2").build(), Action.REPO_READ, notes, held);
        assertThat(outsider.denial()).contains(ErrorCode.NOT_FOUND);
        assertThat(engine.decide(subject().role(OrgRole.MEMBER).job("job_1").build(), Action.REPO_READ,
                repository(Exposure.ORGANISATION), held).allowed()).as("data not marked sensitive").isTrue();
    }

    @Test
    void anOutsiderReadsGatedDataOnlyUnderAnApprovedAgreement() {
        Subject reader = subject().build();
        Decision none = decide(reader, Action.REPO_READ, COHORT);
        assertThat(none.denial()).contains(ErrorCode.FORBIDDEN);
        assertThat(none.reason()).contains("incubator access request datasets/lab/cohort");

        Decision approved = decide(reader, Action.REPO_READ, COHORT, agreement(Agreement.Mode.DOWNLOAD, TODAY));
        assertThat(approved.allowed()).isTrue();
        assertThat(approved.gatedRead()).as("audited as a gated read").isTrue();
        assertThat(approved.agreement()).contains("dua_1");
        assertThat(approved.obligations()).as("the agreement's terms come with the data")
                .containsExactly("no-redistribution");

        Decision expired = decide(reader, Action.REPO_READ, COHORT, agreement(Agreement.Mode.DOWNLOAD,
                TODAY.minusDays(1)));
        assertThat(expired.allowed()).isFalse();
        assertThat(expired.agreement()).contains("dua_1");
        assertThat(expired.reason()).contains("expired on 2026-11-28");
    }

    @Test
    void aComputeOnlyAgreementLetsJobsReadButNoDownload() {
        Optional<Agreement> computeOnly = agreement(Agreement.Mode.COMPUTE_ONLY, TODAY);
        Decision download = decide(subject().build(), Action.REPO_READ, COHORT, computeOnly);
        assertThat(download.denial()).contains(ErrorCode.FORBIDDEN);
        assertThat(download.reason()).contains("compute-only");
        assertThat(decide(subject().job("job_1").build(), Action.REPO_READ, COHORT, computeOnly).allowed()).isTrue();
    }

    @Test
    void aDeclaredPurposeMustBeOneTheAgreementAllows() {
        Optional<Agreement> research = agreement(Agreement.Mode.DOWNLOAD, TODAY);
        Decision commercial = decide(subject().purpose("commercial-use").build(), Action.REPO_READ, COHORT, research);
        assertThat(commercial.reason()).contains("allows general-research, not commercial-use");
        Decision nonsense = decide(subject().purpose("fun").build(), Action.REPO_READ, COHORT, research);
        assertThat(nonsense.denial()).contains(ErrorCode.VALIDATION_FAILED);
        assertThat(nonsense.reason()).startsWith("X-Incubator-Purpose: must be one of");
    }

    @Test
    void theDataSideDecidesAccessNotPlatformOperators() {
        assertThat(decide(subject().role(OrgRole.STEWARD).build(), Action.ACCESS_DECIDE, COHORT).allowed()).isTrue();
        assertThat(decide(subject().role(OrgRole.ADMIN).build(), Action.ACCESS_DECIDE, COHORT).allowed()).isTrue();
        assertThat(decide(subject().role(OrgRole.MEMBER).build(), Action.ACCESS_DECIDE, COHORT).reason())
                .contains("'steward' or 'admin'");
        Subject operator = subject().platform(PlatformRole.OPERATOR).build();
        assertThat(decide(operator, Action.ACCESS_DECIDE, COHORT).allowed()).isFalse();
        assertThat(decide(operator, Action.REPO_ADMIN, COHORT).allowed()).as("but may administer").isTrue();
        assertThat(decide(subject().platform(PlatformRole.AUDITOR).build(), Action.ACCESS_REVIEW, COHORT).allowed())
                .as("auditors see the access report").isTrue();
    }

    @Test
    void aUserOwnsTheRepositoriesOfTheirOwnNamespace() {
        Resource.Repository mine = new Resource.Repository("repo_2", "models/ada/tiny", Resource.OwnerKind.USER,
                "user_ada", Exposure.GATED, "user_ada");
        Subject ada = subject().user("user_ada").build();
        assertThat(decide(ada, Action.ACCESS_DECIDE, mine).allowed()).isTrue();
        assertThat(decide(ada, Action.REPO_ADMIN, mine).allowed()).isTrue();
        assertThat(decide(ada, Action.REPO_CREATE, new Resource.Namespace("ada", Resource.OwnerKind.USER, "user_ada"))
                .allowed()).isTrue();
        assertThat(decide(subject().build(), Action.REPO_CREATE, new Resource.Namespace("ada", Resource.OwnerKind.USER,
                "user_ada")).denial()).contains(ErrorCode.NOT_FOUND);
    }

    @Test
    void everyActionIsDecidedAgainstThePlatformForEveryKindOfSubject() {
        for (Action action : Action.values()) {
            for (Subject subject : new Subject[] {subject().build(), subject().platform(PlatformRole.OPERATOR).build(),
                    Subject.anonymous(RequestMeta.SYSTEM)}) {
                Decision decision = decide(subject, action, Resource.platform());
                assertThat(decision.reason()).as(action.name()).isNotBlank();
                assertThat(decision.allowed() || decision.denial().isPresent()).isTrue();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private Decision decide(Subject subject, Action action, Resource resource) {
        return engine.decide(subject, action, resource, PolicyEngine.Context.of(TODAY));
    }

    private Decision decide(Subject subject, Action action, Resource resource, Optional<Agreement> agreement) {
        return engine.decide(subject, action, resource, PolicyEngine.Context.of(TODAY, agreement));
    }

    private static Resource.Repository repository(Exposure exposure) {
        return new Resource.Repository("repo_1", "datasets/lab/cohort", Resource.OwnerKind.ORGANISATION, "org_lab",
                exposure, "user_creator");
    }

    private static Optional<Agreement> agreement(Agreement.Mode mode, LocalDate expiresOn) {
        return Optional.of(new Agreement("dua_1", "repo_1", "datasets/lab/cohort", "user_1", "ada",
                Purpose.GENERAL_RESEARCH, "a cohort study of sleep and memory", Agreement.State.APPROVED,
                Set.of(Purpose.GENERAL_RESEARCH), Optional.of(expiresOn), mode, true, Optional.empty(),
                Optional.of("user:steward"), Optional.of(Instant.parse("2026-11-20T00:00:00Z")), Optional.empty(),
                Instant.parse("2026-11-19T00:00:00Z"), 2));
    }

    private static SubjectBuilder subject() {
        return new SubjectBuilder();
    }

    /** Builds subjects for scenarios: {@code subject().role(ADMIN).scopes(READ).build()}. */
    static final class SubjectBuilder {
        private String user = "user_1";
        private final Set<PlatformRole> platform = EnumSet.noneOf(PlatformRole.class);
        private final Map<String, OrgRole> roles = new HashMap<>();
        private Set<Scope> scopes = EnumSet.allOf(Scope.class);
        private Optional<String> purpose = Optional.empty();
        private Optional<String> job = Optional.empty();

        SubjectBuilder user(String id) {
            user = id;
            return this;
        }

        SubjectBuilder platform(PlatformRole role) {
            platform.add(role);
            return this;
        }

        SubjectBuilder role(OrgRole role) {
            roles.put("org_lab", role);
            return this;
        }

        SubjectBuilder scopes(Scope... granted) {
            scopes = Set.of(granted);
            return this;
        }

        SubjectBuilder purpose(String declared) {
            purpose = Optional.of(declared);
            return this;
        }

        SubjectBuilder job(String id) {
            job = Optional.of(id);
            return this;
        }

        Subject build() {
            return new Subject(Optional.of(user), "user:" + user, platform, roles, scopes, RequestMeta.SYSTEM, purpose,
                    job);
        }
    }
}
