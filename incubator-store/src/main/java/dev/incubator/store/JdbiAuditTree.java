package dev.incubator.store;

import dev.incubator.common.audit.AuditEvent;
import dev.incubator.governance.audit.AuditTreeStore;
import dev.incubator.governance.audit.AuditTreeStore.Cosignature;
import dev.incubator.governance.audit.AuditTreeStore.Witness;
import dev.incubator.governance.audit.TreeBuilder;
import dev.incubator.governance.audit.TreeHead;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.PreparedBatch;

/** The audit tree in the metadata store, next to the events it is built from. */
public final class JdbiAuditTree implements AuditTreeStore {
    private static final RowMapper<TreeHead> HEAD = (rs, ctx) -> new TreeHead(rs.getLong("tree_size"),
            rs.getBytes("root_hash"), Instant.ofEpochMilli(rs.getLong("issued_at")), rs.getBytes("signature"));

    private final Transactions transactions;

    public JdbiAuditTree(Database database) {
        this.transactions = database.transactions();
    }

    @Override
    public State state() {
        return transactions.read(handle -> handle.createQuery("SELECT count(*) AS size, coalesce(max(seq), 0) AS last"
                        + " FROM audit_leaves")
                .map((rs, ctx) -> new State(rs.getLong("size"), rs.getLong("last"))).one());
    }

    @Override
    public List<AuditEvent> eventsAfter(long sequence, int limit) {
        return transactions.read(handle -> new JdbiAuditLog(handle).after(sequence, limit));
    }

    @Override
    public void integrate(long firstIndex, List<AuditEvent> leaves, List<TreeBuilder.Tile> tiles, TreeHead head) {
        transactions.write(handle -> {
            if (!leaves.isEmpty()) {
                PreparedBatch batch = handle.prepareBatch("INSERT INTO audit_leaves (leaf_index, seq) VALUES (:index,"
                        + " :seq)");
                for (int i = 0; i < leaves.size(); i++) {
                    batch.bind("index", firstIndex + i).bind("seq", leaves.get(i).sequence()).add();
                }
                batch.execute();
            }
            if (!tiles.isEmpty()) {
                PreparedBatch batch = handle.prepareBatch("INSERT INTO audit_tiles (level, idx, hashes) VALUES (:level,"
                        + " :idx, :hashes) ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes");
                for (TreeBuilder.Tile tile : tiles) {
                    batch.bind("level", tile.level()).bind("idx", tile.index()).bind("hashes", tile.hashes()).add();
                }
                batch.execute();
            }
            handle.createUpdate("INSERT INTO audit_heads (tree_size, root_hash, issued_at, signature) VALUES (:size,"
                            + " :root, :issuedAt, :signature) ON CONFLICT (tree_size) DO NOTHING")
                    .bind("size", head.treeSize()).bind("root", head.rootHash())
                    .bind("issuedAt", head.timestamp().toEpochMilli()).bind("signature", head.signature()).execute();
            return null;
        });
    }

    @Override
    public Optional<byte[]> tile(int level, long index) {
        return transactions.read(handle -> handle.createQuery("SELECT hashes FROM audit_tiles WHERE level = :level"
                        + " AND idx = :idx").bind("level", level).bind("idx", index).mapTo(byte[].class).findOne());
    }

    @Override
    public Optional<TreeHead> latestHead() {
        return transactions.read(handle -> handle.createQuery("SELECT * FROM audit_heads ORDER BY tree_size DESC"
                + " LIMIT 1").map(HEAD).findOne());
    }

    @Override
    public Optional<TreeHead> head(long treeSize) {
        return transactions.read(handle -> handle.createQuery("SELECT * FROM audit_heads WHERE tree_size = :size")
                .bind("size", treeSize).map(HEAD).findOne());
    }

    @Override
    public List<TreeHead> heads(long afterSize, int limit) {
        return transactions.read(handle -> handle.createQuery("SELECT * FROM audit_heads WHERE tree_size > :after"
                        + " ORDER BY tree_size LIMIT :limit").bind("after", afterSize).bind("limit", limit)
                .map(HEAD).list());
    }

