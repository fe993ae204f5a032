package dev.incubator.server.api;

/** A response view of a resource with an optimistic-concurrency version, sent as its ETag. */
public interface Versioned {
    long version();
}
