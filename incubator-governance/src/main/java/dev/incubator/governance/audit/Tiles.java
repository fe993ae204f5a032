package dev.incubator.governance.audit;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Node hashes stored as tiles of height 8: tile (t, i) holds the hashes of level 8t with indices [256i, 256i + 256)
 * (level 0: leaf hashes). Any complete subtree hash is at most 127 hash operations away from one tile, so a proof in
 * a log of ten million entries reads three or four tiles. Recently used tiles are cached.
 */
public final class Tiles implements Merkle.NodeSource {
    public static final int HEIGHT = 8;
    public static final int WIDTH = 1 << HEIGHT;

    /** Where tiles are kept; a partial tile holds fewer than 256 hashes. */
    @FunctionalInterface
    public interface Source {
        Optional<byte[]> tile(int level, long index);
    }

    private final Source source;
    private final Map<Long, byte[]> cache;

    public Tiles(Source source, int cachedTiles) {
        this.source = source;
        this.cache = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
                return size() > cachedTiles;
            }
        };
    }

    /** Forgets cached tiles (after the tree grew: partial tiles changed). */
    public synchronized void invalidate(int level, long index) {
        cache.remove(key(level, index));
    }

    public synchronized void invalidateAll() {
        cache.clear();
    }

    @Override
    public byte[] node(int level, long index) {
        int tileLevel = level / HEIGHT;
        int rise = level % HEIGHT;
        long first = index << rise;
        long tileIndex = first / WIDTH;
        byte[] tile = tile(tileLevel, tileIndex);
        int offset = (int) (first % WIDTH);
        int count = 1 << rise;
        if ((offset + count) * Merkle.HASH > tile.length) {
            throw new IllegalStateException("node (" + level + ", " + index + ") is not complete in tile (" + tileLevel
                    + ", " + tileIndex + ")");
        }
        byte[][] hashes = new byte[count][];
        for (int i = 0; i < count; i++) {
            hashes[i] = Arrays.copyOfRange(tile, (offset + i) * Merkle.HASH, (offset + i + 1) * Merkle.HASH);
        }
        for (int width = count; width > 1; width /= 2) {
            for (int i = 0; i < width / 2; i++) {
                hashes[i] = Merkle.nodeHash(hashes[2 * i], hashes[2 * i + 1]);
            }
        }
        return hashes[0];
    }

    private synchronized byte[] tile(int level, long index) {
        byte[] tile = cache.get(key(level, index));
        if (tile == null) {
            tile = source.tile(level, index).orElseThrow(() -> new IllegalStateException("tile (" + level + ", "
                    + index + ") is missing"));
            cache.put(key(level, index), tile);
        }
        return tile;
    }

    private static long key(int level, long index) {
        return ((long) level << 56) | index;
    }

    /** The root of a full tile: the hash of its 256 nodes, one level 8 higher. */
    public static byte[] tileRoot(byte[] tile) {
        byte[][] hashes = new byte[WIDTH][];
        for (int i = 0; i < WIDTH; i++) {
            hashes[i] = Arrays.copyOfRange(tile, i * Merkle.HASH, (i + 1) * Merkle.HASH);
        }
        for (int width = WIDTH; width > 1; width /= 2) {
            for (int i = 0; i < width / 2; i++) {
                hashes[i] = Merkle.nodeHash(hashes[2 * i], hashes[2 * i + 1]);
            }
        }
        return hashes[0];
    }
}
