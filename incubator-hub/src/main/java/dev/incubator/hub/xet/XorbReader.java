package dev.incubator.hub.xet;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import net.jpountz.lz4.LZ4FrameInputStream;

/**
 * Reads a serialized xorb as the Xet specification lays it out: chunk after chunk, each an 8-byte header (version
 * 0, compressed size, compression scheme, uncompressed size; sizes 3-byte little-endian) and its data, stored as
 * is, as an LZ4 frame, or byte-grouped by 4 then LZ4. Every chunk is decompressed and hashed; the caller gets its
 * bytes and hash in order. A malformed xorb is an {@link IllegalArgumentException} saying where.
 */
public final class XorbReader {
    /** The largest chunk the protocol allows, uncompressed. */
    public static final int MAX_CHUNK = 128 * 1024;
    /** The largest serialized xorb the protocol allows. */
    public static final long MAX_XORB = 64L * 1024 * 1024;
    public static final int HEADER = 8;

    /** Receives each chunk of a xorb in order. */
    @FunctionalInterface
    public interface ChunkConsumer {
        void accept(byte[] hash, byte[] data) throws IOException;
    }

    private XorbReader() {
    }

    /** Reads every chunk; returns the chunks' hashes and lengths in order. */
    public static List<XetHash.Node> read(InputStream in, ChunkConsumer consumer) throws IOException {
        List<XetHash.Node> chunks = new ArrayList<>();
        byte[] header = new byte[HEADER];
        long position = 0;
        while (true) {
            int first = in.read();
            if (first < 0) {
                break;
            }
            header[0] = (byte) first;
            readFully(in, header, 1, HEADER - 1, "the header of chunk " + chunks.size());
            if (header[0] != 0) {
                throw new IllegalArgumentException("chunk " + chunks.size() + " (byte " + position + ") has header "
                        + "version " + (header[0] & 0xff) + "; only version 0 exists");
            }
            int compressed = u24(header, 1);
            int scheme = header[4] & 0xff;
            int size = u24(header, 5);
            if (size < 1 || size > MAX_CHUNK || compressed < 1 || compressed > MAX_CHUNK + 1024) {
                throw new IllegalArgumentException("chunk " + chunks.size() + " declares " + compressed + " stored and "
                        + size + " raw bytes; chunks hold 1 to " + MAX_CHUNK + " bytes");
            }
            position += HEADER + compressed;
            if (position > MAX_XORB) {
                throw new IllegalArgumentException("the xorb is larger than " + MAX_XORB + " bytes");
            }
            byte[] stored = new byte[compressed];
            readFully(in, stored, 0, compressed, "the data of chunk " + chunks.size());
            byte[] data = switch (scheme) {
                case 0 -> stored;
                case 1 -> lz4(stored, size, chunks.size());
                case 2 -> ungroup(lz4(stored, size, chunks.size()));
                default -> throw new IllegalArgumentException("chunk " + chunks.size() + " uses compression scheme "
                        + scheme + "; the protocol has 0 (none), 1 (LZ4) and 2 (byte grouping 4 + LZ4)");
            };
            if (data.length != size) {
                throw new IllegalArgumentException("chunk " + chunks.size() + " holds " + data.length + " bytes, not the "
                        + size + " its header declares");
            }
            byte[] hash = XetHash.chunk(data, 0, data.length);
            consumer.accept(hash, data);
            chunks.add(new XetHash.Node(hash, data.length));
        }
        if (chunks.isEmpty()) {
            throw new IllegalArgumentException("the xorb has no chunks");
        }
        return chunks;
    }

    private static byte[] lz4(byte[] stored, int size, int index) {
        try (InputStream in = new LZ4FrameInputStream(new ByteArrayInputStream(stored))) {
            byte[] out = in.readNBytes(size + 1);
            return out;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("chunk " + index + " is not a valid LZ4 frame: " + e.getMessage());
        }
    }

    /** Undoes byte grouping: group g holds bytes g, g+4, g+8, ...; the first len % 4 groups hold one more. */
    static byte[] ungroup(byte[] grouped) {
        int n = grouped.length;
        byte[] out = new byte[n];
        int base = n / 4;
        int extra = n % 4;
        int offset = 0;
        for (int group = 0; group < 4; group++) {
            int count = base + (group < extra ? 1 : 0);
            for (int i = 0; i < count; i++) {
                out[i * 4 + group] = grouped[offset + i];
            }
            offset += count;
        }
        return out;
    }

    /** Byte grouping by 4 (the inverse of {@link #ungroup}). */
    static byte[] group(byte[] data) {
        int n = data.length;
        byte[] out = new byte[n];
        int offset = 0;
        for (int group = 0; group < 4; group++) {
            for (int i = group; i < n; i += 4) {
                out[offset++] = data[i];
            }
        }
        return out;
    }

    /** The 8-byte header of a chunk stored uncompressed. */
    public static byte[] header(int size) {
        byte[] header = new byte[HEADER];
        header[1] = (byte) size;
        header[2] = (byte) (size >> 8);
        header[3] = (byte) (size >> 16);
        header[4] = 0;
        header[5] = (byte) size;
        header[6] = (byte) (size >> 8);
        header[7] = (byte) (size >> 16);
        return header;
    }

    private static int u24(byte[] data, int offset) {
        return (data[offset] & 0xff) | (data[offset + 1] & 0xff) << 8 | (data[offset + 2] & 0xff) << 16;
    }

    private static void readFully(InputStream in, byte[] buffer, int offset, int length, String what)
            throws IOException {
        int read = in.readNBytes(buffer, offset, length);
        if (read < length) {
            throw new IllegalArgumentException("the xorb ends inside " + what);
        }
    }
}
