package dev.incubator.common.access;

import dev.incubator.common.IncubatorException;

/** A denied access decision, thrown: carries the action and resource so the denial is audited with its reason. */
public final class AccessDenied extends IncubatorException {
    private final Action action;
    private final Resource resource;
    private final Decision decision;

    public AccessDenied(Action action, Resource resource, Decision decision) {
        super(decision.denial().orElseThrow(), decision.reason());
        this.action = action;
        this.resource = resource;
        this.decision = decision;
    }

    public Action action() {
        return action;
    }

    public Resource resource() {
        return resource;
    }

    public Decision decision() {
        return decision;
    }
}
