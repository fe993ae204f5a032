package dev.incubator.store;

import static java.util.Objects.requireNonNull;

import dev.incubator.common.audit.AuditLog;
import dev.incubator.compute.port.ComputeStore;
import dev.incubator.compute.port.JobRepository;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;

/** {@link ComputeStore} on the same database and transactions as the tenancy store. */
public final class JdbiComputeStore implements ComputeStore {
    private final Transactions transactions;

    public JdbiComputeStore(Database database) {
        this.transactions = requireNonNull(database, "database is null").transactions();
    }

    @Override
    public <T> T write(Function<Repositories, T> work) {
        return transactions.write(handle -> work.apply(new JdbiRepositories(handle)));
    }

    @Override
    public <T> T read(Function<Repositories, T> work) {
        return transactions.read(handle -> work.apply(new JdbiRepositories(handle)));
    }

    private record JdbiRepositories(Handle handle) implements Repositories {
        @Override
        public JobRepository jobs() {
            return new JdbiJobs(handle);
        }

        @Override
        public dev.incubator.compute.port.UsageRepository usage() {
            return new JdbiUsage(handle);
        }

        @Override
        public AuditLog audit() {
            return new JdbiAuditLog(handle);
        }
    }
}
