package dev.incubator.hub.crypto;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** AES-256-GCM with a random 96-bit nonce in front of the ciphertext and its 128-bit tag. */
public final class Aead {
    public static final int NONCE = 12;
    public static final int TAG = 16;
    public static final int OVERHEAD = NONCE + TAG;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Cipher objects are costly to look up and not thread-safe: one per thread, re-initialised per use. */
    private static final ThreadLocal<Cipher> CIPHERS = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks AES/GCM", e);
        }
    });

    private Aead() {
    }

    public static byte[] newKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return key;
    }

    /** Writes nonce, ciphertext and tag into {@code out} from {@code outOffset}; returns the bytes written. */
    public static int seal(byte[] key, byte[] aad, byte[] plain, int offset, int length, byte[] out, int outOffset) {
        byte[] nonce = new byte[NONCE];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = CIPHERS.get();
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG * 8, nonce));
            cipher.updateAAD(aad);
            System.arraycopy(nonce, 0, out, outOffset, NONCE);
            return NONCE + cipher.doFinal(plain, offset, length, out, outOffset + NONCE);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    public static byte[] seal(byte[] key, byte[] aad, byte[] plain) {
        byte[] out = new byte[plain.length + OVERHEAD];
        seal(key, aad, plain, 0, plain.length, out, 0);
        return out;
    }

    /** The plaintext, or {@link GeneralSecurityException} when the key, the associated data or a byte is wrong. */
    public static byte[] open(byte[] key, byte[] aad, byte[] sealed, int offset, int length)
            throws GeneralSecurityException {
        if (length < OVERHEAD) {
            throw new javax.crypto.AEADBadTagException("sealed data shorter than nonce and tag");
        }
        Cipher cipher = CIPHERS.get();
        cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"),
                new GCMParameterSpec(TAG * 8, sealed, offset, NONCE));
        cipher.updateAAD(aad);
        return cipher.doFinal(sealed, offset + NONCE, length - NONCE);
    }
}
