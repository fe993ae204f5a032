package dev.incubator.compute.port;

import dev.incubator.common.audit.AuditLog;
import java.util.function.Function;

/**
 * Transaction boundary of the compute repositories: {@link #write} MUST commit everything inside it, audit
 * events included, atomically and durably; a nested call on the same thread joins the open transaction.
 */
public interface ComputeStore {
    interface Repositories {
        JobRepository jobs();

        UsageRepository usage();

        AuditLog audit();
    }

    <T> T write(Function<Repositories, T> work);

    <T> T read(Function<Repositories, T> work);
}
