package dev.incubator.hub.chunk;

import java.io.IOException;

/** Stored bytes failed verification: a tag that does not authenticate, a hash that does not match. */
public final class CorruptDataException extends IOException {
    public CorruptDataException(String message) {
        super(message);
    }

    public CorruptDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
