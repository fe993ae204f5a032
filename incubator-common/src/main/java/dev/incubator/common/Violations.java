package dev.incubator.common;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects every invalid field before failing, so a client learns all of its mistakes in one answer.
 */
public final class Violations {
    private final List<FieldError> errors = new ArrayList<>();

    public Violations add(String field, String message) {
        errors.add(new FieldError(field, message));
        return this;
    }

    /** Records {@code message} for {@code field} when {@code valid} is false. */
    public Violations check(boolean valid, String field, String message) {
        if (!valid) {
            add(field, message);
        }
        return this;
    }

    public boolean isEmpty() {
        return errors.isEmpty();
    }

    public List<FieldError> errors() {
        return List.copyOf(errors);
    }

    /** Throws {@link ErrorCode#VALIDATION_FAILED} listing every collected error, if there is any. */
    public void throwIfAny() {
        if (errors.isEmpty()) {
            return;
        }
        String summary = errors.size() == 1
                ? errors.get(0).field() + ": " + errors.get(0).message()
                : errors.size() + " fields are invalid; see 'errors'";
        throw new IncubatorException(ErrorCode.VALIDATION_FAILED, summary, errors, null);
    }
}
