package dev.incubator.notify.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs webhook payloads as the Standard Webhooks specification does (standardwebhooks.com): headers
 * {@code webhook-id}, {@code webhook-timestamp} (Unix seconds) and {@code webhook-signature} =
 * {@code v1,} + base64(HMAC-SHA256(secret, id + "." + timestamp + "." + body)), the secret written as
 * {@code whsec_} + base64 of its bytes. Receivers verify with any Standard Webhooks library or a few lines of HMAC.
 */
public final class WebhookSigner {
    public static final String PREFIX = "whsec_";
    private final byte[] key;

    private WebhookSigner(byte[] key) {
        this.key = key.clone();
    }

    /** A signer from a {@code whsec_...} secret (the prefix is optional). */
    public static WebhookSigner of(String secret) {
        String encoded = secret.strip().startsWith(PREFIX) ? secret.strip().substring(PREFIX.length()) : secret.strip();
        byte[] key;
        try {
            key = Base64.getDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a webhook secret is whsec_ followed by base64, e.g. " + PREFIX
                    + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        }
        if (key.length < 16 || key.length > 64) {
            throw new IllegalArgumentException("a webhook secret holds 16 to 64 bytes, not " + key.length);
        }
        return new WebhookSigner(key);
    }

    /** A new random secret of 24 bytes, as {@code whsec_...}. */
    public static String newSecret() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return PREFIX + Base64.getEncoder().encodeToString(bytes);
    }

    public String signature(String id, long timestampSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((id + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    /** The three headers of one delivery. */
    public Map<String, String> headers(String id, long timestampSeconds, byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("webhook-id", id);
        headers.put("webhook-timestamp", Long.toString(timestampSeconds));
        headers.put("webhook-signature", signature(id, timestampSeconds, body));
        return headers;
    }

    /** Whether {@code signatures} (space-separated, as the header may carry several) holds a valid one. */
    public boolean verify(String id, long timestampSeconds, byte[] body, String signatures) {
        byte[] expected = signature(id, timestampSeconds, body).getBytes(StandardCharsets.UTF_8);
        for (String candidate : signatures.split(" ")) {
            if (MessageDigest.isEqual(expected, candidate.getBytes(StandardCharsets.UTF_8))) {
                return true;
            }
        }
        return false;
    }
}
