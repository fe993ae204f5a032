package dev.incubator.hub.port;

import dev.incubator.common.audit.AuditLog;
import java.util.function.Function;

/**
 * Transaction boundary of the hub's metadata: {@link #write} commits everything inside it atomically and durably;
 * a nested call on the same thread joins the open transaction.
 */
public interface HubStore {
    interface Repositories {
        ChunkIndex chunks();

        DataKeyRepository keys();

        FileRepository files();

        RepoRepository repos();

        XetIndex xet();

        StorageAccounts storage();

        AuditLog audit();
    }

    <T> T write(Function<Repositories, T> work);

    <T> T read(Function<Repositories, T> work);
}
