package dev.incubator.server;

import dev.incubator.hub.chunk.Hashes;
import dev.incubator.hub.xet.XetHash;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import net.jpountz.lz4.LZ4FrameOutputStream;

/**
 * Writes Xet objects as a client does, for tests that drive the CAS without Node.js: a xorb of given chunks (each
 * stored as is, as an LZ4 frame, or byte-grouped then LZ4, by turns) and a shard registering one file made of
 * chunk ranges of xorbs, with verification hashes and SHA-256.
 */
final class XetTestClient {
    private static final byte[] TAG = tag();

    record Xorb(String hash, byte[] bytes, List<byte[]> chunks, List<XetHash.Node> nodes) {
    }

    record Term(Xorb xorb, int start, int end) {
    }

    private XetTestClient() {
    }

    static Xorb xorb(List<byte[]> chunks) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<XetHash.Node> nodes = new ArrayList<>();
        for (int i = 0; i < chunks.size(); i++) {
            byte[] chunk = chunks.get(i);
            int scheme = i % 3;
            byte[] stored = switch (scheme) {
                case 0 -> chunk;
                case 1 -> lz4(chunk);
                default -> lz4(group(chunk));
            };
            out.write(new byte[] {0, (byte) stored.length, (byte) (stored.length >> 8), (byte) (stored.length >> 16),
                    (byte) scheme, (byte) chunk.length, (byte) (chunk.length >> 8), (byte) (chunk.length >> 16)});
            out.write(stored);
            nodes.add(new XetHash.Node(XetHash.chunk(chunk, 0, chunk.length), chunk.length));
        }
        return new Xorb(XetHash.hex(XetHash.xorb(nodes)), out.toByteArray(), chunks, nodes);
    }

    /** The Xet hash of the file the terms make. */
    static String fileHash(List<Term> terms) {
        List<XetHash.Node> nodes = new ArrayList<>();
        terms.forEach(term -> nodes.addAll(term.xorb().nodes().subList(term.start(), term.end())));
        return XetHash.hex(XetHash.file(nodes));
    }

    static byte[] content(List<Term> terms) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Term term : terms) {
            for (byte[] chunk : term.xorb().chunks().subList(term.start(), term.end())) {
                out.write(chunk);
            }
        }
        return out.toByteArray();
    }

    /** A shard registering one file; {@code sha256} as the client declares it (hex), may be a lie. */
    static byte[] shard(List<Term> terms, String sha256) {
        int size = 48 + 48 * (1 + terms.size() * 2 + 1) + 48 + 48 + 200;
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        out.put(TAG).putLong(2).putLong(200);
        out.put(XetHash.parse(fileHash(terms))).putInt((1 << 31) | (1 << 30)).putInt(terms.size()).putLong(0);
        for (Term term : terms) {
            long unpacked = term.xorb().chunks().subList(term.start(), term.end()).stream().mapToLong(c -> c.length)
                    .sum();
            out.put(XetHash.parse(term.xorb().hash())).putInt(0).putInt((int) unpacked).putInt(term.start())
                    .putInt(term.end());
        }
        for (Term term : terms) {
            List<byte[]> hashes = term.xorb().nodes().subList(term.start(), term.end()).stream()
                    .map(XetHash.Node::hash).toList();
            out.put(XetHash.verification(hashes)).put(new byte[16]);
        }
        out.put(XetHash.parse(sha256)).put(new byte[16]);
        bookend(out);
        bookend(out);
        out.putLong(1).putLong(48).putLong(0).put(new byte[48]).put(new byte[32]).putLong(0).putLong(0)
                .put(new byte[72]).putLong(out.position());
        return Arrays.copyOf(out.array(), out.position());
    }

    static String sha256(byte[] data) {
        return Hashes.sha256(data);
    }

    static List<byte[]> chunks(long seed, int count, int size) {
        java.util.Random random = new java.util.Random(seed);
        List<byte[]> chunks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] chunk = new byte[size];
            if (i % 2 == 0) {
                random.nextBytes(chunk);
            } else {
                for (int j = 0; j < size; j++) {
                    chunk[j] = (byte) (j % 7 + i);
                }
            }
            chunks.add(chunk);
        }
        return chunks;
    }

    private static void bookend(ByteBuffer out) {
        byte[] ones = new byte[32];
        Arrays.fill(ones, (byte) 0xff);
        out.put(ones).put(new byte[16]);
    }

    private static byte[] lz4(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (LZ4FrameOutputStream frame = new LZ4FrameOutputStream(out)) {
            frame.write(data);
        }
        return out.toByteArray();
    }

    private static byte[] group(byte[] data) {
        byte[] out = new byte[data.length];
        int offset = 0;
        for (int group = 0; group < 4; group++) {
            for (int i = group; i < data.length; i += 4) {
                out[offset++] = data[i];
            }
        }
        return out;
    }

    private static byte[] tag() {
        byte[] tag = new byte[32];
        byte[] text = "HFRepoMetaData".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, tag, 0, text.length);
        int[] rest = {0, 85, 105, 103, 69, 106, 123, 129, 87, 131, 165, 189, 217, 92, 205, 209, 74, 169};
        for (int i = 0; i < rest.length; i++) {
            tag[text.length + i] = (byte) rest[i];
        }
        return tag;
    }

    static String hex(byte[] data) {
        return HexFormat.of().formatHex(data);
    }
}
