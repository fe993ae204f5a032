package dev.incubator.hub.repo;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import java.util.Optional;

/**
 * The one place where access to repositories is decided. Pure. A repository the caller may not know about
 * answers exactly like one that does not exist, so names never leak across tenants.
 */
public final class RepoAccess {
    public enum Operation {
        /** See the repository and its metadata, commits and file list. */
        SEE,
        /** Download file contents. */
        READ,
        /** Push commits, upload content. */
        WRITE,
        /** Change visibility, delete. */
        ADMIN
    }

    /** {@code needsAgreement}: a read of gated data by someone outside its organisation, for governance to decide. */
    public record Decision(boolean allowed, Optional<ErrorCode> denial, String reason, boolean needsAgreement) {
        static Decision allow(String reason) {
            return new Decision(true, Optional.empty(), reason, false);
        }

        static Decision deny(ErrorCode code, String reason) {
            return new Decision(false, Optional.of(code), reason, false);
        }

        static Decision agreementDecides(Repo repo) {
            return new Decision(false, Optional.of(ErrorCode.FORBIDDEN), "repository '" + repo.fullName() + "' is gated:"
                    + " its files are readable only under a data-use agreement with its owner", true);
        }
    }

    public Decision decide(HubCaller caller, Operation operation, Repo repo) {
        boolean owner = owns(caller, repo);
        boolean member = owner || repo.owner().kind() == Repo.OwnerKind.ORGANISATION
                && caller.atLeast(repo.owner().id(), HubCaller.Level.VIEWER);
        boolean seen = switch (repo.visibility()) {
            case PUBLIC -> true;
            case GATED -> caller.userId().isPresent();
            case ORGANISATION -> member || caller.readsEverything();
            case PRIVATE -> owner || caller.readsEverything() || isAdmin(caller, repo)
                    || caller.userId().map(repo.createdBy()::equals).orElse(false) && member;
        };
        if (!seen) {
            return Decision.deny(ErrorCode.NOT_FOUND, "repository '" + repo.fullName() + "' not found");
        }
        return switch (operation) {
            case SEE -> Decision.allow("visible: " + repo.visibility().name().toLowerCase(java.util.Locale.ROOT));
            case READ -> repo.visibility() != Visibility.GATED || member || caller.readsEverything()
                    ? Decision.allow("readable")
                    : Decision.agreementDecides(repo);
            case WRITE -> !caller.mayWrite() ? Decision.deny(ErrorCode.INSUFFICIENT_SCOPE, "this token lacks the "
                    + "'write' scope needed to push to '" + repo.fullName() + "'")
                    : owner || repo.owner().kind() == Repo.OwnerKind.ORGANISATION
                    && caller.atLeast(repo.owner().id(), HubCaller.Level.MEMBER) || caller.managesEverything()
                    ? Decision.allow("may write")
                    : Decision.deny(ErrorCode.FORBIDDEN, "pushing to '" + repo.fullName() + "' needs the role "
                    + "'member' or higher in its organisation");
            case ADMIN -> !caller.mayWrite() ? Decision.deny(ErrorCode.INSUFFICIENT_SCOPE, "this token lacks the "
                    + "'write' scope needed to change '" + repo.fullName() + "'")
                    : owner || isAdmin(caller, repo) || caller.managesEverything() ? Decision.allow("may administer")
                    : Decision.deny(ErrorCode.FORBIDDEN, "changing '" + repo.fullName() + "' needs the role "
                    + "'admin' in its organisation");
        };
    }

    public void check(HubCaller caller, Operation operation, Repo repo) {
        Decision decision = decide(caller, operation, repo);
        if (!decision.allowed()) {
            throw new IncubatorException(decision.denial().orElseThrow(), decision.reason());
        }
    }

    /** Whether the caller may create repositories in a namespace owned by {@code owner}. */
    public Decision mayCreateIn(HubCaller caller, Repo.Owner owner, String namespace) {
        boolean knows = owner.kind() == Repo.OwnerKind.USER ? caller.userId().map(owner.id()::equals).orElse(false)
                || caller.readsEverything() : caller.organisations().containsKey(owner.id()) || caller.readsEverything();
        if (!knows) {
            return Decision.deny(ErrorCode.NOT_FOUND, "namespace '" + namespace + "' not found");
        }
        if (!caller.mayWrite()) {
            return Decision.deny(ErrorCode.INSUFFICIENT_SCOPE, "this token lacks the 'write' scope needed to create"
                    + " repositories");
        }
        boolean allowed = owner.kind() == Repo.OwnerKind.USER ? caller.userId().map(owner.id()::equals).orElse(false)
                : caller.atLeast(owner.id(), HubCaller.Level.MEMBER) || caller.managesEverything();
        return allowed ? Decision.allow("may create") : Decision.deny(ErrorCode.FORBIDDEN,
                "creating repositories under '" + namespace + "' needs the role 'member' or higher there");
    }

    private static boolean owns(HubCaller caller, Repo repo) {
        return repo.owner().kind() == Repo.OwnerKind.USER && caller.userId().map(repo.owner().id()::equals)
                .orElse(false);
    }

    private static boolean isAdmin(HubCaller caller, Repo repo) {
        return repo.owner().kind() == Repo.OwnerKind.ORGANISATION && caller.atLeast(repo.owner().id(),
                HubCaller.Level.ADMIN);
    }
}
