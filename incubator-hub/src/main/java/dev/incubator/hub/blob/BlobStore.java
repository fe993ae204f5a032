package dev.incubator.hub.blob;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where packs and their indexes live: named, immutable objects. A put is atomic (readers see the whole object
 * or none), a name is written once, reads may ask for a byte range. Every adapter passes one conformance suite.
 */
public interface BlobStore {
    record BlobInfo(String key, long size, Instant modified) {
    }

    /** Stores the file's bytes under {@code key}, replacing nothing half-way: all or nothing. */
    void put(String key, Path file) throws IOException;

    void put(String key, byte[] bytes) throws IOException;

    /** Stores a local file that is not needed afterwards; stores on the same file system may move it in place. */
    default void putAndRemove(String key, Path file) throws IOException {
        put(key, file);
        java.nio.file.Files.deleteIfExists(file);
    }

    /** {@code length} bytes from {@code offset}; {@link BlobNotFoundException} when the key does not exist. */
    byte[] read(String key, long offset, int length) throws IOException;

    /** The whole object as a stream. */
    InputStream open(String key) throws IOException;

    Optional<BlobInfo> stat(String key) throws IOException;

    /** Every object whose key starts with {@code prefix}, in key order. */
    List<BlobInfo> list(String prefix) throws IOException;

    /** Removes the object; removing one that does not exist is not an error. */
    void delete(String key) throws IOException;

    /** Where the objects are, for logs and errors: a directory or an s3:// URL. */
    String describe();

    /** The object does not exist. */
    class BlobNotFoundException extends IOException {
        public BlobNotFoundException(String key) {
            super("no object '" + key + "'");
        }
    }
}
