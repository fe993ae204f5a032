package dev.incubator.common;

import static java.util.Objects.requireNonNull;

/** Facts about the request a change came from, recorded in audit events. */
public record RequestMeta(String requestId, String sourceAddress) {
    public static final RequestMeta SYSTEM = new RequestMeta("system", "local");

    public RequestMeta {
        requireNonNull(requestId, "requestId is null");
        requireNonNull(sourceAddress, "sourceAddress is null");
    }
}
