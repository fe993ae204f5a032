package dev.incubator.server.api;

import static dev.incubator.server.api.BodySpec.Type.BOOLEAN;
import static dev.incubator.server.api.BodySpec.Type.DATE;
import static dev.incubator.server.api.BodySpec.Type.STRING;
import static dev.incubator.server.api.BodySpec.Type.STRING_LIST;

import dev.incubator.common.IncubatorException;
import dev.incubator.common.audit.AuditEvent;
import dev.incubator.governance.access.Agreement;
import dev.incubator.governance.access.AgreementService;
import dev.incubator.governance.access.Purpose;
import dev.incubator.hub.HubService;
import dev.incubator.common.access.Subject;
import dev.incubator.hub.repo.Card;
import dev.incubator.hub.repo.Repo;
import dev.incubator.hub.repo.RepoKind;
import dev.incubator.common.access.Action;
import dev.incubator.hub.repo.Visibility;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Data-use agreements for gated repositories: request with a purpose, approve with terms, deny, revoke, list, and
 * the owner's report of who read what under which agreement.
 */
public final class AccessRoutes {
    private static final String REQUESTS = HubRoutes.REPO + "/access-requests";
    private static final List<String> PURPOSES = Arrays.stream(Purpose.values()).map(Purpose::wire).toList();
    private static final BodySpec REQUEST = BodySpec.named("AccessRequest")
            .requiredEnum("purpose", PURPOSES, "what the data is for (vocabulary modelled on GA4GH DUO)")
            .required("justification", STRING, "the project and why it needs this data (20-4000 characters)")
            .build();
    private static final BodySpec APPROVE = BodySpec.named("ApproveAccess")
            .required("expires_on", DATE, "last day of access, e.g. 2027-06-30")
            .optionalEnum("mode", List.of("download", "compute-only"), "download, or compute-only: readable only "
                    + "inside jobs on the platform (default: the card's gated_mode, else download)")
            .optional("purposes", STRING_LIST, "purposes allowed (default: the one requested)")
            .optional("no_redistribution", BOOLEAN, "the data and derivatives may not be redistributed (default true)")
            .optional("attribution", STRING, "text users must cite")
            .build();
    private static final BodySpec REASON = BodySpec.named("AccessDecisionReason")
            .required("reason", STRING, "why, shown to the requester")
            .build();

    private static final BodySpec EXCEPTION = BodySpec.named("LineageException")
            .required("downstream", STRING, "the derived repository, e.g. models/uni/med-llm")
            .required("reason", STRING, "why it may be published despite this repository's terms")
            .build();

    private final HubService hub;
    private final AgreementService agreements;
    private final LineageGate lineage;

    /** Whether the caller may see the repository named as users write it (datasets/ns/name, models/ns/name). */
    private boolean visible(dev.incubator.common.access.Subject caller, String name) {
        String[] parts = name.split("/");
        if (parts.length != 3) {
            return false;
        }
        RepoKind kind = parts[0].equals("datasets") ? RepoKind.DATASET : RepoKind.MODEL;
        return hub.lookup(kind, parts[1], parts[2]).map(found -> hub.access().allows(caller, Action.REPO_SEE,
                found.resource())).orElse(true);
    }

    public AccessRoutes(HubService hub, AgreementService agreements, LineageGate lineage) {
        this.hub = hub;
        this.agreements = agreements;
        this.lineage = lineage;
    }

    public record InheritedView(String restriction, String source, String why, List<String> path) {
    }

    public record LineageView(String repository, List<InheritedView> inherited, List<String> exceptionsGranted) {
    }

    public record AgreementView(String id, String repository, String requester, String purpose, String justification,
                                String state, List<String> allowedPurposes, Optional<LocalDate> expiresOn, String mode,
                                boolean noRedistribution, Optional<String> attribution, Optional<String> decidedBy,
                                Optional<Instant> decidedAt, Optional<String> reason, Instant createdAt,
                                Optional<String> conditions) {
        static AgreementView of(Agreement a) {
            return of(a, Optional.empty());
        }

        /** With the conditions the repository's owner states in its card (gated_conditions). */
        static AgreementView of(Agreement a, Repo repo) {
            return of(a, repo.card().flatMap(Card::gatedConditions));
        }

        private static AgreementView of(Agreement a, Optional<String> conditions) {
            return new AgreementView(a.id(), a.repository(), a.requesterName(), a.purpose().wire(), a.justification(),
                    a.state().name().toLowerCase(Locale.ROOT), a.allowedPurposes().stream().map(Purpose::wire).sorted()
                    .toList(), a.expiresOn(), a.mode().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                    a.noRedistribution(), a.attribution(), a.decidedBy(), a.decidedAt(), a.reason(), a.createdAt(),
                    conditions);
        }
    }

