package dev.incubator.hub.port;

import dev.incubator.hub.chunk.FileManifest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** File manifests by domain and SHA-256. */
public interface FileRepository {
    Optional<FileManifest> find(String domain, String sha256);

    /** Stores the manifest unless the domain already has the file; marks it wanted now either way. */
    void save(FileManifest manifest, Instant now);

    record Seen(String sha256, Instant lastWanted) {
    }

    List<Seen> list(String domain);

    void delete(String domain, String sha256);
}
