package dev.incubator.hub.port;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the Xet protocol names, per encryption domain: each xorb's chunks (their Xet hash, the SHA-256 the chunk
 * store keeps them under, their length), which xorb first held a chunk (for deduplication queries), and each
 * file's Xet hash with its SHA-256 and terms (for reconstruction). Hashes are in the protocol's text form.
 */
public interface XetIndex {
    record Chunk(String xetHash, String sha256, int length) {
    }

    record Term(String xorb, int chunkStart, int chunkEnd, long unpackedBytes) {
    }

    record File(String xetHash, String sha256, long size, List<Term> terms) {
    }

    /** Records a xorb and its chunks unless the domain has it; false if it was already there. */
    boolean saveXorb(String domain, String xorbHash, List<Chunk> chunks, Instant now);

    Optional<List<Chunk>> xorb(String domain, String xorbHash);

    /** The xorb that first held a chunk with this Xet hash, if any. */
    Optional<String> xorbWithChunk(String domain, String chunkHash);

    void saveFile(String domain, File file);

    Optional<File> file(String domain, String xetHash);

    Optional<File> fileBySha256(String domain, String sha256);

    /** Up to {@code limit} files of the domain with a term in the given xorb. */
    List<File> filesWithXorb(String domain, String xorbHash, int limit);
}
