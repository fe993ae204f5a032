package dev.incubator.hub.crypto;

/**
 * Wraps and unwraps the data keys of encryption domains with a key the chunk store never holds in its data:
 * a master key from a file or the environment today, a KMS tomorrow. The domain is bound to the wrapped key, so
 * one domain's wrapped key can not be passed off as another's.
 */
public interface KeyWrapper {
    /** Names the wrapping key, recorded with each wrapped key so a rotation knows what to rewrap. */
    String keyId();

    byte[] wrap(String domain, byte[] dataKey);

    /** The data key; throws {@link java.security.GeneralSecurityException} wrapped in IllegalStateException if
     *  the wrapped key was not made by this wrapper for this domain. */
    byte[] unwrap(String domain, byte[] wrapped);
}
