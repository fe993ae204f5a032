package dev.incubator.governance.access;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Optional;
import java.util.Set;

/**
 * A data-use agreement: a request for access to a gated repository with a purpose and a justification, and once
 * decided, the owner's terms (purposes allowed, expiry, mode, redistribution, attribution) or the reason refused.
 */
public record Agreement(String id, String repoId, String repository, String requesterId, String requesterName,
                        Purpose purpose, String justification, State state, Set<Purpose> allowedPurposes,
                        Optional<LocalDate> expiresOn, Mode mode, boolean noRedistribution, Optional<String> attribution,
                        Optional<String> decidedBy, Optional<Instant> decidedAt, Optional<String> reason,
                        Instant createdAt, long version) {

    public enum State { PENDING, APPROVED, DENIED, REVOKED }

    /** How approved data may be used: downloaded, or read only inside jobs on the platform. */
    public enum Mode { DOWNLOAD, COMPUTE_ONLY }

    public Agreement {
        allowedPurposes = Set.copyOf(allowedPurposes);
    }

    public boolean active() {
        return state == State.PENDING || state == State.APPROVED;
    }

    public Agreement decided(State newState, Set<Purpose> purposes, Optional<LocalDate> expiry, Mode newMode,
                             boolean noRedistribute, Optional<String> attributionText, String by, Instant at,
                             Optional<String> why) {
        return new Agreement(id, repoId, repository, requesterId, requesterName, purpose, justification, newState,
                purposes, expiry, newMode, noRedistribute, attributionText, Optional.of(by), Optional.of(at), why,
                createdAt, version + 1);
    }
}
