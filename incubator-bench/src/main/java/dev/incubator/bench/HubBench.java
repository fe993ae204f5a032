package dev.incubator.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.cli.IncubatorCommand;
import dev.incubator.server.IncubatorServer;
import dev.incubator.server.config.ServerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * The hub against restic (content-defined chunking, compression and encryption too) on the same files in the
 * same run, and against the disk's raw sequential write speed.
 *
 * <p>Dedup: a series of synthetic bf16 safetensors checkpoints, each derived from the previous by rewriting 5 % of
 * its tensors, then one where every tensor changes slightly (its first 16 KiB); every version is pushed as a commit
 * with {@code incubator hub push} and backed up with {@code restic backup}; stored bytes are compared with the
 * unique content the generator wrote.
 *
 * <p>Throughput: a fresh checkpoint pushed and pulled over loopback, and backed up and restored by restic, in
 * rounds; medians reported.
 *
 * <pre>
 * ./bench HubBench [--dir /var/tmp/hub-bench] [--checkpoint-mib 512] [--versions 10] [--throughput-mib 2048]
 *                  [--rounds 3] [--part all|dedup|throughput]
 * </pre>
 * Needs restic (apt-get install restic).
 */
public final class HubBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TENSORS = 128;
    private static final String PASSWORD = "incubator-bench";

    public static void main(String[] args) throws Exception {
        BenchOptions options = BenchOptions.parse("HubBench", args, BenchOptions.defaults("--dir", "/var/tmp/hub-bench",
                "--checkpoint-mib", "512", "--versions", "10", "--throughput-mib", "2048", "--rounds", "3", "--part",
                "all"));
        Path dir = Path.of(options.string("--dir"));
        deleteTree(dir);
        Files.createDirectories(dir);
        String part = options.string("--part");
        System.out.println("restic: " + run(dir, List.of("restic", "version")).trim());
        double disk = diskWriteMibPerSecond(dir, 1024);
        System.out.printf(Locale.ROOT, "disk sequential write (1 GiB, fsync), median of 3: %.0f MiB/s%n", disk);
        if (part.equals("all") || part.equals("dedup")) {
            dedup(dir.resolve("dedup"), options.integer("--checkpoint-mib"),
                    options.integer("--versions"));
        }
        if (part.equals("all") || part.equals("throughput")) {
            throughput(dir.resolve("throughput"), options.integer("--throughput-mib"),
                    options.integer("--rounds"), disk);
        }
        deleteTree(dir);
    }

    // ------------------------------------------------------------------------------------------------------ dedup

    private static void dedup(Path dir, int checkpointMib, int versions) throws Exception {
        Path work = dir.resolve("work");
        Files.createDirectories(work);
        Path file = work.resolve("model.safetensors");
        Checkpoint checkpoint = new Checkpoint(checkpointMib * 1024L * 1024 / TENSORS);
        SplittableRandom random = new SplittableRandom(42);
        long unique = checkpoint.writeFresh(file, random);
        try (Incubator incubator = Incubator.start(dir.resolve("server")); Restic restic = Restic.init(dir.resolve("restic"))) {
            incubator.cli("hub", "create", "lab/series");
            System.out.println();
            System.out.println("| version | change | unique bytes so far | incubator stored | restic stored |");
            System.out.println("|---|---|---|---|---|");
            for (int version = 0; version <= versions; version++) {
                String change = "new";
                if (version > 0 && version < versions) {
                    unique += checkpoint.rewriteTensors(file, random, 0.05);
                    change = "5 % of tensors rewritten";
                } else if (version == versions) {
                    unique += checkpoint.touchEveryTensor(file, random, 16 * 1024);
                    change = "every tensor: first 16 KiB";
                }
                incubator.cli("hub", "push", work.toString(), "lab/series", "-m", "v" + version);
                restic.backup(work);
                System.out.printf(Locale.ROOT, "| v%d | %s | %s | %s | %s |%n", version, change, mib(unique),
                        mib(incubator.storedBytes()), mib(restic.storedBytes()));
            }
            long ours = incubator.storedBytes();
            long theirs = restic.storedBytes();
            System.out.println();
            System.out.printf(Locale.ROOT, "dedup: %d versions of %d MiB; unique content %s; incubator stores %s "
                            + "(%.3f x unique; packs %s + metadata %s), restic %s (%.3f x unique); incubator/restic %.3f%n",
                    versions + 1, checkpointMib, mib(unique), mib(ours), ours / (double) unique,
                    mib(incubator.packBytes()), mib(incubator.metadataBytes()), mib(theirs), theirs / (double) unique,
                    ours / (double) theirs);
        }
    }

    // ------------------------------------------------------------------------------------------------- throughput

    private static void throughput(Path dir, int mib, int rounds, double disk) throws Exception {
        List<double[]> results = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            deleteTree(dir);
            Path source = dir.resolve("source");
            Files.createDirectories(source);
            Path file = source.resolve("checkpoint.safetensors");
            new Checkpoint(mib * 1024L * 1024 / TENSORS).writeFresh(file, new SplittableRandom(round));
            long bytes = Files.size(file);
            double push;
            double pull;
            try (Incubator incubator = Incubator.start(dir.resolve("server"))) {
                incubator.cli("hub", "create", "lab/big");
                long started = System.nanoTime();
                incubator.cli("hub", "push", source.toString(), "lab/big");
                push = seconds(started);
                started = System.nanoTime();
                incubator.cli("hub", "pull", "lab/big", dir.resolve("pulled").toString());
                pull = seconds(started);
                if (Files.mismatch(file, dir.resolve("pulled/checkpoint.safetensors")) != -1) {
                    throw new IllegalStateException("pulled file differs");
                }
            }
            double backup;
            double restore;
            try (Restic restic = Restic.init(dir.resolve("restic"))) {
                long started = System.nanoTime();
                restic.backup(source);
                backup = seconds(started);
                started = System.nanoTime();
                restic.restore(dir.resolve("restored"));
                restore = seconds(started);
            }
            double mibTotal = bytes / 1048576.0;
            double[] rates = {mibTotal / push, mibTotal / pull, mibTotal / backup, mibTotal / restore};
            results.add(rates);
            System.out.printf(Locale.ROOT, "round %d: push %.0f MiB/s, pull %.0f MiB/s, restic backup %.0f MiB/s, "
                    + "restic restore %.0f MiB/s%n", round, rates[0], rates[1], rates[2], rates[3]);
        }
        double[] median = new double[4];
        for (int i = 0; i < 4; i++) {
            int index = i;
            double[] column = results.stream().mapToDouble(rates -> rates[index]).sorted().toArray();
            median[i] = column[column.length / 2];
        }
        System.out.println();
        System.out.println("| operation | median MiB/s | x restic | fraction of disk write (" + Math.round(disk)
                + " MiB/s) |");
        System.out.println("|---|---|---|---|");
        System.out.printf(Locale.ROOT, "| incubator hub push | %.0f | %.2f | %.2f |%n", median[0], median[0] / median[2],
                median[0] / disk);
        System.out.printf(Locale.ROOT, "| restic backup | %.0f | 1.00 | %.2f |%n", median[2], median[2] / disk);
        System.out.printf(Locale.ROOT, "| incubator hub pull | %.0f | %.2f | %.2f |%n", median[1], median[1] / median[3],
                median[1] / disk);
        System.out.printf(Locale.ROOT, "| restic restore | %.0f | 1.00 | %.2f |%n", median[3], median[3] / disk);
    }

    // ------------------------------------------------------------------------------------------------ the pieces

    /** A safetensors file of {@value #TENSORS} bf16 tensors of equal size, with weights-like byte statistics. */
    private static final class Checkpoint {
        private final long tensorBytes;
        private final long headerBytes;

        Checkpoint(long tensorBytes) {
            this.tensorBytes = tensorBytes - tensorBytes % 2;
            this.headerBytes = header().length;
        }

        private byte[] header() {
            StringBuilder json = new StringBuilder("{");
            for (int i = 0; i < TENSORS; i++) {
                long start = i * tensorBytes;
                json.append(i == 0 ? "" : ",").append("\"model.layers.").append(i / 4).append(".w").append(i % 4)
                        .append("\":{\"dtype\":\"BF16\",\"shape\":[").append(tensorBytes / 2).append("],")
                        .append("\"data_offsets\":[").append(start).append(',').append(start + tensorBytes).append("]}");
            }
            byte[] text = json.append('}').toString().getBytes(StandardCharsets.UTF_8);
            ByteBuffer buffer = ByteBuffer.allocate(8 + text.length).order(ByteOrder.LITTLE_ENDIAN);
            buffer.putLong(text.length).put(text);
            return buffer.array();
        }

        long writeFresh(Path file, SplittableRandom random) throws IOException {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(ByteBuffer.wrap(header()));
                for (int i = 0; i < TENSORS; i++) {
                    channel.write(ByteBuffer.wrap(weights(random, tensorBytes)));
                }
            }
            return Files.size(file);
        }

        /** Rewrites a share of the tensors; returns the bytes written. */
        long rewriteTensors(Path file, SplittableRandom random, double share) throws IOException {
            int count = (int) Math.ceil(TENSORS * share);
            int[] chosen = random.ints(0, TENSORS).distinct().limit(count).toArray();
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                for (int tensor : chosen) {
                    channel.write(ByteBuffer.wrap(weights(random, tensorBytes)), headerBytes + tensor * tensorBytes);
                }
            }
            return count * tensorBytes;
        }

        /** Changes the first {@code bytes} of every tensor; returns the bytes written. */
        long touchEveryTensor(Path file, SplittableRandom random, int bytes) throws IOException {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                for (int tensor = 0; tensor < TENSORS; tensor++) {
                    channel.write(ByteBuffer.wrap(weights(random, bytes)), headerBytes + tensor * tensorBytes);
                }
            }
            return (long) TENSORS * bytes;
        }

        /** bf16 values near N(0, 0.02): random sign and mantissa, exponents concentrated as in trained weights. */
        private static byte[] weights(SplittableRandom random, long size) {
            byte[] out = new byte[(int) size];
            for (int i = 0; i + 1 < out.length; i += 2) {
                int bits = random.nextInt();
                int exponent = 121 - Integer.numberOfTrailingZeros(bits | 0x100) ;
                int mantissa = (bits >>> 9) & 0x7F;
                int sign = (bits >>> 16) & 1;
                int value = (sign << 15) | (exponent << 7) | mantissa;
                out[i] = (byte) value;
                out[i + 1] = (byte) (value >>> 8);
            }
            return out;
        }
    }

    /** A server on the embedded defaults in its own data directory, and the CLI pointed at it. */
    private static final class Incubator implements AutoCloseable {
        private final IncubatorServer server;
        private final Path dataDir;

        private Incubator(IncubatorServer server, Path dataDir) {
            this.server = server;
            this.dataDir = dataDir;
        }

        static Incubator start(Path dataDir) throws IOException {
            ServerConfig config = ServerConfig.load(Optional.empty(), Map.of(), Map.of("data-dir", dataDir.toString(),
                    "server.port", "0", "server.access-log", "false"));
            IncubatorServer server = IncubatorServer.start(config);
            String token = Files.readString(dataDir.resolve("bootstrap-token")).strip();
            IncubatorCommand.useEnvironment(Map.of("INCUBATOR_URL", server.url().toString(), "INCUBATOR_TOKEN", token,
                    "XDG_CONFIG_HOME", dataDir.resolve("cli").toString()));
            Incubator incubator = new Incubator(server, dataDir);
            incubator.cli("org", "create", "lab", "--kind", "lab");
            return incubator;
        }

        JsonNode cli(String... args) throws IOException {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine commandLine = IncubatorCommand.commandLine();
            commandLine.setOut(new PrintWriter(out));
            commandLine.setErr(new PrintWriter(err));
            String[] withJson = Arrays.copyOf(args, args.length + 2);
            withJson[args.length] = "-o";
            withJson[args.length + 1] = "json";
            int exit = commandLine.execute(withJson);
            if (exit != 0) {
                throw new IllegalStateException("incubator " + String.join(" ", args) + " failed: " + err);
            }
            return JSON.readTree(out.toString());
        }

        long packBytes() throws IOException {
            return treeSize(dataDir.resolve("blobs"));
        }

        long metadataBytes() throws IOException {
            long total = 0;
            for (String name : List.of("incubator.db", "incubator.db-wal")) {
                Path file = dataDir.resolve(name);
                total += Files.exists(file) ? Files.size(file) : 0;
            }
            return total;
        }

        long storedBytes() throws IOException {
            return packBytes() + metadataBytes();
        }

        @Override
        public void close() {
            server.close();
        }
    }

    /** A restic repository (repository format 2: zstd compression) with its CLI. */
    private static final class Restic implements AutoCloseable {
        private final Path repo;

        private Restic(Path repo) {
            this.repo = repo;
        }

        static Restic init(Path repo) throws IOException, InterruptedException {
            Files.createDirectories(repo.getParent());
            Restic restic = new Restic(repo);
            restic.restic("init", "--repository-version", "2");
            return restic;
        }

        void backup(Path directory) throws IOException, InterruptedException {
            restic("backup", "--quiet", directory.toString());
        }

        void restore(Path target) throws IOException, InterruptedException {
            restic("restore", "latest", "--target", target.toString());
        }

        long storedBytes() throws IOException {
            return treeSize(repo);
        }

        private String restic(String... args) throws IOException, InterruptedException {
            List<String> command = new ArrayList<>(List.of("restic", "--repo", repo.toString(), "--no-cache"));
            command.addAll(List.of(args));
            return run(repo.getParent(), command);
        }

        @Override
        public void close() {
        }
    }

    private static String run(Path dir, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().put("RESTIC_PASSWORD", PASSWORD);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(1, TimeUnit.HOURS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
        return output;
    }

    /** Writes {@code mib} MiB of random bytes and forces them to disk, three times; the median rate. */
    private static double diskWriteMibPerSecond(Path dir, int mib) throws IOException {
        byte[] block = new byte[16 * 1024 * 1024];
        new SplittableRandom(1).nextBytes(block);
        double[] rates = new double[3];
        for (int round = 0; round < rates.length; round++) {
            Path file = dir.resolve("disk-probe");
            long started = System.nanoTime();
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                for (int written = 0; written < mib; written += 16) {
                    channel.write(ByteBuffer.wrap(block));
                }
                channel.force(true);
            }
            rates[round] = mib / seconds(started);
            Files.delete(file);
        }
        Arrays.sort(rates);
        return rates[1];
    }

    private static long treeSize(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(path -> path.toFile().length()).sum();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path path : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private static double seconds(long started) {
        return (System.nanoTime() - started) / 1e9;
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
