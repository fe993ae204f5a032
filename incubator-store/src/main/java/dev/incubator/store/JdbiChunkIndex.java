package dev.incubator.store;

import dev.incubator.hub.chunk.ChunkLocation;
import dev.incubator.hub.chunk.PackInfo;
import dev.incubator.hub.port.ChunkIndex;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.PreparedBatch;

final class JdbiChunkIndex implements ChunkIndex {
    /** Hashes per IN list, well under SQLite's and PostgreSQL's parameter limits. */
    private static final int IN_LIMIT = 500;
    private static final RowMapper<ChunkLocation> LOCATION = (rs, ctx) -> new ChunkLocation(rs.getString("domain"),
            rs.getString("hash"), rs.getString("pack"), rs.getLong("offset_bytes"), rs.getInt("length"),
            rs.getInt("raw_length"));
    private static final RowMapper<PackInfo> PACK = (rs, ctx) -> new PackInfo(rs.getString("id"), rs.getString("domain"),
            rs.getLong("size"), rs.getInt("chunks"), Instant.ofEpochMilli(rs.getLong("created_at")));

    private final Handle handle;

    JdbiChunkIndex(Handle handle) {
        this.handle = handle;
    }

    @Override
    public Optional<ChunkLocation> find(String domain, String hash) {
        return handle.createQuery("SELECT * FROM hub_chunks WHERE domain = :domain AND hash = :hash")
                .bind("domain", domain).bind("hash", hash).map(LOCATION).findOne();
    }

    @Override
    public java.util.Map<String, ChunkLocation> locate(String domain, Collection<String> hashes) {
        java.util.Map<String, ChunkLocation> found = new java.util.HashMap<>();
        for (List<String> part : partition(new java.util.LinkedHashSet<>(hashes))) {
            handle.createQuery("SELECT * FROM hub_chunks WHERE domain = :domain AND hash IN (<hashes>)")
                    .bind("domain", domain).bindList("hashes", part).map(LOCATION)
                    .forEach(location -> found.put(location.hash(), location));
        }
        return found;
    }

    @Override
    public Set<String> present(String domain, Collection<String> hashes) {
        Set<String> found = new HashSet<>();
        for (List<String> part : partition(hashes)) {
            found.addAll(handle.createQuery("SELECT hash FROM hub_chunks WHERE domain = :domain AND hash IN (<hashes>)")
                    .bind("domain", domain).bindList("hashes", part).mapTo(String.class).list());
        }
        return found;
    }

    @Override
    public void touch(String domain, Collection<String> hashes, Instant now) {
        for (List<String> part : partition(hashes)) {
            handle.createUpdate("UPDATE hub_chunks SET last_wanted = :now WHERE domain = :domain AND hash IN (<hashes>)")
                    .bind("now", now.toEpochMilli()).bind("domain", domain).bindList("hashes", part).execute();
        }
    }

