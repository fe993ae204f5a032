package dev.incubator.hub.chunk;

import java.io.IOException;
import java.io.InputStream;

/**
 * Content-defined chunking with a Gear rolling hash and normalised chunking (FastCDC, Xia et al., USENIX ATC'16
 * and TPDS'20): a cut falls where the hash of the last bytes matches a mask, so an insertion early in a file moves
 * only the boundaries near it and later chunks keep their content and hash. Before the average size a stricter
 * mask (two more bits) makes cuts rarer, after it a looser mask makes them likelier, which narrows the size
 * distribution around the average; sizes are bounded by {@link Params#min} and {@link Params#max}.
 *
 * <p>The Gear table comes from a fixed seed, so boundaries are a pure function of the bytes and the parameters:
 * they are part of the storage format and pinned by golden tests.
 */
public final class Chunker {
    /** Chunk size bounds; the average must be a power of two between min and max. */
    public record Params(int min, int average, int max) {
        public static final Params DEFAULT = new Params(16 * 1024, 64 * 1024, 256 * 1024);

        public Params {
            if (Integer.bitCount(average) != 1 || min < 64 || min >= average || max <= average) {
                throw new IllegalArgumentException("chunk sizes need 64 <= min < average < max with average a power"
                        + " of two, not " + min + "/" + average + "/" + max);
            }
        }
    }

    /** Receives each chunk in order; the array is reused after the call returns. */
    @FunctionalInterface
    public interface Sink {
        void chunk(byte[] buffer, int offset, int length) throws IOException;
    }

    private static final long[] GEAR = gear();

    private final Params params;
    private final long maskStrict;
    private final long maskLoose;

    public Chunker(Params params) {
        this.params = params;
        int bits = Integer.numberOfTrailingZeros(params.average());
        // The hash shifts left once per byte, so its high bits depend on the last 64 bytes: mask those.
        this.maskStrict = ((1L << (bits + 2)) - 1) << (64 - bits - 2);
        this.maskLoose = ((1L << (bits - 2)) - 1) << (64 - bits + 2);
    }

    public Params params() {
        return params;
    }

    /** Splits the whole stream into chunks, in order. */
    public void split(InputStream in, Sink sink) throws IOException {
        int max = params.max();
        byte[] buffer = new byte[Math.max(4 * max, 1 << 20)];
        int start = 0;
        int end = 0;
        boolean eof = false;
        while (true) {
            if (!eof && end - start < max) {
                if (start > 0) {
                    System.arraycopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }
                while (end < buffer.length) {
                    int read = in.read(buffer, end, buffer.length - end);
                    if (read < 0) {
                        eof = true;
                        break;
                    }
                    end += read;
                }
            }
            if (start == end) {
                return;
            }
            int length = cut(buffer, start, end - start);
            sink.chunk(buffer, start, length);
            start += length;
        }
    }

    /** The length of the chunk that starts at {@code offset}, given {@code available} bytes from there. */
    public int cut(byte[] data, int offset, int available) {
        int min = params.min();
        if (available <= min) {
            return available;
        }
        int limit = Math.min(available, params.max());
        int normal = Math.min(params.average(), limit);
        long hash = 0;
        int i = min;
        for (; i < normal; i++) {
            hash = (hash << 1) + GEAR[data[offset + i] & 0xff];
            if ((hash & maskStrict) == 0) {
                return i + 1;
            }
        }
        for (; i < limit; i++) {
            hash = (hash << 1) + GEAR[data[offset + i] & 0xff];
            if ((hash & maskLoose) == 0) {
                return i + 1;
            }
        }
        return limit;
    }

    /** 256 pseudo-random 64-bit values from SplitMix64 with a fixed seed. Never change it: boundaries would move. */
    private static long[] gear() {
        long[] table = new long[256];
        long state = 0x1ce_b00da_5eedL;
        for (int i = 0; i < table.length; i++) {
            state += 0x9E3779B97F4A7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            table[i] = z ^ (z >>> 31);
        }
        return table;
    }
}
