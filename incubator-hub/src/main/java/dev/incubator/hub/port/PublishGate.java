package dev.incubator.hub.port;

import dev.incubator.hub.repo.Card;
import dev.incubator.hub.repo.Repo;
import java.util.Optional;

/**
 * Decides whether a repository's content may be published (made public, or a public repository's card changed):
 * governance checks the restrictions it inherits along its lineage. Throws FORBIDDEN with the chain of reasons.
 */
@FunctionalInterface
public interface PublishGate {
    void check(Repo repo, Optional<Card> card);

    PublishGate OPEN = (repo, card) -> { };
}
