package dev.incubator.hub.repo;

/**
 * Who may read a repository: anyone (public); members of its organisation (organisation); its owner and the
 * organisation's admins (private); anyone signed in may see it exists but reading files needs an agreement
 * (gated, enforced by governance; until an agreement exists only the owning organisation reads).
 */
public enum Visibility {
    PUBLIC, ORGANISATION, PRIVATE, GATED
}