    @Override
    public List<Leaf> leaves(long from, long to) {
        return transactions.read(handle -> {
            Map<Long, Long> sequences = new HashMap<>();
            handle.createQuery("SELECT leaf_index, seq FROM audit_leaves WHERE leaf_index >= :from AND leaf_index < :to")
                    .bind("from", from).bind("to", to)
                    .map((rs, ctx) -> Map.entry(rs.getLong("leaf_index"), rs.getLong("seq")))
                    .forEach(entry -> sequences.put(entry.getKey(), entry.getValue()));
            Map<Long, AuditEvent> events = new HashMap<>();
            if (!sequences.isEmpty()) {
                long low = sequences.values().stream().mapToLong(Long::longValue).min().orElseThrow();
                long high = sequences.values().stream().mapToLong(Long::longValue).max().orElseThrow();
                new JdbiAuditLog(handle).between(low, high).forEach(event -> events.put(event.sequence(), event));
            }
            List<Leaf> leaves = new ArrayList<>();
            for (long index = from; index < to; index++) {
                Long seq = sequences.get(index);
                leaves.add(new Leaf(index, seq == null ? Optional.empty() : Optional.ofNullable(events.get(seq))));
            }
            return leaves;
        });
    }

    @Override
    public Optional<Long> leafIndexOf(long sequence) {
        return transactions.read(handle -> handle.createQuery("SELECT leaf_index FROM audit_leaves WHERE seq = :seq")
                .bind("seq", sequence).mapTo(Long.class).findOne());
    }

    private static final RowMapper<Witness> WITNESS = (rs, ctx) -> new Witness(rs.getString("name"),
            rs.getString("public_key"), rs.getString("added_by"), Instant.ofEpochMilli(rs.getLong("created_at")));
    private static final RowMapper<Cosignature> COSIGNATURE = (rs, ctx) -> new Cosignature(rs.getString("witness"),
            rs.getLong("tree_size"), rs.getBytes("signature"), Instant.ofEpochMilli(rs.getLong("cosigned_at")));

    @Override
    public boolean addWitness(Witness witness, AuditEvent audit) {
        return transactions.write(handle -> {
            int added = handle.createUpdate("INSERT INTO audit_witnesses (name, public_key, added_by, created_at)"
                            + " VALUES (:name, :key, :by, :at) ON CONFLICT (name) DO NOTHING")
                    .bind("name", witness.name()).bind("key", witness.publicKey()).bind("by", witness.addedBy())
                    .bind("at", witness.addedAt().toEpochMilli()).execute();
            if (added == 1) {
                new JdbiAuditLog(handle).append(audit);
            }
            return added == 1;
        });
    }

    @Override
    public Optional<Witness> witness(String name) {
        return transactions.read(handle -> handle.createQuery("SELECT * FROM audit_witnesses WHERE name = :name")
                .bind("name", name).map(WITNESS).findOne());
    }

    @Override
    public List<Witness> witnesses() {
        return transactions.read(handle -> handle.createQuery("SELECT * FROM audit_witnesses ORDER BY name")
                .map(WITNESS).list());
    }

    @Override
    public boolean addCosignature(Cosignature cosignature) {
        return transactions.write(handle -> handle.createUpdate("INSERT INTO audit_cosignatures (tree_size, witness,"
                        + " signature, cosigned_at) VALUES (:size, :witness, :signature, :at)"
                        + " ON CONFLICT (tree_size, witness) DO NOTHING")
                .bind("size", cosignature.treeSize()).bind("witness", cosignature.witness())
                .bind("signature", cosignature.signature()).bind("at", cosignature.cosignedAt().toEpochMilli())
                .execute() == 1);
    }

    @Override
    public List<Cosignature> cosignatures(long treeSize) {
        return transactions.read(handle -> handle.createQuery("SELECT * FROM audit_cosignatures WHERE tree_size = :size"
                + " ORDER BY witness").bind("size", treeSize).map(COSIGNATURE).list());
    }

    @Override
    public List<Cosignature> latestCosignatures() {
        return transactions.read(handle -> handle.createQuery("SELECT c.* FROM audit_cosignatures c JOIN (SELECT"
                + " witness, max(tree_size) AS size FROM audit_cosignatures GROUP BY witness) latest ON"
                + " c.witness = latest.witness AND c.tree_size = latest.size ORDER BY c.witness")
                .map(COSIGNATURE).list());
    }
}
