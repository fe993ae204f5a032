package dev.incubator.hub.chunk;

/** Where a chunk's record is: its pack, byte offset and record length, and the plaintext length. */
public record ChunkLocation(String domain, String hash, String pack, long offset, int length, int rawLength) {
}
