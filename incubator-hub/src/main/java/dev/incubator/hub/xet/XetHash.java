package dev.incubator.hub.xet;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.crypto.digests.Blake3Digest;
import org.bouncycastle.crypto.params.Blake3Parameters;

/**
 * The Xet protocol's hashes (its hashing specification): BLAKE3 keyed hashes of chunks, the aggregated Merkle
 * tree that names xorbs and files, term verification hashes, and the protocol's text form of a hash (each 8-byte
 * word printed as a little-endian integer). Hashes are held as their 32 raw bytes.
 */
public final class XetHash {
    public static final int LENGTH = 32;
    private static final byte[] DATA_KEY = bytes(102, 151, 245, 119, 91, 149, 80, 222, 49, 53, 203, 172, 165, 151, 24,
            28, 157, 228, 33, 16, 155, 235, 43, 88, 180, 208, 176, 75, 147, 173, 242, 41);
    private static final byte[] INTERNAL_NODE_KEY = bytes(1, 126, 197, 199, 165, 71, 41, 150, 253, 148, 102, 102, 180,
            138, 2, 230, 93, 221, 83, 111, 55, 199, 109, 210, 248, 99, 82, 230, 74, 83, 113, 63);
    private static final byte[] VERIFICATION_KEY = bytes(127, 24, 87, 214, 206, 86, 237, 102, 18, 127, 249, 19, 231,
            165, 195, 243, 164, 205, 38, 213, 181, 219, 73, 230, 65, 36, 152, 127, 40, 251, 148, 195);
    private static final byte[] ZERO_KEY = new byte[LENGTH];
    private static final int MEAN_BRANCHING = 4;

    /** A leaf or node of the aggregated tree: a hash and the bytes under it. */
    public record Node(byte[] hash, long length) {
    }

    private XetHash() {
    }

    public static byte[] chunk(byte[] data, int offset, int length) {
        return keyed(DATA_KEY, data, offset, length);
    }

    /** The hash of a xorb: the root of the aggregated tree over its chunks. */
    public static byte[] xorb(List<Node> chunks) {
        return chunks.isEmpty() ? new byte[LENGTH] : root(chunks);
    }

    /** The hash of a file: the root over its chunks, hashed once more with an all-zero key. */
    public static byte[] file(List<Node> chunks) {
        if (chunks.isEmpty()) {
            return new byte[LENGTH];
        }
        byte[] root = root(chunks);
        return keyed(ZERO_KEY, root, 0, root.length);
    }

    /** The verification hash of a term: its chunks' raw hashes, concatenated, under the verification key. */
    public static byte[] verification(List<byte[]> chunkHashes) {
        byte[] all = new byte[chunkHashes.size() * LENGTH];
        for (int i = 0; i < chunkHashes.size(); i++) {
            System.arraycopy(chunkHashes.get(i), 0, all, i * LENGTH, LENGTH);
        }
        return keyed(VERIFICATION_KEY, all, 0, all.length);
    }

    /** A chunk hash under a key, as the deduplication shards protect them. */
    public static byte[] hmac(byte[] hash, byte[] key) {
        return keyed(key, hash, 0, hash.length);
    }

    private static byte[] root(List<Node> leaves) {
        List<Node> level = new ArrayList<>(leaves);
        while (level.size() > 1) {
            List<Node> next = new ArrayList<>();
            int read = 0;
            while (read < level.size()) {
                int cut = read + nextCut(level, read);
                next.add(internal(level.subList(read, cut)));
                read = cut;
            }
            level = next;
        }
        return level.get(0).hash();
    }

    /** Where the group starting at {@code from} ends: at a node whose hash is 0 mod 4, 2 to 9 nodes in. */
    private static int nextCut(List<Node> nodes, int from) {
        int left = nodes.size() - from;
        if (left <= 2) {
            return left;
        }
        int end = Math.min(2 * MEAN_BRANCHING + 1, left);
        for (int i = 2; i < end; i++) {
            if (lastWord(nodes.get(from + i).hash()) % MEAN_BRANCHING == 0) {
                return i + 1;
            }
        }
        return end;
    }

    private static Node internal(List<Node> children) {
        StringBuilder text = new StringBuilder(children.size() * 80);
        long total = 0;
        for (Node child : children) {
            text.append(hex(child.hash())).append(" : ").append(child.length()).append('\n');
            total += child.length();
        }
        byte[] bytes = text.toString().getBytes(StandardCharsets.US_ASCII);
        return new Node(keyed(INTERNAL_NODE_KEY, bytes, 0, bytes.length), total);
    }

    /** The fourth 8-byte word of a hash as an unsigned little-endian integer's low bits (enough for mod 4). */
    private static long lastWord(byte[] hash) {
        long value = 0;
        for (int i = 7; i >= 0; i--) {
            value = (value << 8) | (hash[24 + i] & 0xff);
        }
        return Long.remainderUnsigned(value, MEAN_BRANCHING);
    }

    private static byte[] keyed(byte[] key, byte[] data, int offset, int length) {
        Blake3Digest digest = new Blake3Digest(LENGTH * 8);
        digest.init(Blake3Parameters.key(key));
        digest.update(data, offset, length);
        byte[] out = new byte[LENGTH];
        digest.doFinal(out, 0);
        return out;
    }

    /** The protocol's text form: each 8-byte word as a 16-digit little-endian integer, in order. */
    public static String hex(byte[] hash) {
        byte[] swapped = new byte[LENGTH];
        for (int word = 0; word < 4; word++) {
            for (int i = 0; i < 8; i++) {
                swapped[word * 8 + i] = hash[word * 8 + 7 - i];
            }
        }
        return HexFormat.of().formatHex(swapped);
    }

    /** The raw bytes of a hash in the protocol's text form; IllegalArgumentException if it is not one. */
    public static byte[] parse(String text) {
        if (text == null || !text.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("a Xet hash is 64 lower-case hex digits");
        }
        byte[] swapped = HexFormat.of().parseHex(text);
        byte[] hash = new byte[LENGTH];
        for (int word = 0; word < 4; word++) {
            for (int i = 0; i < 8; i++) {
                hash[word * 8 + i] = swapped[word * 8 + 7 - i];
            }
        }
        return hash;
    }

    public static boolean isHex(String text) {
        return text != null && text.matches("[0-9a-f]{64}");
    }

    public static boolean allOnes(byte[] data, int offset) {
        for (int i = 0; i < LENGTH; i++) {
            if (data[offset + i] != (byte) 0xff) {
                return false;
            }
        }
        return true;
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    public static boolean equal(byte[] a, byte[] b) {
        return Arrays.equals(a, b);
    }
}
