package dev.incubator.common;

import java.security.SecureRandom;
import java.time.Clock;

/**
 * Generates identifiers of the form {@code prefix_} + 10 characters of millisecond time + 16 random
 * characters, all in lower-case Crockford base32. Identifiers of one prefix sort by creation time,
 * which keyset pagination relies on, and carry 80 random bits so they cannot be guessed.
 */
public final class Ids {
    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {
    }

    public static String next(String prefix, Clock clock) {
        StringBuilder id = new StringBuilder(prefix.length() + 27).append(prefix).append('_');
        long millis = clock.millis();
        for (int shift = 45; shift >= 0; shift -= 5) {
            id.append(ALPHABET[(int) (millis >>> shift) & 31]);
        }
        byte[] random = new byte[10];
        RANDOM.nextBytes(random);
        long high = 0;
        long low = 0;
        for (int i = 0; i < 5; i++) {
            high = (high << 8) | (random[i] & 0xff);
            low = (low << 8) | (random[i + 5] & 0xff);
        }
        for (int shift = 35; shift >= 0; shift -= 5) {
            id.append(ALPHABET[(int) (high >>> shift) & 31]);
        }
        for (int shift = 35; shift >= 0; shift -= 5) {
            id.append(ALPHABET[(int) (low >>> shift) & 31]);
        }
        return id.toString();
    }

    /** True when {@code value} looks like an identifier minted by {@link #next} with {@code prefix}. */
    public static boolean isValid(String prefix, String value) {
        if (value == null || value.length() != prefix.length() + 27 || !value.startsWith(prefix + "_")) {
            return false;
        }
        for (int i = prefix.length() + 1; i < value.length(); i++) {
            if (new String(ALPHABET).indexOf(value.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }
}
