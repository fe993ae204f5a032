package dev.incubator.store;

import dev.incubator.common.audit.AuditLog;
import dev.incubator.compute.port.ComputeStore;
import dev.incubator.compute.port.JobRepository;
import dev.incubator.compute.port.UsageRepository;
import org.jdbi.v3.core.Handle;

/** {@link ComputeStore} on the same database and transactions as the tenancy store. */
public final class JdbiComputeStore extends JdbiStore<ComputeStore.Repositories> implements ComputeStore {
    public JdbiComputeStore(Database database) {
        super(database, JdbiRepositories::new);
    }

    private record JdbiRepositories(Handle handle) implements Repositories {
        @Override
        public JobRepository jobs() {
            return new JdbiJobs(handle);
        }

        @Override
        public UsageRepository usage() {
            return new JdbiUsage(handle);
        }

        @Override
        public AuditLog audit() {
            return new JdbiAuditLog(handle);
        }
    }
}
