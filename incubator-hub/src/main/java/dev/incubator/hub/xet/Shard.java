package dev.incubator.hub.xet;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The Xet shard format (MDB shard, header version 2, footer version 1): the files a client uploaded, each as terms
 * (a xorb and a chunk range), with verification hashes and SHA-256, and the xorbs it created, each with its chunks.
 * Read from an upload; written as the answer to a deduplication query (no files, one xorb).
 */
public final class Shard {
    public static final long MAX_SIZE = 64L * 1024 * 1024;
    private static final byte[] TAG = tag();
    private static final int ENTRY = 48;
    private static final int HEADER = 48;
    private static final int FOOTER = 200;
    private static final int WITH_VERIFICATION = 1 << 31;
    private static final int WITH_METADATA = 1 << 30;

    /** One term of a file: chunks [start, end) of a xorb, and what they unpack to. */
    public record Term(byte[] xorb, int unpackedBytes, int chunkStart, int chunkEnd, Optional<byte[]> verification) {
    }

    public record FileInfo(byte[] hash, List<Term> terms, Optional<byte[]> sha256) {
        public long size() {
            return terms.stream().mapToLong(Term::unpackedBytes).sum();
        }
    }

    /** One chunk of a xorb: its hash, where it starts in the serialized xorb and its length. */
    public record XorbChunk(byte[] hash, int byteStart, int length) {
    }

    public record XorbInfo(byte[] hash, List<XorbChunk> chunks, int bytes, int bytesOnDisk) {
    }

    private final List<FileInfo> files;
    private final List<XorbInfo> xorbs;

    public Shard(List<FileInfo> files, List<XorbInfo> xorbs) {
        this.files = List.copyOf(files);
        this.xorbs = List.copyOf(xorbs);
    }

    public List<FileInfo> files() {
        return files;
    }

    public List<XorbInfo> xorbs() {
        return xorbs;
    }

    /** Parses a shard; a malformed one is an {@link IllegalArgumentException} that says what is wrong. */
    public static Shard parse(byte[] data) {
        ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        need(in, HEADER, "the header");
        byte[] tag = new byte[32];
        in.get(tag);
        if (!Arrays.equals(tag, TAG)) {
            throw new IllegalArgumentException("not a Xet shard: the magic tag is wrong");
        }
        long version = in.getLong();
        if (version != 2) {
            throw new IllegalArgumentException("shard header version " + version + "; only version 2 is read");
        }
        in.getLong(); // footer size: the footer is optional on upload
        List<FileInfo> files = new ArrayList<>();
        while (true) {
            need(in, ENTRY, "the file info section (no bookend)");
            byte[] hash = hash(in);
            int flags = in.getInt();
            int entries = in.getInt();
            in.position(in.position() + 8);
            if (XetHash.allOnes(hash, 0)) {
                break;
            }
            if (entries < 0 || (long) entries * ENTRY > in.remaining()) {
                throw new IllegalArgumentException("file " + XetHash.hex(hash) + " declares " + entries + " terms");
            }
            List<byte[]> xorbs = new ArrayList<>();
            List<int[]> ranges = new ArrayList<>();
            for (int i = 0; i < entries; i++) {
                xorbs.add(hash(in));
                in.getInt(); // flags, reserved
                ranges.add(new int[] {in.getInt(), in.getInt(), in.getInt()});
            }
            List<byte[]> verification = new ArrayList<>();
            if ((flags & WITH_VERIFICATION) != 0) {
                need(in, (long) entries * ENTRY, "the verification entries of file " + XetHash.hex(hash));
                for (int i = 0; i < entries; i++) {
                    verification.add(hash(in));
                    in.position(in.position() + 16);
                }
            }
            Optional<byte[]> sha256 = Optional.empty();
            if ((flags & WITH_METADATA) != 0) {
                need(in, ENTRY, "the metadata of file " + XetHash.hex(hash));
                byte[] raw = new byte[32];
                in.get(raw);
                in.position(in.position() + 16);
                sha256 = Optional.of(raw);
            }
            List<Term> terms = new ArrayList<>();
            for (int i = 0; i < entries; i++) {
                int[] range = ranges.get(i);
                if (range[0] < 0 || range[1] < 0 || range[2] <= range[1]) {
                    throw new IllegalArgumentException("file " + XetHash.hex(hash) + ", term " + i + ": chunk range ["
                            + range[1] + ", " + range[2] + ") is empty or negative");
                }
                terms.add(new Term(xorbs.get(i), range[0], range[1], range[2], verification.isEmpty()
                        ? Optional.empty() : Optional.of(verification.get(i))));
            }
            files.add(new FileInfo(hash, terms, sha256));
        }
        List<XorbInfo> xorbs = new ArrayList<>();
        while (true) {
            need(in, ENTRY, "the xorb info section (no bookend)");
            byte[] hash = hash(in);
            in.getInt(); // flags, reserved
            int entries = in.getInt();
            int bytes = in.getInt();
            int onDisk = in.getInt();
            if (XetHash.allOnes(hash, 0)) {
                break;
            }
            if (entries < 0 || (long) entries * ENTRY > in.remaining()) {
                throw new IllegalArgumentException("xorb " + XetHash.hex(hash) + " declares " + entries + " chunks");
            }
            List<XorbChunk> chunks = new ArrayList<>();
            for (int i = 0; i < entries; i++) {
                byte[] chunk = hash(in);
                int start = in.getInt();
                int length = in.getInt();
                in.position(in.position() + 8);
                chunks.add(new XorbChunk(chunk, start, length));
            }
            xorbs.add(new XorbInfo(hash, chunks, bytes, onDisk));
        }
        return new Shard(files, xorbs);
    }

