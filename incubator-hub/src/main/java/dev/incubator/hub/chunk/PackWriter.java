package dev.incubator.hub.chunk;

import dev.incubator.hub.blob.BlobStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Builds one pack in a local spool file: a magic header, then chunk records back to back. {@link #finish}
 * stores the pack and then its index (one line per chunk) in the blob store; only then may the metadata refer to
 * them, so a crash leaves at worst an unreferenced pack that garbage collection removes.
 */
public final class PackWriter implements AutoCloseable {
    public static final byte[] MAGIC = "INCPACK1".getBytes(StandardCharsets.US_ASCII);

    private final String id = UUID.randomUUID().toString().replace("-", "");
    private final String domain;
    private final Path spool;
    private final OutputStream out;
    private final List<ChunkLocation> chunks = new ArrayList<>();
    private final Set<String> hashes = new HashSet<>();
    private long size;

    /** The spool holds packs being written: the service's alone (0700), like the rest of the data directory. */
    private static void privateDirectory(Path directory) throws IOException {
        Files.createDirectories(directory);
        if (Files.getFileStore(directory).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(directory, java.nio.file.attribute.PosixFilePermissions
                    .fromString("rwx------"));
        }
    }

    public PackWriter(String domain, Path spoolDirectory) throws IOException {
        this.domain = domain;
        privateDirectory(spoolDirectory);
        this.spool = spoolDirectory.resolve("pack-" + id);
        this.out = new java.io.BufferedOutputStream(Files.newOutputStream(spool), 1 << 20);
        if (Files.getFileStore(spool).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(spool, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
        out.write(MAGIC);
        size = MAGIC.length;
    }

    public String id() {
        return id;
    }

    public long size() {
        return size;
    }

    public int count() {
        return chunks.size();
    }

    public boolean contains(String hash) {
        return hashes.contains(hash);
    }

    /** Appends an encoded record; a hash already in this pack is skipped. */
    public void add(String hash, int rawLength, byte[] record) throws IOException {
        if (!hashes.add(hash)) {
            return;
        }
        out.write(record);
        chunks.add(new ChunkLocation(domain, hash, id, size, record.length, rawLength));
        size += record.length;
    }

    /** Stores the pack and its index; returns the pack with the locations of its chunks. */
    public Finished finish(BlobStore blobs, Instant now) throws IOException {
        out.close();
        PackInfo pack = new PackInfo(id, domain, size, chunks.size(), now);
        blobs.putAndRemove(pack.key(), spool);
        blobs.put(pack.indexKey(), index(pack, chunks));
        return new Finished(pack, List.copyOf(chunks));
    }

    public record Finished(PackInfo pack, List<ChunkLocation> chunks) {
    }

    /** The text of a pack index: a header line, then "hash offset length raw-length" per chunk. */
    public static byte[] index(PackInfo pack, List<ChunkLocation> chunks) {
        StringBuilder text = new StringBuilder("incubator-pack-index 1 " + pack.domain() + " " + pack.id() + " "
                + chunks.size() + "\n");
        for (ChunkLocation chunk : chunks) {
            text.append(chunk.hash()).append(' ').append(chunk.offset()).append(' ').append(chunk.length()).append(' ')
                    .append(chunk.rawLength()).append('\n');
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        out.close();
        Files.deleteIfExists(spool);
    }
}
