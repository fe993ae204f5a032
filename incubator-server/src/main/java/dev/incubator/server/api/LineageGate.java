package dev.incubator.server.api;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.access.Action;
import dev.incubator.common.access.Subject;
import dev.incubator.common.IncubatorException;
import dev.incubator.governance.access.AgreementService;
import dev.incubator.governance.access.Purpose;
import dev.incubator.governance.lineage.LineagePolicy;
import dev.incubator.governance.lineage.LineagePolicy.Restriction;
import dev.incubator.hub.HubService;
import dev.incubator.hub.port.PublishGate;
import dev.incubator.hub.repo.Card;
import dev.incubator.hub.repo.Repo;
import dev.incubator.hub.repo.RepoKind;
import dev.incubator.hub.repo.Visibility;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Lineage restrictions between the hub and governance: a repository's own restrictions come from its card
 * ({@code restrictions: [no-redistribution, non-commercial, compute-only]}, a non-commercial licence) and from being
 * gated (shared only under agreements, which forbid redistribution); its upstream are the base models and datasets
 * its card names that exist on this hub.
 */
public final class LineageGate implements PublishGate {
    private final Supplier<HubService> hub;
    private final AgreementService agreements;
    private final LineagePolicy policy = new LineagePolicy();

    public LineageGate(Supplier<HubService> hub, AgreementService agreements) {
        this.hub = hub;
        this.agreements = agreements;
    }

    /**
     * Publishing is making a repository public, or gating it for commercial use (its card's gated_purposes include
     * commercial-use): refused while it inherits any restriction. The card's gated_purposes must name purposes of
     * the vocabulary.
     */
    @Override
    public void check(Subject caller, Repo repo, Optional<Card> card) {
        List<String> purposes = card.map(Card::gatedPurposes).orElse(List.of());
        for (String purpose : purposes) {
            if (Purpose.parse(purpose).isEmpty()) {
                throw IncubatorException.validation("README.md:gated_purposes", "'" + purpose + "' is not one of "
                        + Purpose.choices());
            }
        }
        String name = name(repo);
        if (repo.visibility() == Visibility.PUBLIC) {
            refuseIfRestricted(policy.mayPublish(name, graph(caller, repo, card)));
        } else if (repo.visibility() == Visibility.GATED && purposes.contains(Purpose.COMMERCIAL_USE.wire())) {
            refuseIfRestricted(policy.mayShare(name, graph(caller, repo, card), "gating " + name
                    + " for commercial use"));
        }
    }

    /** Approving access for commercial use shares the data commercially: refused while it inherits a restriction. */
    public void checkCommercialSharing(Subject caller, Repo repo) {
        String name = name(repo);
        refuseIfRestricted(policy.mayShare(name, graph(caller, repo, repo.card()), "sharing " + name
                + " for commercial use"));
    }

    /** The lineage as {@code caller} may know it: upstream repositories it can not see are not in it. */
    private java.util.function.Function<String, Optional<LineagePolicy.Node>> graph(Subject caller, Repo repo,
                                                                                  Optional<Card> card) {
        String name = name(repo);
        return candidate -> candidate.equals(name) ? Optional.of(node(repo, card)) : lookup(candidate)
                .filter(found -> hub.get().access().allows(caller, Action.REPO_SEE, found.resource()))
                .map(found -> node(found, found.card()));
    }

    private static void refuseIfRestricted(LineagePolicy.Decision decision) {
        if (!decision.allowed()) {
            throw new IncubatorException(ErrorCode.FORBIDDEN, decision.reason());
        }
    }

    /** The restrictions a repository inherits, for display. */
    public List<LineagePolicy.Inherited> inherited(Repo repo) {
        String name = name(repo);
        return policy.inherited(name, candidate -> candidate.equals(name) ? Optional.of(node(repo, repo.card()))
                : lookup(candidate).map(found -> node(found, found.card())));
    }

    private Optional<Repo> lookup(String name) {
        String[] parts = name.split("/");
        if (parts.length != 3) {
            return Optional.empty();
        }
        RepoKind kind = parts[0].equals("datasets") ? RepoKind.DATASET : RepoKind.MODEL;
        return hub.get().lookup(kind, parts[1], parts[2]);
    }

    private LineagePolicy.Node node(Repo repo, Optional<Card> card) {
        Map<Restriction, String> own = new LinkedHashMap<>();
        if (repo.visibility() == Visibility.GATED) {
            own.put(Restriction.NO_REDISTRIBUTION, "gated: shared only under data-use agreements");
        }
        List<String> upstream = new ArrayList<>();
        card.ifPresent(c -> {
            c.license().filter(LineageGate::nonCommercial).ifPresent(license ->
                    own.put(Restriction.NON_COMMERCIAL, "licence " + license));
            Object declared = c.metadata().get("restrictions");
            if (declared instanceof Collection<?> items) {
                for (Object item : items) {
                    Restriction.parse(String.valueOf(item)).ifPresent(restriction -> own.putIfAbsent(restriction,
                            "declared in its card"));
                }
            }
            c.baseModel().forEach(base -> upstream.add("models/" + base));
            c.datasets().forEach(dataset -> upstream.add("datasets/" + dataset));
        });
        return new LineagePolicy.Node(name(repo), own, upstream, agreements.lineageExceptions(repo.id()));
    }

    private static boolean nonCommercial(String license) {
        String lower = license.toLowerCase(Locale.ROOT);
        return lower.contains("-nc") || lower.contains("noncommercial") || lower.contains("non-commercial");
    }

    static String name(Repo repo) {
        return repo.kind().plural() + "/" + repo.fullName();
    }
}
