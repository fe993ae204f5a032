package dev.incubator.bench;

import dev.incubator.common.audit.AuditEvent;
import dev.incubator.governance.audit.HeadSigner;
import dev.incubator.governance.audit.Merkle;
import dev.incubator.governance.audit.Tiles;
import dev.incubator.governance.audit.TreeBuilder;
import dev.incubator.governance.audit.TreeHead;
import dev.incubator.governance.audit.VerifiableAuditLog;
import dev.incubator.store.Database;
import dev.incubator.store.JdbiAuditTree;
import dev.incubator.store.JdbiTenancyStore;
import dev.incubator.store.StoreConfig;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The verifiable audit log: appends per second (one event per transaction, as a service change does, and batched),
 * the integrator's rate (leaf hashes, tiles, a signed head), and inclusion proofs in a log of ten million leaves
 * with tiles in memory and in SQLite.
 *
 * <pre>
 * ./bench AuditBench [--events 100000] [--leaves 10000000] [--proofs 2000]
 * </pre>
 */
public final class AuditBench {
    public static void main(String[] args) throws Exception {
        BenchOptions options = BenchOptions.parse("AuditBench", args, BenchOptions.defaults("--events", "100000", "--leaves",
                "10000000", "--proofs", "2000"));
        int events = options.integer("--events");
        long leaves = options.number("--leaves");
        int proofs = options.integer("--proofs");
        Path dir = Files.createTempDirectory("audit-bench");
        try (Database database = Database.open(StoreConfig.sqlite(dir.resolve("incubator.db")))) {
            appends(database, events);
            integration(database, dir);
        }
        proofs(dir, leaves, proofs);
    }

    private static void appends(Database database, int events) {
        JdbiTenancyStore store = new JdbiTenancyStore(database);
        int single = Math.min(events / 10, 5_000);
        long started = System.nanoTime();
        for (int i = 0; i < single; i++) {
            AuditEvent event = event(i);
            store.write(repositories -> repositories.audit().append(event));
        }
        double perTransaction = single / seconds(started);
        started = System.nanoTime();
        int batch = 1_000;
        for (int i = 0; i < events; i += batch) {
            int first = i;
            store.write(repositories -> {
                for (int j = first; j < Math.min(events, first + batch); j++) {
                    repositories.audit().append(event(j));
                }
                return null;
            });
        }
        double batched = events / seconds(started);
        System.out.printf(Locale.ROOT, "append, one event per transaction (SQLite, synchronous=FULL): %.0f events/s"
                + " (%d events)%n", perTransaction, single);
        System.out.printf(Locale.ROOT, "append, %d events per transaction: %.0f events/s (%d events)%n", batch, batched,
                events);
    }

    private static void integration(Database database, Path dir) throws Exception {
        VerifiableAuditLog log = new VerifiableAuditLog(new JdbiAuditTree(database),
                HeadSigner.loadOrCreate(dir.resolve("audit.key")), Clock.systemUTC(), Duration.ofSeconds(5));
        long started = System.nanoTime();
        TreeHead head = log.integrate();
        System.out.printf(Locale.ROOT, "integration into the Merkle tree (leaf hashes, tiles, signed head): %.0f"
                + " events/s (%d events)%n", head.treeSize() / seconds(started), head.treeSize());
        started = System.nanoTime();
        int samples = 1_000;
        for (int i = 0; i < samples; i++) {
            log.inclusion(1 + (i * 7919L) % head.treeSize(), head.treeSize());
        }
        System.out.printf(Locale.ROOT, "inclusion proof through the service (SQLite tiles, cached): %.1f us mean%n",
                seconds(started) * 1e6 / samples);
    }

    private static void proofs(Path dir, long leaves, int proofs) throws Exception {
        Map<Long, byte[]> memory = new HashMap<>();
        TreeBuilder builder = new TreeBuilder(0, (level, index) -> Optional.empty());
        ByteBuffer seed = ByteBuffer.allocate(8);
        long started = System.nanoTime();
        for (long i = 0; i < leaves; i++) {
            seed.clear();
            seed.putLong(i);
            builder.append(Merkle.leafHash(seed.array()));
            if ((i & 0xFFFF) == 0xFFFF) {
                builder.drainChanged().forEach(tile -> memory.put(key(tile.level(), tile.index()), tile.hashes()));
            }
        }
        builder.drainChanged().forEach(tile -> memory.put(key(tile.level(), tile.index()), tile.hashes()));
        System.out.printf(Locale.ROOT, "built a tiled tree of %d leaves in %.1f s (%d tiles)%n", leaves,
                seconds(started), memory.size());

        Tiles cached = new Tiles((level, index) -> Optional.ofNullable(memory.get(key(level, index))), 4_096);
        byte[] root = Merkle.root(cached, leaves);
        System.out.printf(Locale.ROOT, "inclusion proof, tiles in memory (cache of 4096 tiles): %s%n",
                measure(cached, leaves, root, proofs));

        // The same tiles in SQLite; every proof reads its tiles from the database (no cache).
        try (Database database = Database.open(StoreConfig.sqlite(dir.resolve("tiles.db")))) {
            JdbiAuditTree tree = new JdbiAuditTree(database);
            List<TreeBuilder.Tile> all = new ArrayList<>();
            memory.forEach((key, hashes) -> all.add(new TreeBuilder.Tile((int) (key >>> 56), key & ((1L << 56) - 1),
                    hashes)));
            started = System.nanoTime();
            for (int i = 0; i < all.size(); i += 5_000) {
                tree.integrate(0, List.of(), all.subList(i, Math.min(all.size(), i + 5_000)),
                        new TreeHead(leaves, root, Instant.now(), new byte[64]));
            }
            System.out.printf(Locale.ROOT, "stored %d tiles in SQLite in %.1f s%n", all.size(), seconds(started));
            Tiles uncached = new Tiles(tree::tile, 0);
            System.out.printf(Locale.ROOT, "inclusion proof, tiles read from SQLite for every proof: %s%n",
                    measure(uncached, leaves, root, proofs));
        }
    }

    private static String measure(Tiles tiles, long leaves, byte[] root, int proofs) {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < Math.min(200, proofs); i++) {
            Merkle.inclusionProof(tiles, random.nextLong(leaves), leaves);
        }
        double[] micros = new double[proofs];
        ByteBuffer seed = ByteBuffer.allocate(8);
        for (int i = 0; i < proofs; i++) {
            long index = random.nextLong(leaves);
            long started = System.nanoTime();
            List<byte[]> path = Merkle.inclusionProof(tiles, index, leaves);
            micros[i] = (System.nanoTime() - started) / 1e3;
            seed.clear();
            seed.putLong(index);
            if (!Merkle.verifyInclusion(Merkle.leafHash(seed.array()), index, leaves, path, root)) {
                throw new IllegalStateException("proof of " + index + " does not verify");
            }
        }
        Arrays.sort(micros);
        return String.format(Locale.ROOT, "median %.1f us, p99 %.1f us, max %.1f us (%d random leaves, each verified)",
                micros[proofs / 2], micros[(int) (proofs * 0.99)], micros[proofs - 1], proofs);
    }

    private static AuditEvent event(int i) {
        return new AuditEvent(0, Instant.now(), "user:bench", "job.submit", "job", "job_" + i, Optional.of("org_bench"),
                "req_" + i, AuditEvent.Outcome.SUCCESS, "127.0.0.1", Map.of("gpus", Integer.toString(i % 8)));
    }

    private static long key(int level, long index) {
        return ((long) level << 56) | index;
    }

    private static double seconds(long started) {
        return (System.nanoTime() - started) / 1e9;
    }
}
