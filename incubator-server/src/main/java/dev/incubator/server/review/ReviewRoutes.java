package dev.incubator.server.review;

import static dev.incubator.server.api.BodySpec.Type.BOOLEAN;
import static dev.incubator.server.api.BodySpec.Type.STRING;
import static dev.incubator.server.api.BodySpec.Type.STRING_LIST;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.Ids;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.Page;
import dev.incubator.common.access.AccessControl;
import dev.incubator.common.access.Action;
import dev.incubator.common.access.Resource;
import dev.incubator.common.access.Subject;
import dev.incubator.common.audit.AuditEvent;
import dev.incubator.governance.review.Application;
import dev.incubator.governance.review.Clearance;
import dev.incubator.governance.review.Committee;
import dev.incubator.governance.review.Review;
import dev.incubator.governance.review.ReviewStore;
import dev.incubator.governance.review.RiskRules;
import dev.incubator.hub.HubService;
import dev.incubator.hub.repo.RepoKind;
import dev.incubator.server.api.ApiRoute;
import dev.incubator.server.api.BodySpec;
import dev.incubator.server.api.Call;
import dev.incubator.server.api.Subjects;
import dev.incubator.server.api.TenancyRoutes;
import dev.incubator.server.api.Views.PageView;
import dev.incubator.serving.Deployment;
import dev.incubator.tenancy.Organisation;
import dev.incubator.tenancy.TenancyService;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Applications and their ethical review: an organisation registers what it serves to people and asks for review;
 * the rule table classifies its risk; the platform's reviewers (the ethics committee) vote, decide and revoke; the
 * exposure of a high-risk application's deployments beyond its organisation follows the decision, decided by the
 * policy engine from {@link #hold}. Every step is an audit event.
 */
public final class ReviewRoutes {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Pattern DEPLOYMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]"
            + "{0,95}");
    private static final Pattern DATASET = Pattern.compile("datasets/([A-Za-z0-9][A-Za-z0-9._-]{0,95})/"
            + "([A-Za-z0-9][A-Za-z0-9._-]{0,95})");
    private static final BodySpec CREATE = BodySpec.named("CreateApplication")
            .required("name", STRING, "the application's name in the organisation, e.g. 'triage-assistant'")
            .required("purpose", STRING, "what it does for whom, in a sentence or two (the dossier's first line)")
            .requiredEnum("audience", List.of("public", "internal"), "who it serves: the public, or the"
                    + " organisation's own staff")
            .requiredEnum("domain", List.of("medical", "finance", "education", "news_opinion", "biometrics",
                    "other"), "the field it works in")
            .optional("minors", BOOLEAN, "whether minors use it or are its subjects (default false)")
            .optional("deployments", STRING_LIST, "the deployments behind it, ORG/NAME of this organisation")
            .optional("datasets", STRING_LIST, "the datasets it uses, e.g. [\"datasets/lab/notes\"]")
            .build();
    private static final BodySpec UPDATE = BodySpec.named("UpdateApplication")
            .optional("purpose", STRING, "what it does for whom, as it is now")
            .optional("deployments", STRING_LIST, "the deployments behind it, replacing the list")
            .optional("datasets", STRING_LIST, "the datasets it uses, replacing the list")
            .build();
    private static final BodySpec VOTE = BodySpec.named("ReviewVote")
            .requiredEnum("choice", List.of("approve", "reject", "abstain"), "your vote")
            .optional("comment", STRING, "why: the committee and the applicant read it")
            .optional("conditions", STRING_LIST, "conditions of an approval, e.g. [\"human review of every answer\"]")
            .build();
    private static final BodySpec REVOKE = BodySpec.named("ReviewRevocation")
            .required("reason", STRING, "why the approval no longer holds")
            .build();

    private final ReviewStore store;
    private final TenancyService tenancy;
    private final AccessControl access;
    private final HubService hub;
    private final Function<String, Optional<Deployment>> deployments;
    private final Function<String, Integer> eligibleReviewers;
    private final RiskRules rules;
    private final Committee committee;
    private final Clock clock;
    private final java.util.function.BiFunction<String, String, Optional<dev.incubator.governance.review.Assessment>>
            assessments;

    /**
     * {@code eligibleReviewers}: how many reviewers without a conflict the committee has for an applicant
     * organisation (by id).
     */
    public ReviewRoutes(ReviewStore store, TenancyService tenancy, AccessControl access, HubService hub,
                        Function<String, Optional<Deployment>> deployments, Function<String, Integer> eligibleReviewers,
                        RiskRules rules, Committee committee, Clock clock,
                        java.util.function.BiFunction<String, String,
                                Optional<dev.incubator.governance.review.Assessment>> assessments) {
        this.assessments = assessments;
        this.store = store;
        this.tenancy = tenancy;
        this.access = access;
        this.hub = hub;
        this.deployments = deployments;
        this.eligibleReviewers = eligibleReviewers;
        this.rules = rules;
        this.committee = committee;
        this.clock = clock;
    }

    public record ClearanceView(boolean cleared, String reason) {
    }

    public record DossierView(Map<String, String> deployments, List<String> datasets, String purpose) {
        static DossierView of(Review.Snapshot snapshot) {
            return new DossierView(snapshot.deployments(), snapshot.datasets(), snapshot.purpose());
        }
    }

    public record VoteView(String reviewer, String choice, String comment, List<String> conditions, Instant at) {
    }

    public record ReviewView(String id, String application, String state, boolean expertReReview, String majority,
                             DossierView dossier, List<VoteView> votes, List<String> conditions,
                             Optional<String> decision, Optional<LocalDate> validUntil, String openedBy,
                             Instant openedAt, Optional<Instant> decidedAt) {
    }

    public record ApplicationView(String id, String organisation, String name, String purpose, String audience,
                                  boolean minors, String domain, List<String> deployments, List<String> datasets,
                                  String risk, boolean expertReReview, List<String> riskReasons,
                                  ClearanceView exposure, DossierView current, List<ReviewView> reviews,
                                  String createdBy, Instant createdAt, Instant updatedAt) {
    }

    public List<ApiRoute> routes() {
        String apps = TenancyRoutes.PREFIX + "/orgs/{org}/applications";
        String reviews = TenancyRoutes.PREFIX + "/reviews";
        return List.of(
                ApiRoute.post(apps, "createApplication").tag("review")
                        .summary("Register an application (what the organisation serves to people); its risk is"
                                + " classified by the rule table").body(CREATE).status(201)
                        .returns(ApplicationView.class)
                        .handle(call -> {
                            Organisation org = tenancy.authorize(call.caller(), call.path("org"), Action.APP_MANAGE);
                            return view(create(call, org, call.body(CREATE)));
                        }),
                ApiRoute.get(apps, "listApplications").tag("review")
                        .summary("The organisation's applications with their risk and exposure clearance")
                        .pageOf(ApplicationView.class)
                        .handle(call -> {
                            Organisation org = tenancy.authorize(call.caller(), call.path("org"), Action.APP_READ);
                            Page<Application> page = store.read(r -> r.applications(org.id().value(), call.page()));
                            return PageView.of(page, this::view);
                        }),
                ApiRoute.get(apps + "/{name}", "getApplication").tag("review")
                        .summary("An application: risk and its reasons, exposure clearance, the dossier as it is"
                                + " now, and its reviews").returns(ApplicationView.class)
                        .handle(call -> view(application(call, Action.APP_READ))),
                ApiRoute.patch(apps + "/{name}", "updateApplication").tag("review")
                        .summary("Change an application's purpose, deployments or datasets; an approval covers the"
                                + " dossier it judged, so the change waits for a re-review").body(UPDATE)
                        .returns(ApplicationView.class)
                        .handle(call -> view(update(call, application(call, Action.APP_MANAGE), call.body(UPDATE)))),
                ApiRoute.post(apps + "/{name}/reviews", "requestReview").tag("review")
                        .summary("Ask the ethics committee to review the application as it is now").status(201)
                        .returns(ReviewView.class)
                        .handle(call -> reviewView(open(call, application(call, Action.APP_MANAGE)))),
                ApiRoute.get(reviews, "listReviews").tag("review")
                        .summary("The ethics committee's queue: reviews, oldest first (reviewers, auditors,"
                                + " operators)")
                        .query("state", "open (default), approved, rejected, revoked or all")
                        .pageOf(ReviewView.class)
                        .handle(call -> {
                            tenancy.authorize(call.caller(), Action.REVIEW_READ);
                            String state = call.query("state").orElse("open");
                            Optional<Review.State> filter = state.equals("all") ? Optional.empty()
                                    : Optional.of(state(state));
                            return PageView.of(store.read(r -> r.queue(filter, call.page())), this::reviewView);
                        }),
                ApiRoute.get(reviews + "/{review}", "getReview").tag("review")
                        .summary("A review: the dossier it judges, the votes, the decision").returns(ReviewView.class)
                        .handle(call -> reviewView(review(call, false))),
                ApiRoute.post(reviews + "/{review}/votes", "voteOnReview").tag("review")
                        .summary("Vote on an open review (a reviewer without a conflict of interest)")
                        .body(VOTE).status(200).returns(ReviewView.class)
                        .handle(call -> reviewView(vote(call, review(call, true), call.body(VOTE)))),
                ApiRoute.post(reviews + "/{review}/decision", "decideReview").tag("review")
                        .summary("Decide an open review from its votes, by the committee's rules (quorum,"
                                + " majority)").status(200).returns(ReviewView.class)
                        .handle(call -> reviewView(decide(call, review(call, true)))),
                ApiRoute.post(reviews + "/{review}/revocation", "revokeReview").tag("review")
                        .summary("Revoke an approval: the application's exposure ends at once")
                        .body(REVOKE).status(200).returns(ReviewView.class)
                        .handle(call -> reviewView(revoke(call, review(call, true), call.body(REVOKE)))));
    }

    /**
     * Why the deployment (ORG/NAME) may not be exposed beyond its organisation now: the first of its applications
     * that is high-risk without a valid approval of what it is now; empty when none holds it back.
     */
    public Optional<String> hold(String deployment) {
        LocalDate today = today();
        for (Application application : store.read(r -> r.servedBy(deployment))) {
            Clearance clearance = clearance(application, today);
            if (!clearance.cleared()) {
                return Optional.of(clearance.reason());
            }
        }
        return Optional.empty();
    }

    /**
     * Whether a job of an organisation (id and name) may train on a dataset marked sensitive: one of the organisation's
     * applications names it and its latest review approves that, in date, for the purpose as it is now.
     */
    public dev.incubator.governance.review.SensitiveUse sensitiveUse(String orgId, String orgName,
                                                                      Resource.Repository dataset) {
        List<dev.incubator.governance.review.SensitiveUse.Candidate> candidates = store.read(r -> r.naming(orgId,
                dataset.name()).stream().map(application -> new dev.incubator.governance.review.SensitiveUse
                .Candidate(application, r.reviews(application.id()).stream().findFirst())).toList());
        return dev.incubator.governance.review.SensitiveUse.decide(orgName, dataset.name(), dataset.sensitive(),
                candidates, today());
    }

    // ------------------------------------------------------------------------------------------------ actions

    private Application create(Call call, Organisation org, BodySpec.Body body) {
        String name = body.string("name");
        if (!NAME.matcher(name).matches()) {
            throw IncubatorException.validation("name", "must be 1-64 lower-case letters, digits, '.', '_' or '-',"
                    + " starting with a letter or digit, e.g. 'triage-assistant'");
        }
        String purpose = purpose(body.string("purpose"));
        List<String> served = served(org, body.optionalStrings("deployments"));
        List<String> datasets = datasets(call, body.optionalStrings("datasets"));
        Application.Audience audience = Application.Audience.valueOf(body.string("audience").toUpperCase(
                Locale.ROOT));
        Application.Domain domain = Application.Domain.valueOf(body.string("domain").toUpperCase(Locale.ROOT));
        boolean minors = body.optionalBoolean("minors").orElse(false);
        Instant now = clock.instant();
        Application application = new Application(Ids.next("app", clock), org.id().value(), org.name(), name,
                purpose, audience, minors, domain, served, datasets, rules.classify(domain, audience, minors),
                call.principal().user().name(), now, now, 1);
        store.write(r -> {
            if (r.application(org.id().value(), name).isPresent()) {
                throw new IncubatorException(ErrorCode.ALREADY_EXISTS, "application " + org.name() + "/" + name
                        + " already exists");
            }
            r.insertApplication(application);
            r.audit().append(event(call, "app.create", "application", application.id(), org.id().value(), Map.of(
                    "application", application.fullName(), "risk", application.risk().risk().wire(), "domain",
                    domain.wire(), "audience", audience.wire(), "minors", Boolean.toString(minors))));
            return null;
        });
        return application;
    }

    /**
     * Changes what the application does (purpose), serves (deployments) or uses (datasets): its dossier then differs
     * from what its review approved, so a high-risk application's exposure, and training on sensitive data it names,
     * wait for a re-review. Audience, domain and minors define the application: a change is a new application.
     */
    private Application update(Call call, Application current, BodySpec.Body body) {
        Organisation org = tenancy.authorize(call.caller(), current.orgName(), Action.APP_MANAGE);
        String purpose = body.optionalString("purpose").map(ReviewRoutes::purpose).orElse(current.purpose());
        List<String> served = body.has("deployments") ? served(org, body.optionalStrings("deployments"))
                : current.deployments();
        List<String> datasets = body.has("datasets") ? datasets(call, body.optionalStrings("datasets"))
                : current.datasets();
        Map<String, String> changed = new TreeMap<>();
        if (!purpose.equals(current.purpose())) {
            changed.put("purpose", purpose);
        }
        if (!served.equals(current.deployments())) {
            changed.put("deployments", String.join(",", served));
        }
        if (!datasets.equals(current.datasets())) {
            changed.put("datasets", String.join(",", datasets));
        }
        if (changed.isEmpty()) {
            return current;
        }
        Application next = new Application(current.id(), current.orgId(), current.orgName(), current.name(), purpose,
                current.audience(), current.minors(), current.domain(), served, datasets, current.risk(),
                current.createdBy(), current.createdAt(), clock.instant(), current.version() + 1);
        changed.put("application", current.fullName());
        store.write(r -> {
            if (!r.updateApplication(next)) {
                throw new IncubatorException(ErrorCode.VERSION_MISMATCH, "application " + current.fullName()
                        + " changed meanwhile; read it again");
            }
            r.audit().append(event(call, "app.update", "application", current.id(), current.orgId(), changed));
            return null;
        });
        return next;
    }

    private static String purpose(String text) {
        String purpose = text.strip();
        if (purpose.length() < 10 || purpose.length() > 4000) {
            throw IncubatorException.validation("purpose", "say what it does and for whom (10 to 4000 characters):"
                    + " reviewers judge it");
        }
        return purpose;
    }

    private List<String> served(Organisation org, List<String> names) {
        List<String> served = names.stream().distinct().toList();
        for (String deployment : served) {
            if (!DEPLOYMENT.matcher(deployment).matches() || !deployment.startsWith(org.name() + "/")
                    || deployments.apply(deployment).isEmpty()) {
                throw IncubatorException.validation("deployments", "'" + deployment + "' is not a deployment of "
                        + org.name() + " (ORG/NAME, as 'incubator deploy list' shows)");
            }
        }
        return served;
    }

    private List<String> datasets(Call call, List<String> names) {
        Subject subject = Subjects.of(call);
        List<String> datasets = names.stream().distinct().toList();
        for (String dataset : datasets) {
            var matcher = DATASET.matcher(dataset);
            if (!matcher.matches()) {
                throw IncubatorException.validation("datasets", "'" + dataset + "' is not datasets/ORG/NAME");
            }
            hub.find(subject, RepoKind.DATASET, matcher.group(1), matcher.group(2), Action.REPO_SEE);
        }
        return datasets;
    }

    private Review open(Call call, Application application) {
        Instant now = clock.instant();
        Review review = new Review(Ids.next("rev", clock), application.id(), application.orgId(),
                snapshot(application), application.risk().expertReReview(), Review.State.OPEN, List.of(),
                Optional.empty(), Optional.empty(), call.principal().user().name(), now, Optional.empty(), 1);
        store.write(r -> {
            if (r.reviews(application.id()).stream().anyMatch(earlier -> earlier.state() == Review.State.OPEN)) {
                throw new IncubatorException(ErrorCode.CONFLICT, "application " + application.fullName() + " already"
                        + " has an open review");
            }
            r.insertReview(review);
            r.audit().append(event(call, "review.open", "review", review.id(), application.orgId(), Map.of(
                    "application", application.fullName(), "dossier", review.dossier().deployments().toString(),
                    "expert_re_review", Boolean.toString(review.expertReReview()))));
            return null;
        });
        return review;
    }

    private Review vote(Call call, Review review, BodySpec.Body body) {
        Subject subject = Subjects.of(call);
        Application application = store.read(r -> r.applicationById(review.applicationId())).orElseThrow();
        committee.conflict(subject.memberships().keySet(), application).ifPresent(conflict -> {
            throw new IncubatorException(ErrorCode.FORBIDDEN, conflict);
        });
        Review.Choice choice = Review.Choice.valueOf(body.string("choice").toUpperCase(Locale.ROOT));
        List<String> conditions = body.optionalStrings("conditions");
        if (choice != Review.Choice.APPROVE && !conditions.isEmpty()) {
            throw IncubatorException.validation("conditions", "conditions go with an approval");
        }
        Review voted = committee.vote(review, new Review.Vote(subject.userId().orElseThrow(), subject.actor(), choice,
                body.optionalString("comment").orElse(""), conditions, clock.instant()));
        save(call, voted, "review.vote", Map.of("choice", choice.wire(), "application", application.fullName()));
        return voted;
    }

    private Review decide(Call call, Review review) {
        Review decided = committee.decide(review, eligibleReviewers.apply(review.orgId()), today(), clock.instant());
        save(call, decided, "review.decide", Map.of("decision", decided.decision().orElse(""), "valid_until",
                decided.validUntil().map(LocalDate::toString).orElse("")));
        return decided;
    }

    private Review revoke(Call call, Review review, BodySpec.Body body) {
        if (review.state() != Review.State.APPROVED) {
            throw new IncubatorException(ErrorCode.CONFLICT, "review " + review.id() + " is " + review.state().wire()
                    + "; only an approval is revoked");
        }
        String reason = body.string("reason").strip();
        Review revoked = review.with(Review.State.REVOKED, review.votes(), Optional.of(reason + " (revoked by "
                + Subjects.of(call).actor() + ")"), review.validUntil(), Optional.of(clock.instant()));
        save(call, revoked, "review.revoke", Map.of("reason", reason));
        return revoked;
    }

    private void save(Call call, Review review, String action, Map<String, String> details) {
        store.write(r -> {
            if (!r.updateReview(review)) {
                throw new IncubatorException(ErrorCode.VERSION_MISMATCH, "review " + review.id() + " changed"
                        + " meanwhile; read it again");
            }
            r.audit().append(event(call, action, "review", review.id(), review.orgId(), details));
            return null;
        });
    }

    // ------------------------------------------------------------------------------------------------ reads

    private Application application(Call call, Action action) {
        Organisation org = tenancy.authorize(call.caller(), call.path("org"), action);
        String name = call.path("name");
        return store.read(r -> r.application(org.id().value(), name)).orElseThrow(() -> IncubatorException
                .notFound("application", org.name() + "/" + name));
    }

    /** A review the caller may see (the committee, or the applicant); {@code voting}: the committee's action. */
    private Review review(Call call, boolean voting) {
        String id = call.path("review");
        Subject subject = Subjects.of(call);
        if (voting) {
            tenancy.authorize(call.caller(), Action.REVIEW_VOTE); // the committee's actions: refused to anyone else
        }
        Review review = store.read(r -> r.review(id)).orElseThrow(() -> IncubatorException.notFound("review", id));
        boolean committeeMember = access.allows(subject, Action.REVIEW_READ, Resource.platform());
        boolean applicant = access.allows(subject, Action.APP_READ, new Resource.Organisation(review.orgId(),
                store.read(r -> r.applicationById(review.applicationId())).map(Application::orgName)
                        .orElse(review.orgId())));
        if (!committeeMember && !applicant) {
            throw IncubatorException.notFound("review", id);
        }
        return review;
    }

    private static Review.State state(String value) {
        try {
            return Review.State.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw IncubatorException.validation("state", "must be open, approved, rejected, revoked or all");
        }
    }

    private Clearance clearance(Application application, LocalDate today) {
        Optional<Review> latest = store.read(r -> r.reviews(application.id())).stream().findFirst();
        return Clearance.of(application, latest, snapshot(application), today, deployment -> assessments.apply(
                application.id(), deployment));
    }

    /** What the application is now: each deployment's model and revision, its datasets, its purpose. */
    private Review.Snapshot snapshot(Application application) {
        SortedMap<String, String> served = new TreeMap<>();
        for (String name : application.deployments()) {
            served.put(name, deployments.apply(name).map(d -> d.model() + "@" + d.revision()).orElse("(deleted)"));
        }
        return new Review.Snapshot(served, application.datasets(), application.purpose());
    }

    private ApplicationView view(Application a) {
        Clearance clearance = clearance(a, today());
        List<ReviewView> reviews = store.read(r -> r.reviews(a.id())).stream().limit(20).map(this::reviewView)
                .toList();
        return new ApplicationView(a.id(), a.orgName(), a.name(), a.purpose(), a.audience().wire(), a.minors(),
                a.domain().wire(), a.deployments(), a.datasets(), a.risk().risk().wire(), a.risk().expertReReview(),
                a.risk().reasons(), new ClearanceView(clearance.cleared(), clearance.reason()),
                DossierView.of(snapshot(a)), reviews, a.createdBy(), a.createdAt(), a.updatedAt());
    }

    private ReviewView reviewView(Review r) {
        String application = store.read(repositories -> repositories.applicationById(r.applicationId()))
                .map(Application::fullName).orElse(r.applicationId());
        return new ReviewView(r.id(), application, r.state().wire(), r.expertReReview(),
                Committee.majority(r.expertReReview()), DossierView.of(r.dossier()), r.votes().stream().map(vote ->
                new VoteView(vote.reviewer(), vote.choice().wire(), vote.comment(), vote.conditions(), vote.at()))
                .toList(), r.conditions(), r.decision(), r.validUntil(), r.openedBy(), r.openedAt(), r.decidedAt());
    }

    private AuditEvent event(Call call, String action, String type, String id, String orgId,
                             Map<String, String> details) {
        return new AuditEvent(0, clock.instant(), Subjects.of(call).actor(), action, type, id, Optional.of(orgId),
                call.requestMeta().requestId(), AuditEvent.Outcome.SUCCESS, call.requestMeta().sourceAddress(),
                details);
    }

    private LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }
}
