package dev.incubator.store;

import dev.incubator.common.audit.AuditLog;
import dev.incubator.hub.port.ChunkIndex;
import dev.incubator.hub.port.DataKeyRepository;
import dev.incubator.hub.port.FileRepository;
import dev.incubator.hub.port.HubStore;
import dev.incubator.hub.port.RepoRepository;
import org.jdbi.v3.core.Handle;

/** {@link HubStore} on the same database and transactions as the other stores. */
public final class JdbiHubStore extends JdbiStore<HubStore.Repositories> implements HubStore {
    public JdbiHubStore(Database database) {
        super(database, JdbiRepositories::new);
    }

    private record JdbiRepositories(Handle handle) implements Repositories {
        @Override
        public ChunkIndex chunks() {
            return new JdbiChunkIndex(handle);
        }

        @Override
        public DataKeyRepository keys() {
            return new JdbiHubFiles.Keys(handle);
        }

        @Override
        public FileRepository files() {
            return new JdbiHubFiles(handle);
        }

        @Override
        public RepoRepository repos() {
            return new JdbiRepos(handle);
        }

        @Override
        public dev.incubator.hub.port.XetIndex xet() {
            return new JdbiXetIndex(handle);
        }

        @Override
        public dev.incubator.hub.port.StorageAccounts storage() {
            return new JdbiStorageAccounts(handle);
        }

        @Override
        public AuditLog audit() {
            return new JdbiAuditLog(handle);
        }
    }
}
