package dev.incubator.governance.audit;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Appends leaf hashes to a tiled tree: keeps the partial tile of every level (the tree's right edge), and when a
 * tile fills, carries its root up as the next node of the level above. Returns the tiles each batch changed.
 */
public final class TreeBuilder {
    /** A tile to store: its level, index and hashes. */
    public record Tile(int level, long index, byte[] hashes) {
    }

    private long size;
    private final List<ByteArrayOutputStream> edge = new ArrayList<>();
    private final Map<Long, Tile> changed = new LinkedHashMap<>();

    /** Resumes a tree of {@code size} leaves whose partial tiles are given per level (lowest first). */
    public TreeBuilder(long size, Tiles.Source tiles) {
        this.size = size;
        long count = size;
        for (int level = 0; count > 0; level++) {
            ByteArrayOutputStream partial = new ByteArrayOutputStream();
            long inTile = count % Tiles.WIDTH;
            if (inTile > 0) {
                byte[] stored = tiles.tile(level, count / Tiles.WIDTH).orElseThrow(() -> new IllegalStateException(
                        "a partial tile of the audit tree is missing"));
                partial.write(stored, 0, (int) inTile * Merkle.HASH);
            }
            edge.add(partial);
            count /= Tiles.WIDTH;
        }
    }

    public long size() {
        return size;
    }

    public void append(byte[] leafHash) {
        byte[] carry = leafHash;
        long position = size;
        for (int level = 0; ; level++) {
            if (edge.size() <= level) {
                edge.add(new ByteArrayOutputStream());
            }
            ByteArrayOutputStream partial = edge.get(level);
            partial.write(carry, 0, Merkle.HASH);
            long tileIndex = position / Tiles.WIDTH;
            byte[] hashes = partial.toByteArray();
            changed.put(((long) level << 56) | tileIndex, new Tile(level, tileIndex, hashes));
            if (hashes.length < Tiles.WIDTH * Merkle.HASH) {
                break;
            }
            carry = Tiles.tileRoot(hashes);
            partial.reset();
            position = tileIndex;
        }
        size++;
    }

    /** The tiles changed since the last call, and forgets them. */
    public List<Tile> drainChanged() {
        List<Tile> tiles = new ArrayList<>(changed.values());
        changed.clear();
        return tiles;
    }

    /** The current partial tiles, as a source for proofs before they are stored. */
    public Map<Long, byte[]> partials() {
        Map<Long, byte[]> partials = new LinkedHashMap<>();
        long count = size;
        for (int level = 0; level < edge.size(); level++) {
            partials.put(((long) level << 56) | (count / Tiles.WIDTH), edge.get(level).toByteArray());
            count /= Tiles.WIDTH;
        }
        return partials;
    }
}
