package dev.incubator.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.hub.port.XetIndex;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** {@link XetIndex} in the hub_xet_* tables; chunk lists and terms as JSON arrays. */
final class JdbiXetIndex implements XetIndex {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Handle handle;

    JdbiXetIndex(Handle handle) {
        this.handle = handle;
    }

    @Override
    public boolean saveXorb(String domain, String xorbHash, List<Chunk> chunks, Instant now) {
        int inserted = handle.createUpdate("INSERT INTO hub_xet_xorbs (domain, hash, chunks, created_at) VALUES"
                        + " (:domain, :hash, :chunks, :now) ON CONFLICT (domain, hash) DO NOTHING")
                .bind("domain", domain).bind("hash", xorbHash).bind("chunks", json(chunks))
                .bind("now", now.toEpochMilli()).execute();
        if (inserted == 0) {
            return false;
        }
        for (Chunk chunk : chunks) {
            handle.createUpdate("INSERT INTO hub_xet_chunks (domain, hash, xorb) VALUES (:domain, :hash, :xorb)"
                            + " ON CONFLICT (domain, hash) DO NOTHING")
                    .bind("domain", domain).bind("hash", chunk.xetHash()).bind("xorb", xorbHash).execute();
        }
        return true;
    }

    @Override
    public Optional<List<Chunk>> xorb(String domain, String xorbHash) {
        return handle.createQuery("SELECT chunks FROM hub_xet_xorbs WHERE domain = :domain AND hash = :hash")
                .bind("domain", domain).bind("hash", xorbHash).mapTo(String.class).findOne()
                .map(text -> read(text, new TypeReference<List<Chunk>>() { }));
    }

    @Override
    public Optional<String> xorbWithChunk(String domain, String chunkHash) {
        return handle.createQuery("SELECT xorb FROM hub_xet_chunks WHERE domain = :domain AND hash = :hash")
                .bind("domain", domain).bind("hash", chunkHash).mapTo(String.class).findOne();
    }

    @Override
    public void saveFile(String domain, File file) {
        handle.createUpdate("INSERT INTO hub_xet_files (domain, hash, sha256, size, terms) VALUES (:domain, :hash,"
                        + " :sha256, :size, :terms) ON CONFLICT (domain, hash) DO NOTHING")
                .bind("domain", domain).bind("hash", file.xetHash()).bind("sha256", file.sha256())
                .bind("size", file.size()).bind("terms", json(file.terms())).execute();
    }

    @Override
    public Optional<File> file(String domain, String xetHash) {
        return handle.createQuery("SELECT * FROM hub_xet_files WHERE domain = :domain AND hash = :hash")
                .bind("domain", domain).bind("hash", xetHash).map((rs, ctx) -> new File(rs.getString("hash"),
                        rs.getString("sha256"), rs.getLong("size"), read(rs.getString("terms"),
                        new TypeReference<List<Term>>() { }))).findOne();
    }

    @Override
    public Optional<File> fileBySha256(String domain, String sha256) {
        return handle.createQuery("SELECT * FROM hub_xet_files WHERE domain = :domain AND sha256 = :sha256"
                        + " ORDER BY hash LIMIT 1")
                .bind("domain", domain).bind("sha256", sha256).map((rs, ctx) -> new File(rs.getString("hash"),
                        rs.getString("sha256"), rs.getLong("size"), read(rs.getString("terms"),
                        new TypeReference<List<Term>>() { }))).findOne();
    }

    @Override
    public List<File> filesWithXorb(String domain, String xorbHash, int limit) {
        // Terms are JSON; a xorb hash is 64 hex digits, so a substring match finds exactly the files naming it.
        return handle.createQuery("SELECT * FROM hub_xet_files WHERE domain = :domain AND terms LIKE :pattern"
                        + " ORDER BY hash LIMIT :limit")
                .bind("domain", domain).bind("pattern", "%\"" + xorbHash + "\"%").bind("limit", limit)
                .map((rs, ctx) -> new File(rs.getString("hash"), rs.getString("sha256"), rs.getLong("size"),
                        read(rs.getString("terms"), new TypeReference<List<Term>>() { }))).list();
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T read(String text, TypeReference<T> type) {
        try {
            return JSON.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored Xet index entry is not valid JSON", e);
        }
    }
}
