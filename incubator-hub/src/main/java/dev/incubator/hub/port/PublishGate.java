package dev.incubator.hub.port;

import dev.incubator.hub.repo.Card;
import dev.incubator.hub.repo.Repo;
import java.util.Optional;

/**
 * Decides whether a repository's content may be shared as it is about to be: asked when a repository becomes public
 * or gated, and when the card of a public or gated repository changes. Governance decides what counts as publishing
 * (public; gated for commercial use) and checks the restrictions the repository inherits along its lineage, and the
 * card's access conditions. Throws FORBIDDEN with the chain of reasons, or a validation error naming the field.
 * Upstream repositories {@code caller} may not see are left out, as if they did not exist: a refusal never tells
 * the caller what another tenant holds.
 */
@FunctionalInterface
public interface PublishGate {
    void check(dev.incubator.common.access.Subject caller, Repo repo, Optional<Card> card);

    PublishGate OPEN = (caller, repo, card) -> { };
}
