package dev.incubator.hub.port;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.hub.repo.HubCaller;
import dev.incubator.hub.repo.Repo;

/**
 * Decides reads of a gated repository's files by signed-in users outside its organisation: governance checks their
 * data-use agreement (and audits the read). Throws FORBIDDEN with the reason when the read is refused.
 */
@FunctionalInterface
public interface ReadGate {
    void check(HubCaller caller, Repo repo);

    /** No agreements: a gated repository is readable only by its organisation. */
    ReadGate CLOSED = (caller, repo) -> {
        throw new IncubatorException(ErrorCode.FORBIDDEN, "repository '" + repo.fullName() + "' is gated: its files "
                + "are readable only under a data-use agreement with its owner");
    };
}
