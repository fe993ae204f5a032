package dev.incubator.store;

import static java.util.Objects.requireNonNull;

import java.util.function.Function;
import org.jdbi.v3.core.Handle;

/**
 * Base of the stores: units of work over a {@link Database}'s transactions, handing each the repositories
 * bound to its handle.
 *
 * @param <R> the repositories of one unit of work
 */
abstract class JdbiStore<R> {
    private final Transactions transactions;
    private final Function<Handle, R> repositories;

    JdbiStore(Database database, Function<Handle, R> repositories) {
        this.transactions = requireNonNull(database, "database is null").transactions();
        this.repositories = requireNonNull(repositories, "repositories is null");
    }

    public <T> T write(Function<R, T> work) {
        return transactions.write(handle -> work.apply(repositories.apply(handle)));
    }

    public <T> T read(Function<R, T> work) {
        return transactions.read(handle -> work.apply(repositories.apply(handle)));
    }
}
