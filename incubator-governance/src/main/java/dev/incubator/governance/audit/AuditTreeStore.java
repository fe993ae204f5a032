package dev.incubator.governance.audit;

import dev.incubator.common.audit.AuditEvent;
import java.util.List;
import java.util.Optional;

/** Where the audit tree lives: which events are leaves, the tiles, and the signed heads. */
public interface AuditTreeStore {
    /** The number of leaves integrated so far and the sequence number of the last one (0 when empty). */
    record State(long size, long lastSequence) {
    }

    State state();

    /** Events appended after {@code sequence}, in sequence order. */
    List<AuditEvent> eventsAfter(long sequence, int limit);

    /** Records events as leaves {@code firstIndex...}, the changed tiles and the new head, in one transaction. */
    void integrate(long firstIndex, List<AuditEvent> leaves, List<TreeBuilder.Tile> tiles, TreeHead head);

    java.util.Optional<byte[]> tile(int level, long index);

    Optional<TreeHead> latestHead();

    Optional<TreeHead> head(long treeSize);

    /** Heads of increasing size, at most {@code limit}, starting after {@code afterSize}. */
    List<TreeHead> heads(long afterSize, int limit);

    /** A leaf: its position and the event stored there (empty when the event row is gone). */
    record Leaf(long index, Optional<AuditEvent> event) {
    }

    /** The leaves at positions [from, to). */
    List<Leaf> leaves(long from, long to);

    /** The leaf position of an event, if it was integrated. */
    Optional<Long> leafIndexOf(long sequence);

    /** An outside witness: its name and Ed25519 public key (X.509 SubjectPublicKeyInfo, base64). */
    record Witness(String name, String publicKey, String addedBy, java.time.Instant addedAt) {
    }

    /** A witness's Ed25519 signature over the same bytes the log signed for a tree head. */
    record Cosignature(String witness, long treeSize, byte[] signature, java.time.Instant cosignedAt) {
    }

    /** Registers a witness and records {@code audit} in the same transaction; false if the name is taken. */
    boolean addWitness(Witness witness, AuditEvent audit);

    Optional<Witness> witness(String name);

    List<Witness> witnesses();

    /** Stores a cosignature; false when the witness already cosigned that head. */
    boolean addCosignature(Cosignature cosignature);

    List<Cosignature> cosignatures(long treeSize);

    /** Each witness's cosignature of the largest head it cosigned. */
    List<Cosignature> latestCosignatures();
}
