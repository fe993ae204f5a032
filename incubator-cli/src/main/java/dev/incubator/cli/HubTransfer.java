package dev.incubator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.incubator.hub.chunk.Chunker;
import dev.incubator.hub.chunk.Hashes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * The client side of push and pull. Push splits files into the server's content-defined chunks, asks which
 * the repository lacks, uploads only those (so a push that was interrupted resumes where it stopped) and
 * commits on the branch head it started from. Pull downloads what differs into {@code .part} files, resumes
 * them with Range requests, checks each file's SHA-256 and only then renames it into place.
 */
final class HubTransfer {
    /** Bytes of chunk frames per upload request (about one pack on the server). */
    private static final int BATCH_BYTES = 32 * 1024 * 1024;
    private static final int HASHES_PER_QUESTION = 8_000;

    private final ApiClient client;
    private final String repoPath;

    HubTransfer(ApiClient client, RepoRef repo) {
        this.client = client;
        this.repoPath = "/api/v1/repos/" + repo.kind() + "/" + ApiClient.segment(repo.namespace()) + "/"
                + ApiClient.segment(repo.name());
    }

    /** A repository named on the command line: {@code ns/name}, {@code datasets/ns/name}, optional {@code @rev}. */
    record RepoRef(String kind, String namespace, String name, String revision) {
        static RepoRef parse(String text) {
            String revision = "main";
            int at = text.indexOf('@');
            if (at >= 0) {
                revision = text.substring(at + 1);
                text = text.substring(0, at);
            }
            String kind = "model";
            if (text.startsWith("datasets/")) {
                kind = "dataset";
                text = text.substring("datasets/".length());
            } else if (text.startsWith("models/")) {
                text = text.substring("models/".length());
            }
            String[] parts = text.split("/");
            if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty() || revision.isEmpty()) {
                throw new CliException("name a repository as NAMESPACE/NAME or datasets/NAMESPACE/NAME, optionally"
                        + " followed by @REVISION, not '" + text + "'");
            }
            return new RepoRef(kind, parts[0], parts[1], revision);
        }

