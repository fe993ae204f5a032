package dev.incubator.hub.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChunkerTest {
    private final Chunker chunker = new Chunker(Chunker.Params.DEFAULT);

    /** Boundaries are part of the storage format: if this changes, stored content stops deduplicating. */
    @Test
    void boundariesOfSeededDataArePinned() throws IOException {
        List<Integer> lengths = lengths(seeded(42, 1 << 20));
        assertThat(lengths).containsExactly(GOLDEN_LENGTHS);
        assertThat(Hashes.sha256(seeded(42, 1 << 20), 0, lengths.get(0))).isEqualTo(GOLDEN_FIRST_HASH);
    }

    @Test
    void chunkSizesStayWithinBoundsAndAverageNearTheTarget() throws IOException {
        List<Integer> lengths = lengths(seeded(7, 32 << 20));
        Chunker.Params params = Chunker.Params.DEFAULT;
        assertThat(lengths.subList(0, lengths.size() - 1)).allSatisfy(length ->
                assertThat(length).isBetween(params.min(), params.max()));
        double mean = lengths.stream().mapToInt(Integer::intValue).average().orElseThrow();
        assertThat(mean).isBetween(params.average() * 0.7, params.average() * 1.4);
    }

    @Test
    void anInsertionEarlyInAFileMovesOnlyTheBoundariesNearIt() throws IOException {
        byte[] original = seeded(3, 8 << 20);
        byte[] edited = new byte[original.length + 100];
        System.arraycopy(original, 0, edited, 0, 1_000_000);
        System.arraycopy(seeded(4, 100), 0, edited, 1_000_000, 100);
        System.arraycopy(original, 1_000_000, edited, 1_000_100, original.length - 1_000_000);
        List<String> before = hashes(original);
        List<String> after = hashes(edited);
        List<String> shared = new ArrayList<>(after);
        shared.retainAll(before);
        assertThat(shared.size()).isGreaterThanOrEqualTo(before.size() - 3);
    }

    @Test
    void theSameBytesGiveTheSameChunksWhateverTheReadSizes() throws IOException {
        byte[] data = seeded(5, 3 << 20);
        List<Integer> whole = lengths(data);
        List<Integer> trickled = new ArrayList<>();
        chunker.split(new TrickleStream(data, 1_000), (buffer, offset, length) -> trickled.add(length));
        assertThat(trickled).isEqualTo(whole);
    }

    @Test
    void emptyAndTinyInputs() throws IOException {
        assertThat(lengths(new byte[0])).isEmpty();
        assertThat(lengths(new byte[10])).containsExactly(10);
    }

    private List<Integer> lengths(byte[] data) throws IOException {
        List<Integer> lengths = new ArrayList<>();
        chunker.split(new ByteArrayInputStream(data), (buffer, offset, length) -> lengths.add(length));
        return lengths;
    }

    private List<String> hashes(byte[] data) throws IOException {
        List<String> hashes = new ArrayList<>();
        chunker.split(new ByteArrayInputStream(data), (buffer, offset, length) ->
                hashes.add(Hashes.sha256(buffer, offset, length)));
        return hashes;
    }

    static byte[] seeded(long seed, int size) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    /** Hands out at most {@code step} bytes per read. */
    private static final class TrickleStream extends InputStream {
        private final byte[] data;
        private final int step;
        private int position;

        TrickleStream(byte[] data, int step) {
            this.data = data;
            this.step = step;
        }

        @Override
        public int read() {
            return position < data.length ? data[position++] & 0xff : -1;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (position >= data.length) {
                return -1;
            }
            int n = Math.min(Math.min(length, step), data.length - position);
            System.arraycopy(data, position, buffer, offset, n);
            position += n;
            return n;
        }
    }

    private static final Integer[] GOLDEN_LENGTHS = {85026, 90558, 70817, 95629, 79627, 85365, 66719, 72323, 66489,
        23577, 81274, 107654, 58077, 65441};
    private static final String GOLDEN_FIRST_HASH =
            "044aab89c08e70d9673c77c96aa2682947d166dedff4a68bf14f894f0bde49b9";
}
