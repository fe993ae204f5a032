package dev.incubator.store;

import dev.incubator.hub.chunk.FileManifest;
import dev.incubator.hub.port.DataKeyRepository;
import dev.incubator.hub.port.FileRepository;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

final class JdbiHubFiles implements FileRepository {
    private final Handle handle;

    JdbiHubFiles(Handle handle) {
        this.handle = handle;
    }

    @Override
    public Optional<FileManifest> find(String domain, String sha256) {
        return handle.createQuery("SELECT size, chunks FROM hub_files WHERE domain = :domain AND sha256 = :sha256")
                .bind("domain", domain).bind("sha256", sha256)
                .map((rs, ctx) -> new FileManifest(domain, sha256, rs.getLong("size"),
                        FileManifest.decodeChunks(rs.getBytes("chunks")))).findOne();
    }

    @Override
    public void save(FileManifest manifest, Instant now) {
        handle.createUpdate("INSERT INTO hub_files (domain, sha256, size, chunks, last_wanted) VALUES (:domain, :sha256,"
                        + " :size, :chunks, :now) ON CONFLICT (domain, sha256) DO UPDATE SET last_wanted = :now")
                .bind("domain", manifest.domain()).bind("sha256", manifest.sha256()).bind("size", manifest.size())
                .bind("chunks", manifest.encodeChunks()).bind("now", now.toEpochMilli()).execute();
    }

    @Override
    public List<Seen> list(String domain) {
        return handle.createQuery("SELECT sha256, last_wanted FROM hub_files WHERE domain = :domain ORDER BY sha256")
                .bind("domain", domain).map((rs, ctx) -> new Seen(rs.getString("sha256"),
                        Instant.ofEpochMilli(rs.getLong("last_wanted")))).list();
    }

    @Override
    public void delete(String domain, String sha256) {
        handle.createUpdate("DELETE FROM hub_files WHERE domain = :domain AND sha256 = :sha256")
                .bind("domain", domain).bind("sha256", sha256).execute();
    }

    static final class Keys implements DataKeyRepository {
        private final Handle handle;

        Keys(Handle handle) {
            this.handle = handle;
        }

        @Override
        public Optional<WrappedKey> find(String domain) {
            return handle.createQuery("SELECT * FROM hub_keys WHERE domain = :domain").bind("domain", domain)
                    .map((rs, ctx) -> new WrappedKey(rs.getString("domain"), rs.getString("wrapper_id"),
                            rs.getBytes("wrapped"), Instant.ofEpochMilli(rs.getLong("created_at")))).findOne();
        }

        @Override
        public WrappedKey insertIfAbsent(WrappedKey key) {
            handle.createUpdate("INSERT INTO hub_keys (domain, wrapper_id, wrapped, created_at) VALUES (:domain,"
                            + " :wrapper, :wrapped, :createdAt) ON CONFLICT (domain) DO NOTHING")
                    .bind("domain", key.domain()).bind("wrapper", key.wrapperId()).bind("wrapped", key.wrapped())
                    .bind("createdAt", key.createdAt().toEpochMilli()).execute();
            return find(key.domain()).orElseThrow();
        }

        @Override
        public boolean delete(String domain) {
            return handle.createUpdate("DELETE FROM hub_keys WHERE domain = :domain").bind("domain", domain)
                    .execute() > 0;
        }
    }
}
