package dev.incubator.hub.port;

import dev.incubator.hub.chunk.ChunkLocation;
import dev.incubator.hub.chunk.PackInfo;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Which chunks each domain holds and in which pack; the packs themselves. */
public interface ChunkIndex {
    Optional<ChunkLocation> find(String domain, String hash);

    /** The locations of those of {@code hashes} the domain holds, by hash. */
    java.util.Map<String, ChunkLocation> locate(String domain, Collection<String> hashes);

    /** The hashes among {@code hashes} that the domain holds. */
    Set<String> present(String domain, Collection<String> hashes);

    /** Marks chunks as wanted now, so garbage collection spares them for its grace period. */
    void touch(String domain, Collection<String> hashes, Instant now);

    /**
     * Records a pack and the chunks it holds that the domain did not hold yet, charging the new chunks' plaintext
     * bytes to {@code chargedTo} (see {@link StorageAccounts}); returns how many were new.
     */
    int addPack(PackInfo pack, List<ChunkLocation> chunks, Optional<String> chargedTo, Instant now);

    List<PackInfo> packs();

    Optional<PackInfo> pack(String id);

    List<ChunkLocation> chunksIn(String packId);

    /** Every chunk of a domain with the time it was last wanted. */
    List<Seen> chunks(String domain);

    record Seen(String hash, String pack, Instant lastWanted) {
    }

    /** Deletes chunks from the index and credits their bytes back to the accounts they were charged to. */
    void deleteChunks(String domain, Collection<String> hashes);

    /** Moves chunks into another pack (after a rewrite copied their records there). */
    void relocate(List<ChunkLocation> moved);

    void deletePack(String id);

    /** Every domain that has a data key or chunks. */
    List<String> domains();
}
