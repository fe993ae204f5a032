package dev.incubator.governance.audit;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;

/**
 * Signs tree heads with Ed25519. The key pair lives in one file under the data directory (PKCS#8 private key and
 * X.509 public key, base64, mode 0600), created on first start; the public key is served so that anyone can check
 * heads and exports offline.
 */
public final class HeadSigner {
    private final PrivateKey privateKey;
    private final PublicKey publicKey;

    private HeadSigner(PrivateKey privateKey, PublicKey publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
    }

    public static HeadSigner loadOrCreate(Path file) throws IOException {
        try {
            String stored = dev.incubator.common.io.SecretFiles.readOrCreate(file, () -> {
                try {
                    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
                    return Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()) + "\n"
                            + Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()) + "\n";
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("the JDK lacks Ed25519", e);
                }
            });
            String[] lines = stored.strip().split("\n");
            KeyFactory factory = KeyFactory.getInstance("Ed25519");
            return new HeadSigner(factory.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(lines[0]))),
                    publicKey(lines[1]));
        } catch (GeneralSecurityException | IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            throw new IOException("the audit signing key in " + file + " is unreadable: " + e.getMessage(), e);
        }
    }

    public static PublicKey publicKey(String base64) throws GeneralSecurityException {
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(Base64.getDecoder()
                .decode(base64.strip())));
    }

    /** The public key as base64 of its X.509 SubjectPublicKeyInfo. */
    public String publicKeyBase64() {
        return Base64.getEncoder().encodeToString(publicKey.getEncoded());
    }

    public TreeHead sign(long treeSize, byte[] root, Instant timestamp) {
        try {
            Signature signature = Signature.getInstance("Ed25519");
            signature.initSign(privateKey);
            signature.update(TreeHead.signedBytes(treeSize, root, timestamp));
            return new TreeHead(treeSize, root, timestamp, signature.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    public static boolean verify(PublicKey key, TreeHead head) {
        try {
            Signature signature = Signature.getInstance("Ed25519");
            signature.initVerify(key);
            signature.update(head.signedBytes());
            return signature.verify(head.signature());
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
