package dev.incubator.common;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Opaque pagination cursors: the last key seen, base64url-encoded with a version tag. */
public final class Cursor {
    private static final String VERSION = "v1:";

    private Cursor() {
    }

    public static String encode(String lastKey) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((VERSION + lastKey).getBytes(StandardCharsets.UTF_8));
    }

    /** Decodes a cursor from a client, failing with a validation error that says how to get a good one. */
    public static String decode(String cursor) {
        try {
            String decoded = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (decoded.startsWith(VERSION) && decoded.length() > VERSION.length()) {
                return decoded.substring(VERSION.length());
            }
        } catch (IllegalArgumentException ignored) {
            // fall through to the validation error
        }
        throw IncubatorException.validation("cursor",
                "is not a cursor this server issued; pass the 'next_cursor' of the previous page unchanged");
    }
}
