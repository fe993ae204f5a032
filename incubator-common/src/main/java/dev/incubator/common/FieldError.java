package dev.incubator.common;

import static java.util.Objects.requireNonNull;

/** One invalid input field: a JSON-pointer-like path and what is wrong with it, phrased as how to fix it. */
public record FieldError(String field, String message) {
    public FieldError {
        requireNonNull(field, "field is null");
        requireNonNull(message, "message is null");
    }
}
