package dev.incubator.governance.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The tiled tree against the literal RFC 6962 reference, at sizes around tile boundaries. */
class MerkleTest {
    private static final int[] SIZES = {1, 2, 3, 5, 7, 8, 9, 255, 256, 257, 511, 513, 1000, 65_535, 65_536, 65_537,
            70_001};

    /** An in-memory tile store fed by the tree builder. */
    static final class MemoryTiles implements Tiles.Source {
        final Map<Long, byte[]> tiles = new HashMap<>();

        void store(List<TreeBuilder.Tile> changed) {
            changed.forEach(tile -> tiles.put(((long) tile.level() << 56) | tile.index(), tile.hashes()));
        }

        @Override
        public Optional<byte[]> tile(int level, long index) {
            return Optional.ofNullable(tiles.get(((long) level << 56) | index));
        }
    }

    @Test
    void rootsProofsAndConsistencyMatchTheReferenceAtEverySize() {
        Random random = new Random(3);
        for (int size : SIZES) {
            List<byte[]> entries = entries(size);
            MemoryTiles store = new MemoryTiles();
            TreeBuilder builder = new TreeBuilder(0, store);
            // Appended in uneven batches, as the integrator does.
            for (int i = 0; i < size; i++) {
                builder.append(Merkle.leafHash(entries.get(i)));
                if (random.nextInt(50) == 0) {
                    store.store(builder.drainChanged());
                }
            }
            store.store(builder.drainChanged());
            Tiles tiles = new Tiles(store, 100);
            byte[] root = Merkle.root(tiles, size);
            if (size <= 1000) {
                assertThat(root).as("root of " + size).isEqualTo(ReferenceMerkle.mth(entries));
            }
            for (int m : indices(size, random)) {
                List<byte[]> path = Merkle.inclusionProof(tiles, m, size);
                if (size <= 1000) {
                    assertThat(path).as("path of " + m + " in " + size).usingElementComparator(MerkleTest::compare)
                            .containsExactlyElementsOf(ReferenceMerkle.path(m, entries));
                }
                assertThat(Merkle.verifyInclusion(Merkle.leafHash(entries.get(m)), m, size, path, root)).isTrue();
                assertThat(Merkle.verifyInclusion(Merkle.leafHash("other".getBytes(StandardCharsets.UTF_8)), m, size,
                        path, root)).isFalse();
            }
            for (int first : indices(size, random)) {
                if (first == 0) {
                    continue;
                }
                List<byte[]> proof = Merkle.consistencyProof(tiles, first, size);
                byte[] firstRoot = Merkle.root(tiles, first);
                if (size <= 1000) {
                    assertThat(firstRoot).isEqualTo(ReferenceMerkle.mth(entries.subList(0, first)));
                    assertThat(proof).usingElementComparator(MerkleTest::compare)
                            .containsExactlyElementsOf(ReferenceMerkle.proof(first, entries));
                }
                assertThat(Merkle.verifyConsistency(first, size, firstRoot, root, proof)).as(first + " -> " + size)
                        .isTrue();
                if (first < size) {
                    assertThat(Merkle.verifyConsistency(first, size, Merkle.leafHash(new byte[] {9}), root, proof))
                            .isFalse();
                }
            }
        }
    }

    @Test
    void aTreeResumedFromItsStoredTilesGrowsAsIfNeverStopped() {
        List<byte[]> entries = entries(1_300);
        MemoryTiles store = new MemoryTiles();
        TreeBuilder first = new TreeBuilder(0, store);
        entries.subList(0, 777).forEach(entry -> first.append(Merkle.leafHash(entry)));
        store.store(first.drainChanged());
        TreeBuilder resumed = new TreeBuilder(777, store);
        entries.subList(777, 1_300).forEach(entry -> resumed.append(Merkle.leafHash(entry)));
        store.store(resumed.drainChanged());
        assertThat(Merkle.root(new Tiles(store, 10), 1_300)).isEqualTo(ReferenceMerkle.mth(entries));
    }

    @Test
    void canonicalJsonSortsKeysAndEscapesOnlyWhatItMust() {
        Map<String, Object> value = new java.util.LinkedHashMap<>();
        value.put("b", List.of(1L, "x\"y", true));
        value.put("a", null);
        value.put("c", "tab\there é");
        assertThat(new String(CanonicalJson.bytes(value), StandardCharsets.UTF_8))
                .isEqualTo("{\"a\":null,\"b\":[1,\"x\\\"y\",true],\"c\":\"tab\\there é\"}");
    }

    private static List<byte[]> entries(int size) {
        List<byte[]> entries = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            entries.add(("entry-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return entries;
    }

    private static List<Integer> indices(int size, Random random) {
        List<Integer> indices = new ArrayList<>(List.of(0, size - 1, size / 2));
        for (int i = 0; i < 5; i++) {
            indices.add(random.nextInt(size));
        }
        if (size > 256) {
            indices.add(255);
            indices.add(256);
        }
        return indices.stream().filter(i -> i >= 0 && i < size).distinct().toList();
    }

    private static int compare(byte[] a, byte[] b) {
        return java.util.Arrays.compare(a, b);
    }
}
