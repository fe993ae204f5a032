package dev.incubator.hub.chunk;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** A file's content: its SHA-256, size and the chunks that make it, in order, within one encryption domain. */
public record FileManifest(String domain, String sha256, long size, List<ChunkRef> chunks) {
    public record ChunkRef(String hash, int length) {
    }

    public FileManifest {
        chunks = List.copyOf(chunks);
        long sum = chunks.stream().mapToLong(ChunkRef::length).sum();
        if (sum != size) {
            throw new IllegalArgumentException("the chunks of " + sha256 + " add up to " + sum + " bytes, not " + size);
        }
    }

    /** The chunk list as 36 bytes per chunk: the 32-byte hash and a 4-byte length. */
    public byte[] encodeChunks() {
        ByteBuffer buffer = ByteBuffer.allocate(chunks.size() * 36);
        for (ChunkRef chunk : chunks) {
            buffer.put(Hashes.unhex(chunk.hash())).putInt(chunk.length());
        }
        return buffer.array();
    }

    public static List<ChunkRef> decodeChunks(byte[] encoded) {
        ByteBuffer buffer = ByteBuffer.wrap(encoded);
        List<ChunkRef> chunks = new ArrayList<>(encoded.length / 36);
        byte[] hash = new byte[32];
        while (buffer.hasRemaining()) {
            buffer.get(hash);
            chunks.add(new ChunkRef(Hashes.hex(hash), buffer.getInt()));
        }
        return chunks;
    }
}
