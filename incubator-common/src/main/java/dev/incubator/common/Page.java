package dev.incubator.common;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** One page of a keyset-paginated list; {@code nextCursor} is empty on the last page. */
public record Page<T>(List<T> items, Optional<String> nextCursor) {
    public Page {
        items = List.copyOf(items);
    }

    /**
     * Builds a page from up to {@code limit + 1} rows fetched in key order: the extra row only proves that
     * another page exists, and the cursor is the key of the last row returned.
     */
    public static <T> Page<T> fromOverfetch(List<T> rows, int limit, Function<T, String> key) {
        if (rows.size() <= limit) {
            return new Page<>(rows, Optional.empty());
        }
        List<T> items = rows.subList(0, limit);
        return new Page<>(items, Optional.of(Cursor.encode(key.apply(items.get(limit - 1)))));
    }

    public <R> Page<R> map(Function<T, R> mapper) {
        return new Page<>(items.stream().map(mapper).toList(), nextCursor);
    }
}
