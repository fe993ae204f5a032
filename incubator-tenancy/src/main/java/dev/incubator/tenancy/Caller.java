package dev.incubator.tenancy;

import static java.util.Objects.requireNonNull;

import dev.incubator.common.RequestMeta;

/** Who is asking, and from which request: what every service call needs to authorise and audit. */
public record Caller(Principal principal, RequestMeta request) {
    public Caller {
        requireNonNull(principal, "principal is null");
        requireNonNull(request, "request is null");
    }

    /** The caller as access decisions see it. */
    public dev.incubator.common.access.Subject subject() {
        return principal.subject(request);
    }
}
