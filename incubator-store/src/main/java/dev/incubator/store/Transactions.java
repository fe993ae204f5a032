package dev.incubator.store;

import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Opens JDBI handles and transactions; a call made while another is open on the same thread joins it, so
 * work composed of several services (and the HTTP layer's idempotency record) commits as one.
 */
public final class Transactions {
    private final Jdbi jdbi;
    private final ThreadLocal<Handle> current = new ThreadLocal<>();

    Transactions(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public <T> T write(Function<Handle, T> work) {
        Handle open = current.get();
        if (open != null) {
            if (!open.isInTransaction()) {
                throw new IllegalStateException("a write can not join a read-only unit of work");
            }
            return work.apply(open);
        }
        return jdbi.inTransaction(handle -> bound(handle, work));
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
