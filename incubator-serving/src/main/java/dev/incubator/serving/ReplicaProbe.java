package dev.incubator.serving;

/** Health checks of a replica's registered endpoint (the platform's own bearer, a short timeout). */
@FunctionalInterface
public interface ReplicaProbe {
    /** Empty when healthy, else why not. */
    java.util.Optional<String> check(Replica replica);
}