    @Override
    public int addPack(PackInfo pack, List<ChunkLocation> chunks, Optional<String> chargedTo, Instant now) {
        handle.createUpdate("INSERT INTO hub_packs (id, domain, size, chunks, created_at) VALUES (:id, :domain, :size,"
                        + " :chunks, :createdAt)")
                .bind("id", pack.id()).bind("domain", pack.domain()).bind("size", pack.size())
                .bind("chunks", pack.chunks()).bind("createdAt", pack.createdAt().toEpochMilli()).execute();
        if (chunks.isEmpty()) {
            return 0;
        }
        PreparedBatch batch = handle.prepareBatch("INSERT INTO hub_chunks (domain, hash, pack, offset_bytes, length,"
                + " raw_length, last_wanted, charged_to) VALUES (:domain, :hash, :pack, :offset, :length, :raw, :now,"
                + " :chargedTo) ON CONFLICT (domain, hash) DO NOTHING");
        for (ChunkLocation chunk : chunks) {
            batch.bind("domain", chunk.domain()).bind("hash", chunk.hash()).bind("pack", chunk.pack())
                    .bind("offset", chunk.offset()).bind("length", chunk.length()).bind("raw", chunk.rawLength())
                    .bind("now", now.toEpochMilli()).bind("chargedTo", chargedTo.orElse(null)).add();
        }
        int added = 0;
        long bytes = 0;
        int[] rows = batch.execute();
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] > 0) {
                added++;
                bytes += chunks.get(i).rawLength();
            }
        }
        if (chargedTo.isPresent() && bytes > 0) {
            JdbiStorageAccounts.charge(handle, chargedTo.get(), bytes);
        }
        return added;
    }

    @Override
    public List<PackInfo> packs() {
        return handle.createQuery("SELECT * FROM hub_packs ORDER BY id").map(PACK).list();
    }

    @Override
    public Optional<PackInfo> pack(String id) {
        return handle.createQuery("SELECT * FROM hub_packs WHERE id = :id").bind("id", id).map(PACK).findOne();
    }

    @Override
    public List<ChunkLocation> chunksIn(String packId) {
        return handle.createQuery("SELECT * FROM hub_chunks WHERE pack = :pack ORDER BY offset_bytes")
                .bind("pack", packId).map(LOCATION).list();
    }

    @Override
    public List<Seen> chunks(String domain) {
        return handle.createQuery("SELECT hash, pack, last_wanted FROM hub_chunks WHERE domain = :domain")
                .bind("domain", domain).map((rs, ctx) -> new Seen(rs.getString("hash"), rs.getString("pack"),
                        Instant.ofEpochMilli(rs.getLong("last_wanted")))).list();
    }

    @Override
    public void deleteChunks(String domain, Collection<String> hashes) {
        for (List<String> part : partition(hashes)) {
            creditBack("domain = :domain AND hash IN (<hashes>)", query -> query.bind("domain", domain)
                    .bindList("hashes", part));
            handle.createUpdate("DELETE FROM hub_chunks WHERE domain = :domain AND hash IN (<hashes>)")
                    .bind("domain", domain).bindList("hashes", part).execute();
        }
    }

    @Override
    public void relocate(List<ChunkLocation> moved) {
        if (moved.isEmpty()) {
            return;
        }
        PreparedBatch batch = handle.prepareBatch("UPDATE hub_chunks SET pack = :pack, offset_bytes = :offset,"
                + " length = :length WHERE domain = :domain AND hash = :hash");
        for (ChunkLocation chunk : moved) {
            batch.bind("pack", chunk.pack()).bind("offset", chunk.offset()).bind("length", chunk.length())
                    .bind("domain", chunk.domain()).bind("hash", chunk.hash()).add();
        }
        batch.execute();
    }

    @Override
    public void deletePack(String id) {
        creditBack("pack = :id", query -> query.bind("id", id));
        handle.createUpdate("DELETE FROM hub_chunks WHERE pack = :id").bind("id", id).execute();
        handle.createUpdate("DELETE FROM hub_packs WHERE id = :id").bind("id", id).execute();
    }

    @Override
    public List<String> domains() {
        return handle.createQuery("SELECT domain FROM hub_keys UNION SELECT domain FROM hub_packs"
                + " UNION SELECT domain FROM hub_repos ORDER BY 1").mapTo(String.class).list();
    }

    /** Credits the bytes of the chunks {@code where} selects back to the accounts they were charged to. */
    private void creditBack(String where, java.util.function.Consumer<org.jdbi.v3.core.statement.Query> binder) {
        var query = handle.createQuery("SELECT charged_to, SUM(raw_length) AS bytes FROM hub_chunks WHERE " + where
                + " AND charged_to IS NOT NULL GROUP BY charged_to");
        binder.accept(query);
        query.map((rs, ctx) -> java.util.Map.entry(rs.getString("charged_to"), rs.getLong("bytes"))).list()
                .forEach(charged -> JdbiStorageAccounts.charge(handle, charged.getKey(), -charged.getValue()));
    }

    private static List<List<String>> partition(Collection<String> values) {
        List<String> all = new ArrayList<>(values);
        List<List<String>> parts = new ArrayList<>();
        for (int i = 0; i < all.size(); i += IN_LIMIT) {
            parts.add(all.subList(i, Math.min(all.size(), i + IN_LIMIT)));
        }
        return parts;
    }
}