    /** The shard that answers a deduplication query: these xorbs, chunk hashes keyed by {@code key} (or plain). */
    public byte[] write(byte[] key, long createdAt, long expiresAt) {
        int size = HEADER + ENTRY + FOOTER;
        for (XorbInfo xorb : xorbs) {
            size += ENTRY * (1 + xorb.chunks().size());
        }
        if (!files.isEmpty()) {
            throw new IllegalStateException("only xorb listings are written");
        }
        ByteBuffer out = ByteBuffer.allocate(size + ENTRY).order(ByteOrder.LITTLE_ENDIAN);
        out.put(TAG).putLong(2).putLong(FOOTER);
        long fileInfo = out.position();
        bookend(out);
        long casInfo = out.position();
        for (XorbInfo xorb : xorbs) {
            out.put(xorb.hash()).putInt(0).putInt(xorb.chunks().size()).putInt(xorb.bytes()).putInt(xorb.bytesOnDisk());
            for (XorbChunk chunk : xorb.chunks()) {
                out.put(key == null ? chunk.hash() : XetHash.hmac(chunk.hash(), key)).putInt(chunk.byteStart())
                        .putInt(chunk.length()).putLong(0);
            }
        }
        bookend(out);
        long footer = out.position();
        // The 48 reserved bytes begin with where the lookup tables would start (there are none): readers take it as
        // the end of the xorb section.
        out.putLong(1).putLong(fileInfo).putLong(casInfo).putLong(footer).put(new byte[40])
                .put(key == null ? new byte[32] : key)
                .putLong(createdAt).putLong(expiresAt).put(new byte[72]).putLong(footer);
        return Arrays.copyOf(out.array(), out.position());
    }

    private static void bookend(ByteBuffer out) {
        byte[] ones = new byte[32];
        Arrays.fill(ones, (byte) 0xff);
        out.put(ones).put(new byte[16]);
    }

    private static byte[] hash(ByteBuffer in) {
        byte[] hash = new byte[32];
        in.get(hash);
        return hash;
    }

    private static void need(ByteBuffer in, long bytes, String what) {
        if (in.remaining() < bytes) {
            throw new IllegalArgumentException("the shard ends inside " + what);
        }
    }

    private static byte[] tag() {
        byte[] text = "HFRepoMetaData".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int[] rest = {0, 85, 105, 103, 69, 106, 123, 129, 87, 131, 165, 189, 217, 92, 205, 209, 74, 169};
        byte[] tag = new byte[32];
        System.arraycopy(text, 0, tag, 0, text.length);
        for (int i = 0; i < rest.length; i++) {
            tag[text.length + i] = (byte) rest[i];
        }
        return tag;
    }
}
