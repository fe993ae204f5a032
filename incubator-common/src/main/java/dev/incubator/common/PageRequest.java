package dev.incubator.common;

import java.util.Optional;

/** A request for one page: at most {@code limit} items after the key in {@code after} (decoded cursor). */
public record PageRequest(int limit, Optional<String> after) {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;

    public PageRequest {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw IncubatorException.validation("limit", "must be between 1 and " + MAX_LIMIT);
        }
    }

    public static PageRequest first(int limit) {
        return new PageRequest(limit, Optional.empty());
    }

    public static PageRequest all() {
        return new PageRequest(MAX_LIMIT, Optional.empty());
    }

    /** Parses the {@code limit} and {@code cursor} query parameters; null means absent. */
    public static PageRequest parse(String limit, String cursor) {
        Violations violations = new Violations();
        int parsedLimit = DEFAULT_LIMIT;
        if (limit != null) {
            try {
                parsedLimit = Integer.parseInt(limit);
                violations.check(parsedLimit >= 1 && parsedLimit <= MAX_LIMIT, "limit",
                        "must be between 1 and " + MAX_LIMIT);
            } catch (NumberFormatException e) {
                violations.add("limit", "must be an integer between 1 and " + MAX_LIMIT);
            }
        }
        Optional<String> after = Optional.empty();
        if (cursor != null && !cursor.isEmpty()) {
            try {
                after = Optional.of(Cursor.decode(cursor));
            } catch (IncubatorException e) {
                violations.add("cursor", e.fieldErrors().get(0).message());
            }
        }
        violations.throwIfAny();
        return new PageRequest(parsedLimit, after);
    }
}