    public record AgreementList(List<AgreementView> items) {
    }

    /** A read of the gated data: who, when, on what basis (an agreement, or membership), purpose and channel. */
    public record ReadView(long sequence, Instant time, String actor, String agreement, String basis, String purpose,
                           String channel) {
    }

    public record ReportView(String repository, List<AgreementView> agreements, List<ReadView> reads) {
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.post(REQUESTS, "requestAccess").tag("access")
                        .summary("Ask for access to a gated repository, with a purpose").body(REQUEST)
                        .returns(AgreementView.class)
                        .handle(call -> {
                            var body = call.body(REQUEST);
                            Subject caller = Subjects.of(call);
                            Repo repo = repo(call, Action.ACCESS_REQUEST);
                            return AgreementView.of(request(actor(call, caller), repo, body.string("purpose"),
                                    body.string("justification")), repo);
                        }),
                ApiRoute.get(REQUESTS, "listAccessRequests").tag("access")
                        .summary("Access requests to a repository: all for its owner side, your own otherwise")
                        .returns(AgreementList.class)
                        .handle(call -> {
                            call.principal();
                            Subject caller = Subjects.of(call);
                            Repo repo = repo(call, Action.REPO_SEE);
                            boolean reviewer = hub.access().allows(caller, Action.ACCESS_REVIEW, repo.resource());
                            return new AgreementList(agreements.forRepository(repo.id()).stream()
                                    .filter(a -> reviewer || caller.userId().map(a.requesterId()::equals).orElse(false))
                                    .map(a -> AgreementView.of(a, repo)).toList());
                        }),
                ApiRoute.post(REQUESTS + "/{request}/approve", "approveAccess").tag("access")
                        .summary("Approve a request with terms (owner, data steward or admin)").status(200)
                        .body(APPROVE)
                        .returns(AgreementView.class)
                        .handle(call -> {
                            var body = call.body(APPROVE);
                            Repo repo = repo(call, Action.ACCESS_DECIDE);
                            return AgreementView.of(approve(Subjects.of(call), actor(call, Subjects.of(call)), repo,
                                    call.path("request"), body.optionalStrings("purposes"), body.date("expires_on"),
                                    body.optionalString("mode"), body.optionalBoolean("no_redistribution")
                                    .orElse(true), body.optionalString("attribution")), repo);
                        }),
                ApiRoute.post(REQUESTS + "/{request}/deny", "denyAccess").tag("access")
                        .summary("Deny a pending request (owner, data steward or admin)").status(200).body(REASON)
                        .returns(AgreementView.class)
                        .handle(call -> {
                            var body = call.body(REASON);
                            Repo repo = repo(call, Action.ACCESS_DECIDE);
                            return AgreementView.of(agreements.deny(actor(call, Subjects.of(call)), subject(repo),
                                    call.path("request"), body.string("reason")));
                        }),
                ApiRoute.post(REQUESTS + "/{request}/revoke", "revokeAccess").tag("access")
                        .summary("Revoke an agreement; it stops working on the next read (owner side)")
                        .status(200).body(REASON).returns(AgreementView.class)
                        .handle(call -> {
                            var body = call.body(REASON);
                            Repo repo = repo(call, Action.ACCESS_DECIDE);
                            return AgreementView.of(agreements.revoke(actor(call, Subjects.of(call)), subject(repo),
                                    call.path("request"), body.string("reason")));
                        }),
                ApiRoute.get(HubRoutes.REPO + "/access-report", "accessReport").tag("access")
                        .summary("Who read what, when, under which agreement (owner, data steward or admin)")
                        .returns(ReportView.class)
                        .handle(call -> {
                            Repo repo = repo(call, Action.ACCESS_REVIEW);
                            List<ReadView> reads = agreements.reads(repo.id(), 1000).stream().map(AccessRoutes::read)
                                    .toList();
                            return new ReportView(repo.fullName(), agreements.forRepository(repo.id()).stream()
                                    .map(AgreementView::of).toList(), reads);
                        }),
                ApiRoute.get(HubRoutes.REPO + "/lineage", "getLineage").tag("access")
                        .summary("Restrictions a repository inherits from the base models and datasets its card names")
                        .publicAccess().returns(LineageView.class)
                        .handle(call -> {
                            Repo repo = repo(call, Action.REPO_SEE);
                            // What the caller may not see stays unseen: a restriction that comes through a
                            // repository hidden from them is left out, as every other route answers 404 for it.
                            dev.incubator.common.access.Subject caller = Subjects.of(call);
                            return new LineageView(LineageGate.name(repo), lineage.inherited(repo).stream()
                                    .filter(inherited -> inherited.path().stream().allMatch(name -> visible(caller,
                                            name)))
                                    .map(inherited -> new InheritedView(inherited.restriction().wire(),
                                            inherited.path().get(0), inherited.why(), inherited.path())).toList(),
                                    List.copyOf(agreements.lineageExceptions(repo.id())));
                        }),
                ApiRoute.post(HubRoutes.REPO + "/lineage-exceptions", "grantLineageException").tag("access")
                        .summary("Let a derived repository be published despite this repository's terms (owner side)")
                        .status(204).body(EXCEPTION)
                        .handle(call -> {
                            var body = call.body(EXCEPTION);
                            Repo repo = repo(call, Action.ACCESS_DECIDE);
                            agreements.grantLineageException(actor(call, Subjects.of(call)), subject(repo),
                                    body.string("downstream"), body.string("reason"));
                            return null;
                        }),
                ApiRoute.get(TenancyRoutes.PREFIX + "/access-requests", "myAccessRequests").tag("access")
                        .summary("Your access requests and agreements, on every repository").returns(AgreementList.class)
                        .handle(call -> {
                            Subject caller = Subjects.of(call);
                            return new AgreementList(agreements.forRequester(caller.userId().orElseThrow()).stream()
                                    .map(AgreementView::of).toList());
                        }));
    }

    /**
     * Asks for access to a gated repository (the caller was allowed {@code access_request} on it): refused for a
     * repository that is not gated, or a purpose its owner does not consider. The API and the console ask here.
     */
    public Agreement request(AgreementService.Actor requester, Repo repo, String purpose, String justification) {
        if (repo.visibility() != Visibility.GATED) {
            throw IncubatorException.validation("repository", "'" + repo.fullName() + "' is not gated; no agreement"
                    + " is needed or possible");
        }
        List<String> considered = repo.card().map(Card::gatedPurposes).orElse(List.of());
        if (!considered.isEmpty() && !considered.contains(purpose)) {
            throw IncubatorException.validation("purpose", "the owner of '" + repo.fullName() + "' considers requests"
                    + " for " + String.join(", ", considered) + " only");
        }
        return agreements.request(requester, subject(repo), purpose, justification);
    }

    /**
     * Approves a request with terms (the caller was allowed {@code access_decide}): commercial use needs the
     * lineage's consent; the mode defaults to the card's. The API and the console approve here.
     */
    public Agreement approve(Subject caller, AgreementService.Actor owner, Repo repo, String requestId,
                             List<String> purposes, LocalDate expiresOn, Optional<String> mode, boolean noRedistribution,
                             Optional<String> attribution) {
        Agreement request = agreements.find(subject(repo), requestId).orElseThrow(() ->
                IncubatorException.notFound("access request", requestId));
        if ((purposes.isEmpty() ? List.of(request.purpose().wire()) : purposes).contains(Purpose.COMMERCIAL_USE
                .wire())) {
            lineage.checkCommercialSharing(caller, repo);
        }
        return agreements.approve(owner, subject(repo), requestId, purposes, expiresOn, mode.or(() -> repo.card()
                .flatMap(Card::gatedMode)).orElse("download"), noRedistribution, attribution);
    }

    private static ReadView read(AuditEvent event) {
        return new ReadView(event.sequence(), event.time(), event.actor(), event.details().getOrDefault("agreement", ""),
                event.details().getOrDefault("basis", ""), event.details().getOrDefault("purpose", ""),
                event.details().getOrDefault("channel", ""));
    }

    private Repo repo(Call call, Action action) {
        return hub.find(Subjects.of(call), HubRoutes.kind(call.path("kind")), call.path("namespace"),
                call.path("name"), action);
    }

    static AgreementService.Actor actor(Call call, Subject caller) {
        return new AgreementService.Actor(caller.userId().orElseThrow(), call.principal().user().name(), caller.actor(),
                call.requestMeta());
    }

    public static AgreementService.Subject subject(Repo repo) {
        return new AgreementService.Subject(repo.id(), repo.kind().plural() + "/" + repo.fullName(),
                repo.owner().kind() == Repo.OwnerKind.ORGANISATION ? Optional.of(repo.owner().id()) : Optional.empty());
    }
}
