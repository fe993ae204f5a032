package dev.incubator.hub.repo;

import java.time.Instant;
import java.util.Optional;

/**
 * A model or dataset repository under a namespace (an organisation or a user). Its content is stored in one
 * encryption domain: the shared public domain for public repositories, the owner's private domain otherwise.
 */
public record Repo(String id, RepoKind kind, String namespace, String name, Owner owner, Visibility visibility,
                   String domain, String createdBy, Instant createdAt, Instant updatedAt, Optional<Card> card,
                   long version) {

    /** The organisation or user that owns the repository. */
    public record Owner(OwnerKind kind, String id) {
    }

    public enum OwnerKind { ORGANISATION, USER }

    /** The repository as access decisions see it, named as users write it (e.g. datasets/lab/corpus). */
    public dev.incubator.common.access.Resource.Repository resource() {
        return new dev.incubator.common.access.Resource.Repository(id, kind.plural() + "/" + fullName(),
                dev.incubator.common.access.Resource.OwnerKind.valueOf(owner.kind().name()), owner.id(),
                dev.incubator.common.access.Resource.Exposure.valueOf(visibility.name()), createdBy,
                kind == RepoKind.DATASET ? card.map(Card::sensitive).orElse(java.util.Set.of()) : java.util.Set.of());
    }

    public String fullName() {
        return namespace + "/" + name;
    }

    public Repo withCard(Optional<Card> value, Instant now) {
        return new Repo(id, kind, namespace, name, owner, visibility, domain, createdBy, createdAt, now, value,
                version + 1);
    }

    public Repo withVisibility(Visibility value, Instant now) {
        return new Repo(id, kind, namespace, name, owner, value, domain, createdBy, createdAt, now, card, version + 1);
    }

    public Repo touched(Instant now) {
        return new Repo(id, kind, namespace, name, owner, visibility, domain, createdBy, createdAt, now, card,
                version + 1);
    }
}
