package dev.incubator.hub.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Optional;

/**
 * A 256-bit master key held by the server process: from {@code INCUBATOR_HUB_MASTER_KEY} (base64) when set,
 * else from a file that is created (mode 0600) with a random key on first start. It wraps data keys with AES-GCM,
 * the domain name as associated data.
 */
public final class LocalMasterKey implements KeyWrapper {
    private final byte[] key;
    private final String keyId;

    public LocalMasterKey(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("the master key must be 32 bytes (256 bits), not " + key.length);
        }
        this.key = key.clone();
        this.keyId = "local:" + dev.incubator.hub.chunk.Hashes.sha256(
                ("incubator-master-key-id|" + Base64.getEncoder().encodeToString(key)).getBytes(StandardCharsets.UTF_8))
                .substring(0, 16);
    }

    /** The key from the environment value when given, else from the file, created when absent. */
    public static LocalMasterKey load(Optional<String> environment, Path file) throws IOException {
        if (environment.isPresent() && !environment.get().isBlank()) {
            return new LocalMasterKey(decode(environment.get().trim(), "INCUBATOR_HUB_MASTER_KEY"));
        }
        String stored = dev.incubator.common.io.SecretFiles.readOrCreate(file, () ->
                Base64.getEncoder().encodeToString(Aead.newKey()) + "\n");
        return new LocalMasterKey(decode(stored.trim(), file.toString()));
    }

    private static byte[] decode(String value, String source) {
        try {
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the master key in " + source + " is not base64 (32 random bytes, e.g."
                    + " from 'head -c 32 /dev/urandom | base64')", e);
        }
    }

    @Override
    public String keyId() {
        return keyId;
    }

    @Override
    public byte[] wrap(String domain, byte[] dataKey) {
        return Aead.seal(key, aad(domain), dataKey);
    }

    @Override
    public byte[] unwrap(String domain, byte[] wrapped) {
        try {
            return Aead.open(key, aad(domain), wrapped, 0, wrapped.length);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the data key of domain '" + domain + "' does not open with master key "
                    + keyId + ": wrong master key, or the wrapped key was altered", e);
        }
    }

    private static byte[] aad(String domain) {
        return ("incubator-data-key|" + domain).getBytes(StandardCharsets.UTF_8);
    }
}
