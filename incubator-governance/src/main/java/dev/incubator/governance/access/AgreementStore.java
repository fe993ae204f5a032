package dev.incubator.governance.access;

import dev.incubator.common.audit.AuditLog;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Agreements in the metadata store, with the audit log of the same transaction. */
public interface AgreementStore {
    interface Repositories {
        void insert(Agreement agreement);

        /** Replaces the agreement if its stored version is {@code agreement.version() - 1}. */
        boolean update(Agreement agreement);

        Optional<Agreement> find(String id);

        /** The requester's most recent agreement for a repository (any state). */
        Optional<Agreement> latest(String repoId, String requesterId);

        List<Agreement> forRepository(String repoId);

        List<Agreement> forRequester(String requesterId);

        /** Audited reads of a repository under agreements, newest first. */
        List<dev.incubator.common.audit.AuditEvent> reads(String repoId, int limit);

        /** Records that an upstream repository's owner lets {@code downstream} be published despite its terms. */
        void grantException(String upstreamRepoId, String downstream, String grantedBy, String reason,
                            java.time.Instant at);

        /** The downstream repositories an upstream repository granted exceptions to. */
        java.util.Set<String> exceptionsFrom(String upstreamRepoId);

        AuditLog audit();
    }

    <T> T write(Function<Repositories, T> work);

    <T> T read(Function<Repositories, T> work);
}
