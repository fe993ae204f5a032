package dev.incubator.tenancy.port;

import java.util.function.Function;

/**
 * Transaction boundary of the tenancy repositories.
 *
 * <p>{@link #write} MUST run the work in one transaction: every repository call inside it, audit appends
 * included, commits together or not at all, and MUST NOT return before the commit is durable. A
 * {@code write} or {@code read} called while another is open on the same thread joins it.
 */
public interface TenancyStore {
    <T> T write(Function<TenancyRepositories, T> work);

    <T> T read(Function<TenancyRepositories, T> work);
}
