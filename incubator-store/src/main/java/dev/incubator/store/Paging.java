package dev.incubator.store;

import dev.incubator.common.IncubatorException;
import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import java.util.List;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.Query;

/** Keyset pagination: {@code WHERE key > :after ORDER BY key LIMIT limit + 1}. */
final class Paging {
    private Paging() {
    }

    /**
     * Runs {@code select} (which ends in a WHERE clause, possibly {@code WHERE 1 = 1}) for one page ordered by
     * {@code keyColumn}; {@code numericKey} when the key is a sequence number.
     */
    static <T> Page<T> page(Handle handle, String select, String keyColumn, boolean numericKey, PageRequest page,
                            Function<Query, Query> binder, RowMapper<T> mapper, Function<T, String> key) {
        return page(handle, select, keyColumn, numericKey, false, page, binder, mapper, key);
    }

    /** Keyset pages in ascending key order, or descending ({@code newestFirst}) with the cursor continuing below. */
    static <T> Page<T> page(Handle handle, String select, String keyColumn, boolean numericKey, boolean newestFirst,
                            PageRequest page, Function<Query, Query> binder, RowMapper<T> mapper,
                            Function<T, String> key) {
        StringBuilder sql = new StringBuilder(select);
        if (page.after().isPresent()) {
            sql.append(" AND ").append(keyColumn).append(newestFirst ? " < :after" : " > :after");
        }
        sql.append(" ORDER BY ").append(keyColumn).append(newestFirst ? " DESC" : "").append(" LIMIT :limit");
        Query query = binder.apply(handle.createQuery(sql.toString())).bind("limit", page.limit() + 1);
        if (page.after().isPresent()) {
            if (numericKey) {
                query.bind("after", parseSequence(page.after().get()));
            } else {
                query.bind("after", page.after().get());
            }
        }
        List<T> rows = query.map(mapper).list();
        return Page.fromOverfetch(rows, page.limit(), key);
    }

    /** As {@link #page} on a text key, newest (largest key) first: the cursor continues below it. */
    static <T> Page<T> pageDescending(Handle handle, String select, String keyColumn, PageRequest page,
                                      Function<Query, Query> binder, RowMapper<T> mapper, Function<T, String> key) {
        return page(handle, select, keyColumn, false, true, page, binder, mapper, key);
    }

    private static long parseSequence(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw IncubatorException.validation("cursor", "does not belong to this list; start again without a cursor");
        }
    }
}
