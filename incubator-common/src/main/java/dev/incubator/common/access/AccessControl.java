package dev.incubator.common.access;

/**
 * The port through which every capability asks the one access-policy engine (governance) whether a subject may
 * perform an action on a resource. Implementations decide from platform roles, organisation roles, token scopes,
 * repository visibility and data-use agreements, and audit reads of gated data.
 */
@FunctionalInterface
public interface AccessControl {
    Decision decide(Subject subject, Action action, Resource resource);

    /** Throws {@link AccessDenied} with the decision's error and reason when it denies. */
    default Decision check(Subject subject, Action action, Resource resource) {
        Decision decision = decide(subject, action, resource);
        if (!decision.allowed()) {
            throw new AccessDenied(action, resource, decision);
        }
        return decision;
    }

    /** Whether the action is allowed, without throwing (for filtering lists). */
    default boolean allows(Subject subject, Action action, Resource resource) {
        return decide(subject, action, resource).allowed();
    }
}
