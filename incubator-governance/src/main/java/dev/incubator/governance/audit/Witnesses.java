package dev.incubator.governance.audit;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.RequestMeta;
import dev.incubator.common.Violations;
import dev.incubator.common.audit.AuditEvent;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Outside witnesses of the audit log. A witness keeps the last head it cosigned; before it cosigns a newer one it
 * checks the log's signature and a consistency proof from its last head, so a log that rewrote its history can not
 * collect a cosignature for it. The log keeps the cosignatures and serves them with its heads: a reader who trusts a
 * witness need not trust the operator's key alone.
 */
public final class Witnesses {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{0,62}");

    private final AuditTreeStore store;
    private final Clock clock;

    public Witnesses(AuditTreeStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** Registers a witness (operators), audited. */
    public AuditTreeStore.Witness register(String name, String publicKey, String actor, RequestMeta meta) {
        Violations violations = new Violations();
        violations.check(name != null && NAME.matcher(name).matches(), "name",
                "must be 1-63 lower-case letters, digits, '.' or '-', e.g. 'witness.example.org'");
        violations.check(publicKey != null && parse(publicKey).isPresent(), "public_key", "must be an Ed25519 public key"
                + " as base64 X.509 SubjectPublicKeyInfo, as 'incubator audit witness --print-key' shows it");
        violations.throwIfAny();
        AuditTreeStore.Witness witness = new AuditTreeStore.Witness(name, publicKey.strip(), actor, clock.instant());
        AuditEvent event = new AuditEvent(0, clock.instant(), actor, "audit.witness.add", "witness", name,
                Optional.empty(), meta.requestId(), AuditEvent.Outcome.SUCCESS, meta.sourceAddress(),
                Map.of("public_key", witness.publicKey()));
        if (!store.addWitness(witness, event)) {
            throw new IncubatorException(ErrorCode.ALREADY_EXISTS, "witness '" + name + "' is already registered");
        }
        return witness;
    }

    public List<AuditTreeStore.Witness> list() {
        return store.witnesses();
    }

    /**
     * Accepts a witness's cosignature of a signed head: the witness must be registered, the head must be one the log
     * signed, and the signature must verify with the witness's key over the head's signed bytes.
     */
    public AuditTreeStore.Cosignature cosign(String witnessName, long treeSize, String signatureBase64) {
        AuditTreeStore.Witness witness = store.witness(witnessName == null ? "" : witnessName).orElseThrow(() ->
                IncubatorException.notFound("witness", String.valueOf(witnessName)));
        TreeHead head = store.head(treeSize).orElseThrow(() -> IncubatorException.notFound("signed tree head of "
                + "size", Long.toString(treeSize)));
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(signatureBase64 == null ? "" : signatureBase64.strip());
        } catch (IllegalArgumentException e) {
            throw IncubatorException.validation("signature", "must be base64");
        }
        PublicKey key = parse(witness.publicKey()).orElseThrow();
        if (!HeadSigner.verify(key, new TreeHead(head.treeSize(), head.rootHash(), head.timestamp(), signature))) {
            throw new IncubatorException(ErrorCode.FORBIDDEN, "the cosignature does not verify with the key of witness '"
                    + witness.name() + "' over the signed head of size " + treeSize);
        }
        AuditTreeStore.Cosignature cosignature = new AuditTreeStore.Cosignature(witness.name(), treeSize, signature,
                clock.instant());
        store.addCosignature(cosignature);
        return store.cosignatures(treeSize).stream().filter(found -> found.witness().equals(witness.name()))
                .findFirst().orElse(cosignature);
    }

    public List<AuditTreeStore.Cosignature> cosignatures(long treeSize) {
        return store.cosignatures(treeSize);
    }

    public List<AuditTreeStore.Cosignature> latest() {
        return store.latestCosignatures();
    }

    private static Optional<PublicKey> parse(String base64) {
        try {
            PublicKey key = HeadSigner.publicKey(base64.strip());
            return "Ed25519".equals(key.getAlgorithm()) || "EdDSA".equals(key.getAlgorithm()) ? Optional.of(key)
                    : Optional.empty();
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
