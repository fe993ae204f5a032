package dev.incubator.store;

import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Opens JDBI handles and transactions; a call made while another is open on the same thread joins it, so
 * work composed of several services (and the HTTP layer's idempotency record) commits as one.
 *
 * <p>With SQLite, which admits one writer at a time, writers of this process queue on a fair lock instead of
 * polling SQLite's busy handler, whose growing sleeps would add tens of milliseconds under contention.
 */
public final class Transactions {
    private final Jdbi jdbi;
    private final ThreadLocal<Handle> current = new ThreadLocal<>();
    private final java.util.Optional<java.util.concurrent.locks.Lock> writerLock;

    Transactions(Jdbi jdbi, boolean singleWriter) {
        this.jdbi = jdbi;
        this.writerLock = singleWriter ? java.util.Optional.of(new java.util.concurrent.locks.ReentrantLock(true))
                : java.util.Optional.empty();
    }

    public <T> T write(Function<Handle, T> work) {
        Handle open = current.get();
        if (open != null) {
            if (!open.isInTransaction()) {
                throw new IllegalStateException("a write can not join a read-only unit of work");
            }
            return work.apply(open);
        }
        if (writerLock.isEmpty()) {
            return jdbi.inTransaction(handle -> bound(handle, work));
        }
        writerLock.get().lock();
        try {
            return jdbi.inTransaction(handle -> bound(handle, work));
        } finally {
            writerLock.get().unlock();
        }
    }

    public <T> T read(Function<Handle, T> work) {
        Handle open = current.get();
        if (open != null) {
            return work.apply(open);
        }
        return jdbi.withHandle(handle -> bound(handle, work));
    }

    private <T> T bound(Handle handle, Function<Handle, T> work) {
        current.set(handle);
        try {
            return work.apply(handle);
        } finally {
            current.remove();
        }
    }
}
