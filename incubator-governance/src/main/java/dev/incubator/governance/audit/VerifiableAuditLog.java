package dev.incubator.governance.audit;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.audit.AuditEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log as an RFC 6962 Merkle tree. Events are appended durably by the services (in the transaction of the
 * change they describe); this integrator then makes them leaves in sequence order, a batch at a time, stores the
 * changed tiles and a signed tree head in one transaction. A gap in sequence numbers (a rolled-back transaction
 * with PostgreSQL, or one still committing) is waited for {@code gapPatience} before it is passed over.
 */
public final class VerifiableAuditLog {
    private static final Logger LOG = LoggerFactory.getLogger(VerifiableAuditLog.class);
    private static final int BATCH = 10_000;

    private final AuditTreeStore store;
    private final HeadSigner signer;
    private final Clock clock;
    private final Duration gapPatience;
    private final Tiles tiles;
    private long gapSeenSequence = -1;
    private long gapSeenAt;

    public VerifiableAuditLog(AuditTreeStore store, HeadSigner signer, Clock clock, Duration gapPatience) {
        this.store = store;
        this.signer = signer;
        this.clock = clock;
        this.gapPatience = gapPatience;
        this.tiles = new Tiles(store::tile, 4_096);
    }

    public HeadSigner signer() {
        return signer;
    }

    /** Integrates every event appended so far (respecting gaps); returns the latest head. */
    public synchronized TreeHead integrate() {
        while (integrateBatch()) {
            // next batch
        }
        return store.latestHead().orElseGet(() -> {
            TreeHead empty = signer.sign(0, Merkle.emptyRoot(), now());
            store.integrate(0, List.of(), List.of(), empty);
            return empty;
        });
    }

    private boolean integrateBatch() {
        AuditTreeStore.State state = store.state();
        List<AuditEvent> candidates = store.eventsAfter(state.lastSequence(), BATCH);
        if (candidates.isEmpty()) {
            return false;
        }
        List<AuditEvent> accepted = new ArrayList<>();
        long last = state.lastSequence();
        for (AuditEvent event : candidates) {
            if (event.sequence() != last + 1 && !gapExpired(last + 1)) {
                break;
            }
            accepted.add(event);
            last = event.sequence();
        }
        if (accepted.isEmpty()) {
            return false;
        }
        TreeBuilder builder = new TreeBuilder(state.size(), store::tile);
        for (AuditEvent event : accepted) {
            builder.append(AuditEntries.leafHash(event));
        }
        List<TreeBuilder.Tile> changed = builder.drainChanged();
        Map<Long, byte[]> pending = new java.util.HashMap<>();
        for (TreeBuilder.Tile tile : changed) {
            pending.put(((long) tile.level() << 56) | tile.index(), tile.hashes());
        }
        Merkle.NodeSource source = new Tiles(
                (level, index) -> java.util.Optional.ofNullable(pending.get(((long) level << 56) | index))
                        .or(() -> store.tile(level, index)), 64);
        byte[] root = Merkle.root(source, builder.size());
        TreeHead head = signer.sign(builder.size(), root, now());
        store.integrate(state.size(), accepted, changed, head);
        for (TreeBuilder.Tile tile : changed) {
            tiles.invalidate(tile.level(), tile.index());
        }
        return accepted.size() == candidates.size() && candidates.size() == BATCH;
    }

    /** Heads are stored with millisecond timestamps: sign exactly what is stored. */
    private java.time.Instant now() {
        return clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    }

    /** True once the gap at {@code missing} has been seen for longer than the patience. */
    private boolean gapExpired(long missing) {
        long now = System.nanoTime();
        if (gapSeenSequence != missing) {
            gapSeenSequence = missing;
            gapSeenAt = now;
            return false;
        }
        boolean expired = now - gapSeenAt >= gapPatience.toNanos();
        if (expired) {
            LOG.warn("audit sequence {} never committed (rolled back); passing over it", missing);
        }
        return expired;
    }

    public TreeHead head() {
        return integrate();
    }

    public java.util.Optional<TreeHead> head(long size) {
        return store.head(size);
    }

    public List<TreeHead> heads(long afterSize, int limit) {
        return store.heads(afterSize, limit);
    }

    /** An event, its leaf index, and its audit path in the tree of {@code treeSize} leaves. */
    public record Inclusion(AuditEvent event, long leafIndex, long treeSize, List<byte[]> path) {
    }

    public Inclusion inclusion(long sequence, long treeSize) {
        long index = store.leafIndexOf(sequence).orElseThrow(() -> new IncubatorException(ErrorCode.NOT_FOUND,
                "audit event " + sequence + " is not in the tree yet (it is integrated within seconds)"));
        requireHead(treeSize);
        if (index >= treeSize) {
            throw IncubatorException.validation("tree_size", "event " + sequence + " is leaf " + index
                    + ", outside a tree of " + treeSize);
        }
        AuditEvent event = store.leaves(index, index + 1).get(0).event().orElseThrow(() -> new IncubatorException(
                ErrorCode.DATA_CORRUPT, "audit event " + sequence + " (leaf " + index + ") is missing from the store"));
        return new Inclusion(event, index, treeSize, Merkle.inclusionProof(tiles, index, treeSize));
    }

    public List<byte[]> consistency(long first, long second) {
        requireHead(first);
        requireHead(second);
        if (first == 0 || first > second) {
            throw IncubatorException.validation("first", "must be between 1 and second (" + second + ")");
        }
        return Merkle.consistencyProof(tiles, first, second);
    }

    /** The entries [from, to) with their proofs against the head of {@code treeSize} leaves. */
    public record Export(TreeHead head, String publicKey, List<Inclusion> entries) {
    }

    public Export export(long from, long to, long treeSize) {
        TreeHead head = requireHead(treeSize);
        if (from < 0 || to > treeSize || from > to) {
            throw IncubatorException.validation("from", "the range [" + from + ", " + to + ") must lie within the "
                    + treeSize + " leaves of the head");
        }
        if (to - from > 100_000) {
            throw IncubatorException.validation("to", "export at most 100000 entries at a time");
        }
        List<Inclusion> entries = new ArrayList<>();
        for (AuditTreeStore.Leaf leaf : store.leaves(from, to)) {
            // A leaf whose event row is gone is left out: the verifier names the missing index.
            leaf.event().ifPresent(event -> entries.add(new Inclusion(event, leaf.index(), treeSize,
                    Merkle.inclusionProof(tiles, leaf.index(), treeSize))));
        }
        return new Export(head, signer.publicKeyBase64(), entries);
    }

    private TreeHead requireHead(long size) {
        return store.head(size).orElseThrow(() -> IncubatorException.validation("tree_size", "no signed head of "
                + size + " leaves; use a size from /api/v1/audit/heads"));
    }

}