        String display() {
            return (kind.equals("dataset") ? "datasets/" : "") + namespace + "/" + name;
        }
    }

    record LocalFile(String path, Path file, long size, String sha256, List<Object[]> chunks) {
    }

    /** {@code unchanged}: the branch already held exactly this content, so no commit was made. */
    record PushResult(JsonNode commit, int files, long bytes, long sentBytes, int sentChunks, int totalChunks,
                      double seconds, boolean unchanged) {
    }

    PushResult push(Path directory, String branch, String message, boolean deleteMissing) throws IOException {
        long started = System.nanoTime();
        String head = null;
        for (JsonNode ref : client.get(repoPath).path("refs")) {
            if (ref.path("name").asText().equals(branch)) {
                head = ref.path("commit").asText();
            }
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(directory)) {
            files = walk.filter(Files::isRegularFile).filter(path -> !relative(directory, path).startsWith(".git/")
                    && !relative(directory, path).startsWith(".incubator/")).sorted().toList();
        }
        long total = 0;
        for (Path file : files) {
            total += Files.size(file);
        }
        Chunker chunker = new Chunker(Chunker.Params.DEFAULT);
        Progress progress = Progress.onTerminal("pushing", total);
        // A scanner thread chunks and hashes files; this thread asks which chunks the hub lacks, a batch at a time,
        // and hands those to the uploader, so hashing here and sealing on the server overlap.
        java.util.concurrent.BlockingQueue<Object> scanned = new java.util.concurrent.ArrayBlockingQueue<>(4);
        java.util.concurrent.CompletableFuture<List<LocalFile>> scanning = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> {
                    try {
                        List<LocalFile> result = new ArrayList<>();
                        for (Path file : files) {
                            result.add(scan(chunker, directory, file, progress, scanned));
                        }
                        scanned.put(Boolean.TRUE);
                        return result;
                    } catch (IOException e) {
                        scanned.offer(e);
                        throw new java.io.UncheckedIOException(e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new CliException("interrupted");
                    }
                });
        Set<String> asked = new HashSet<>();
        int toSend = 0;
        long sent;
        try (Uploader uploader = new Uploader()) {
            while (true) {
                Object item;
                try {
                    item = scanned.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CliException("interrupted");
                }
                if (item instanceof IOException e) {
                    throw e;
                }
                if (!(item instanceof ScannedBatch batch)) {
                    break;
                }
                List<String> fresh = new ArrayList<>();
                for (ChunkAt chunk : batch.chunks()) {
                    if (asked.add(chunk.hash())) {
                        fresh.add(chunk.hash());
                    }
                }
                Set<String> missing = new HashSet<>();
                for (int i = 0; i < fresh.size(); i += HASHES_PER_QUESTION) {
                    JsonNode answer = client.postPlain(repoPath + "/chunks/missing", Map.of("chunks",
                            fresh.subList(i, Math.min(fresh.size(), i + HASHES_PER_QUESTION))));
                    answer.path("missing").forEach(node -> missing.add(node.asText()));
                }
                toSend += missing.size();
                for (ChunkAt chunk : batch.chunks()) {
                    if (missing.remove(chunk.hash())) {
                        uploader.add(batch.file(), chunk);
                    }
                }
            }
            uploader.flush();
            sent = uploader.sent;
        }
        progress.finish();
        List<LocalFile> local;
        try {
            local = scanning.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new CliException(e.getMessage());
        }
        int distinct = asked.size();

        Map<String, Object> body = new LinkedHashMap<>();
        body.put("branch", branch);
        body.put("message", message);
        if (head != null) {
            body.put("parent", head);
        }
        List<Map<String, Object>> entries = new ArrayList<>();
        Set<String> localPaths = new HashSet<>();
        for (LocalFile file : local) {
            localPaths.add(file.path());
            entries.add(Map.of("path", file.path(), "sha256", file.sha256(), "size", file.size(), "chunks",
                    file.chunks()));
        }
        Map<String, String> remoteFiles = new HashMap<>();
        if (head != null) {
            for (JsonNode remote : client.get(repoPath + "/tree/" + head).path("files")) {
                remoteFiles.put(remote.path("path").asText(), remote.path("sha256").asText());
            }
        }
        if (deleteMissing) {
            for (String path : remoteFiles.keySet()) {
                if (!localPaths.contains(path)) {
                    entries.add(Map.of("path", path, "delete", true));
                }
            }
        }
        // Nothing to say: every file is there with this content and nothing is to be deleted. No empty commit.
        boolean unchanged = head != null && local.stream().allMatch(file -> file.sha256().equals(remoteFiles.get(
                file.path()))) && entries.size() == local.size();
        if (unchanged) {
            com.fasterxml.jackson.databind.node.ObjectNode current = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            current.put("id", head);
            return new PushResult(current, local.size(), total, sent, toSend, distinct,
                    (System.nanoTime() - started) / 1e9, true);
        }
        body.put("files", entries);
        JsonNode commit = client.postPlain(repoPath + "/commits", body);
        return new PushResult(commit, local.size(), total, sent, toSend, distinct, (System.nanoTime() - started) / 1e9,
                false);
    }

    /** A chunk of a file: its hash and where it is. */
    record ChunkAt(String hash, long offset, int length) {
    }

    /** Chunks of one file, in order, as the scanner hands them over. */
    record ScannedBatch(Path file, List<ChunkAt> chunks) {
    }

    private static final int SCAN_BATCH = 2_048;

    /** Chunks a file and hashes each chunk (handing them over in batches), while another thread hashes the file. */
    private static LocalFile scan(Chunker chunker, Path directory, Path file, Progress progress,
                                  java.util.concurrent.BlockingQueue<Object> out) throws IOException {
        java.util.concurrent.CompletableFuture<String> whole = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return sha256(file);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        List<Object[]> chunks = new ArrayList<>();
        List<ChunkAt> batch = new ArrayList<>();
        long[] offset = {0};
        try (InputStream in = Files.newInputStream(file)) {
            chunker.split(in, (buffer, start, length) -> {
                String hash = Hashes.sha256(buffer, start, length);
                chunks.add(new Object[] {hash, length});
                batch.add(new ChunkAt(hash, offset[0], length));
                offset[0] += length;
                progress.add(length);
                if (batch.size() >= SCAN_BATCH) {
                    hand(out, new ScannedBatch(file, List.copyOf(batch)));
                    batch.clear();
                }
            });
        }
        if (!batch.isEmpty()) {
            hand(out, new ScannedBatch(file, List.copyOf(batch)));
        }
        try {
            return new LocalFile(relative(directory, file), file, offset[0], whole.join(), chunks);
        } catch (java.util.concurrent.CompletionException e) {
            throw new CliException("could not read " + file + ": " + e.getCause().getMessage());
        }
    }

    private static void hand(java.util.concurrent.BlockingQueue<Object> out, ScannedBatch batch)
            throws java.io.InterruptedIOException {
        try {
            out.put(batch);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        }
    }

    /**
     * Packs missing chunks into upload requests of about {@link #BATCH_BYTES}, two requests in flight, reading each
     * chunk at its offset (the server checks every chunk's hash, so a file changed since the scan fails).
     */
    private final class Uploader implements AutoCloseable {
        private final ExecutorService pool = Executors.newFixedThreadPool(2);
        private final List<Future<?>> inFlight = new ArrayList<>();
        private final Map<Path, java.nio.channels.FileChannel> channels = new LinkedHashMap<>();
        private byte[] batch = new byte[BATCH_BYTES + Chunker.Params.DEFAULT.max() + 64];
        private int used;
        long sent;

        void add(Path file, ChunkAt chunk) throws IOException {
            java.nio.channels.FileChannel channel = channels.get(file);
            if (channel == null) {
                channels.values().forEach(HubTransfer::closeQuietly);
                channels.clear();
                channel = java.nio.channels.FileChannel.open(file);
                channels.put(file, channel);
            }
            int length = chunk.length();
            System.arraycopy(Hashes.unhex(chunk.hash()), 0, batch, used, 32);
            batch[used + 32] = (byte) (length >>> 24);
            batch[used + 33] = (byte) (length >>> 16);
            batch[used + 34] = (byte) (length >>> 8);
            batch[used + 35] = (byte) length;
            java.nio.ByteBuffer target = java.nio.ByteBuffer.wrap(batch, used + 36, length);
            while (target.hasRemaining()) {
                if (channel.read(target, chunk.offset() + target.position() - (used + 36)) < 0) {
                    throw new CliException(file + " became shorter during the push; run it again");
                }
            }
            used += 36 + length;
            sent += length;
            if (used >= BATCH_BYTES) {
                dispatch();
            }
        }

        private void dispatch() {
            while (inFlight.size() >= 2) {
                await(inFlight.remove(0));
            }
            byte[] body = batch;
            int length = used;
            inFlight.add(pool.submit(() -> client.postBytes(repoPath + "/chunks", "application/octet-stream", body,
                    length)));
            batch = new byte[batch.length];
            used = 0;
        }

        void flush() {
            if (used > 0) {
                dispatch();
            }
            for (Future<?> future : inFlight) {
                await(future);
            }
            inFlight.clear();
        }

        @Override
        public void close() {
            pool.shutdownNow();
            channels.values().forEach(HubTransfer::closeQuietly);
        }
    }

    private static void closeQuietly(java.io.Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException ignored) {
            // read-only file
        }
    }

    private static void await(Future<?> future) {
        try {
            future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new CliException("upload failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }

    /** {@code files}: those selected; {@code agreement} and {@code terms}: what a gated read was granted under. */
    record PullResult(String commit, int files, int downloaded, long bytes, double seconds,
                      java.util.Optional<String> agreement, java.util.Optional<String> terms) {
    }

    PullResult pull(String revision, Path directory) throws IOException {
        return pull(revision, directory, List.of(), List.of());
    }

    /**
     * Downloads the files of {@code revision} that match one of {@code include} (all when empty) and none of
     * {@code exclude} (globs on the path in the repository, e.g. {@code *.json} or {@code tokenizer/**}).
     */
    PullResult pull(String revision, Path directory, List<String> include, List<String> exclude) throws IOException {
        long started = System.nanoTime();
        JsonNode tree = client.get(repoPath + "/tree/" + ApiClient.segment(revision));
        String commit = tree.path("commit").asText();
        List<java.nio.file.PathMatcher> includes = include.stream().map(HubTransfer::glob).toList();
        List<java.nio.file.PathMatcher> excludes = exclude.stream().map(HubTransfer::glob).toList();
        List<JsonNode> wanted = new ArrayList<>();
        List<JsonNode> selected = new ArrayList<>();
        long bytes = 0;
        for (JsonNode file : tree.path("files")) {
            Path inRepo = Path.of(file.path("path").asText());
            if ((!includes.isEmpty() && includes.stream().noneMatch(matcher -> matcher.matches(inRepo)))
                    || excludes.stream().anyMatch(matcher -> matcher.matches(inRepo))) {
                continue;
            }
            selected.add(file);
            Path target = safeTarget(directory, file.path("path").asText());
            if (Files.isRegularFile(target) && Files.size(target) == file.path("size").asLong()
                    && sha256(target).equals(file.path("sha256").asText())) {
                continue;
            }
            wanted.add(file);
            bytes += file.path("size").asLong();
        }
        Progress progress = Progress.onTerminal("downloading", bytes);
        for (JsonNode file : wanted) {
            download(commit, file, safeTarget(directory, file.path("path").asText()), progress);
        }
        progress.finish();
        // The terms of a gated read are said on every pull, also one that found everything in place.
        if (terms == null && !selected.isEmpty()) {
            ApiClient.Download head = client.head(repoPath + "/files/" + commit + "/"
                    + encodePath(selected.get(0).path("path").asText()));
            agreement = head.agreement().orElse(null);
            terms = head.terms().orElse(null);
        }
        return new PullResult(commit, selected.size(), wanted.size(), bytes, (System.nanoTime() - started) / 1e9,
                java.util.Optional.ofNullable(agreement), java.util.Optional.ofNullable(terms));
    }

    /** What the last download's headers said of the terms of the read. */
    private String agreement;
    private String terms;

    private static java.nio.file.PathMatcher glob(String pattern) {
        try {
            return java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        } catch (IllegalArgumentException e) {
            throw new CliException("'" + pattern + "' is not a glob pattern such as *.json or tokenizer/**: "
                    + e.getMessage());
        }
    }

    private void download(String commit, JsonNode file, Path target, Progress progress) throws IOException {
        Files.createDirectories(target.getParent());
        Path part = target.resolveSibling(target.getFileName() + ".part");
        long have = Files.exists(part) ? Files.size(part) : 0;
        long size = file.path("size").asLong();
        if (have > size) {
            Files.delete(part);
            have = 0;
        }
        progress.add(have);
        String path = repoPath + "/files/" + commit + "/" + encodePath(file.path("path").asText());
        MessageDigest digest = Hashes.sha256();
        if (have < size || size == 0) {
            ApiClient.Download response = client.download(path, have);
            response.agreement().ifPresent(value -> agreement = value);
            response.terms().ifPresent(value -> terms = value);
            boolean resumed = response.status() == 206;
            if (resumed) {
                hashInto(digest, part);
            } else {
                progress.add(-have);
            }
            try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(part,
                    StandardOpenOption.CREATE, resumed ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                copyHashing(in, out, digest, progress);
            }
        } else {
            hashInto(digest, part);
        }
        String actual = Hashes.hex(digest.digest());
        if (!actual.equals(file.path("sha256").asText())) {
            Files.delete(part);
            throw new CliException(file.path("path").asText() + " arrived with SHA-256 " + actual + ", not "
                    + file.path("sha256").asText() + "; the partial file was removed, run pull again");
        }
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads on one thread, hashes on another, writes on this one, a few megabytes apart. */
    private static void copyHashing(InputStream in, OutputStream out, MessageDigest digest, Progress progress)
            throws IOException {
        java.util.concurrent.BlockingQueue<Object> toWrite = new java.util.concurrent.ArrayBlockingQueue<>(8);
        java.util.concurrent.BlockingQueue<Object> toHash = new java.util.concurrent.ArrayBlockingQueue<>(8);
        Thread reader = Thread.ofPlatform().daemon().name("download-reader").start(() -> {
            try {
                while (true) {
                    byte[] buffer = new byte[4 << 20];
                    int filled = 0;
                    int read;
                    while (filled < buffer.length && (read = in.read(buffer, filled, buffer.length - filled)) >= 0) {
                        filled += read;
                    }
                    if (filled > 0) {
                        byte[] data = filled == buffer.length ? buffer : java.util.Arrays.copyOf(buffer, filled);
                        toHash.put(data);
                        toWrite.put(data);
                    }
                    if (filled < buffer.length) {
                        toHash.put(Boolean.TRUE);
                        toWrite.put(Boolean.TRUE);
                        return;
                    }
                }
            } catch (IOException e) {
                toHash.offer(Boolean.TRUE);
                toWrite.offer(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread hasher = Thread.ofPlatform().daemon().name("download-hasher").start(() -> {
            try {
                while (toHash.take() instanceof byte[] buffer) {
                    digest.update(buffer);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            while (true) {
                Object item = toWrite.take();
                if (item instanceof byte[] buffer) {
                    out.write(buffer);
                    progress.add(buffer.length);
                } else if (item instanceof IOException e) {
                    throw e;
                } else {
                    hasher.join();
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        } finally {
            reader.interrupt();
            hasher.interrupt();
        }
    }

    private static Path safeTarget(Path directory, String path) {
        Path target = directory.resolve(path).normalize();
        if (!target.startsWith(directory.normalize())) {
            throw new CliException("the repository names a file outside the target directory: '" + path + "'");
        }
        return target;
    }

    private static String encodePath(String path) {
        List<String> parts = new ArrayList<>();
        for (String part : path.split("/")) {
            parts.add(ApiClient.segment(part));
        }
        return String.join("/", parts);
    }

    static String sha256(Path file) throws IOException {
        MessageDigest digest = Hashes.sha256();
        hashInto(digest, file);
        return Hashes.hex(digest.digest());
    }

    private static void hashInto(MessageDigest digest, Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 20];
            int read;
            while ((read = in.read(buffer)) >= 0) {
                digest.update(buffer, 0, read);
            }
        }
    }

    private static String relative(Path directory, Path file) {
        return directory.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }
}
