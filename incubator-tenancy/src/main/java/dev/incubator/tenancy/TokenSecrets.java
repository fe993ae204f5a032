package dev.incubator.tenancy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * API token secrets: 256 random bits, shown to the user once, stored only as a SHA-256 hash. A slow
 * password hash is unnecessary because the secret has full entropy; a fast hash keeps lookups cheap.
 */
public final class TokenSecrets {
    public static final String PREFIX = "inc_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private TokenSecrets() {
    }

    public static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** True when the string has the shape of a token secret; lets obviously bad tokens fail fast. */
    public static boolean looksValid(String secret) {
        return secret != null && secret.startsWith(PREFIX) && secret.length() == PREFIX.length() + 43
                && secret.substring(PREFIX.length()).chars().allMatch(c ->
                        Character.isLetterOrDigit(c) || c == '-' || c == '_');
    }

    public static String hash(String secret) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
