package dev.incubator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.incubator.hub.chunk.Chunker;
import dev.incubator.hub.chunk.Hashes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
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

    record PushResult(JsonNode commit, int files, long bytes, long sentBytes, int sentChunks, int totalChunks,
                      double seconds) {
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
        List<LocalFile> local = new ArrayList<>();
        Progress hashing = Progress.onTerminal("hashing  ", total);
        for (Path file : files) {
            local.add(scan(chunker, directory, file, hashing));
        }
        hashing.finish();
        long scanned = System.nanoTime();

        List<String> all = new ArrayList<>(new java.util.LinkedHashSet<>(local.stream().flatMap(file ->
                file.chunks().stream().map(chunk -> (String) chunk[0])).toList()));
        Set<String> missing = new HashSet<>();
        for (int i = 0; i < all.size(); i += HASHES_PER_QUESTION) {
            JsonNode answer = client.postPlain(repoPath + "/chunks/missing", Map.of("chunks",
                    all.subList(i, Math.min(all.size(), i + HASHES_PER_QUESTION))));
            answer.path("missing").forEach(node -> missing.add(node.asText()));
        }
        int toSend = missing.size();
        long asked = System.nanoTime();
        long sent = upload(chunker, local, missing);
        long uploaded = System.nanoTime();

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
        if (deleteMissing && head != null) {
            for (JsonNode remote : client.get(repoPath + "/tree/" + head).path("files")) {
                if (!localPaths.contains(remote.path("path").asText())) {
                    entries.add(Map.of("path", remote.path("path").asText(), "delete", true));
                }
            }
        }
        body.put("files", entries);
        JsonNode commit = client.postPlain(repoPath + "/commits", body);
        if (System.getenv("INCUBATOR_TIMING") != null) {
            System.err.printf("scan %.2fs ask %.2fs upload %.2fs commit %.2fs%n", (scanned - started) / 1e9,
                    (asked - scanned) / 1e9, (uploaded - asked) / 1e9, (System.nanoTime() - uploaded) / 1e9);
        }
        return new PushResult(commit, local.size(), total, sent, toSend, all.size(),
                (System.nanoTime() - started) / 1e9);
    }

    /** Chunks a file and hashes each chunk, while another thread hashes the whole file. */
    private static LocalFile scan(Chunker chunker, Path directory, Path file, Progress progress) throws IOException {
        java.util.concurrent.CompletableFuture<String> whole = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return sha256(file);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        List<Object[]> chunks = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            chunker.split(in, (buffer, offset, length) -> {
                chunks.add(new Object[] {Hashes.sha256(buffer, offset, length), length});
                progress.add(length);
            });
        }
        try {
            return new LocalFile(relative(directory, file), file, Files.size(file), whole.join(), chunks);
        } catch (java.util.concurrent.CompletionException e) {
            throw new CliException("could not read " + file + ": " + e.getCause().getMessage());
        }
    }

    /**
     * Sends the missing chunks in batches, two requests in flight; returns the bytes sent. Chunks are read at the
     * offsets the scan recorded (the server checks every chunk's hash, so a file changed since the scan fails).
     */
    private long upload(Chunker chunker, List<LocalFile> files, Set<String> missing) throws IOException {
        long bytes = 0;
        for (LocalFile file : files) {
            for (Object[] chunk : file.chunks()) {
                if (missing.contains((String) chunk[0])) {
                    bytes += (int) chunk[1];
                }
            }
        }
        Progress progress = Progress.onTerminal("uploading", bytes);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<?>> inFlight = new ArrayList<>();
        long sent = 0;
        try {
            byte[] batch = new byte[BATCH_BYTES + chunker.params().max() + 64];
            int used = 0;
            Set<String> pending = new HashSet<>(missing);
            for (LocalFile file : files) {
                if (file.chunks().stream().noneMatch(chunk -> pending.contains((String) chunk[0]))) {
                    continue;
                }
                try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file.file())) {
                    long offset = 0;
                    for (Object[] chunk : file.chunks()) {
                        String hash = (String) chunk[0];
                        int length = (int) chunk[1];
                        long at = offset;
                        offset += length;
                        if (!pending.remove(hash)) {
                            continue;
                        }
                        System.arraycopy(Hashes.unhex(hash), 0, batch, used, 32);
                        batch[used + 32] = (byte) (length >>> 24);
                        batch[used + 33] = (byte) (length >>> 16);
                        batch[used + 34] = (byte) (length >>> 8);
                        batch[used + 35] = (byte) length;
                        java.nio.ByteBuffer target = java.nio.ByteBuffer.wrap(batch, used + 36, length);
                        while (target.hasRemaining()) {
                            if (channel.read(target, at + target.position() - (used + 36)) < 0) {
                                throw new CliException(file.path() + " became shorter during the push; run it again");
                            }
                        }
                        used += 36 + length;
                        sent += length;
                        if (used >= BATCH_BYTES) {
                            send(pool, inFlight, batch, used, progress);
                            batch = new byte[batch.length];
                            used = 0;
                        }
                    }
                }
            }
            if (used > 0) {
                send(pool, inFlight, batch, used, progress);
            }
            for (Future<?> future : inFlight) {
                await(future);
            }
        } finally {
            pool.shutdownNow();
        }
        progress.finish();
        return sent;
    }

    private void send(ExecutorService pool, List<Future<?>> inFlight, byte[] body, int length, Progress progress) {
        while (inFlight.size() >= 2) {
            await(inFlight.remove(0));
        }
        inFlight.add(pool.submit(() -> {
            client.postBytes(repoPath + "/chunks", "application/octet-stream", body, length);
            progress.add(length);
        }));
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

    record PullResult(String commit, int files, int downloaded, long bytes, double seconds) {
    }

    PullResult pull(String revision, Path directory) throws IOException {
        long started = System.nanoTime();
        JsonNode tree = client.get(repoPath + "/tree/" + ApiClient.segment(revision));
        String commit = tree.path("commit").asText();
        List<JsonNode> wanted = new ArrayList<>();
        long bytes = 0;
        for (JsonNode file : tree.path("files")) {
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
        return new PullResult(commit, tree.path("files").size(), wanted.size(), bytes,
                (System.nanoTime() - started) / 1e9);
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
            HttpResponse<InputStream> response = client.download(path, have);
            boolean resumed = response.statusCode() == 206;
            if (resumed) {
                hashInto(digest, part);
            } else {
                progress.add(-have);
            }
            try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(part,
                    StandardOpenOption.CREATE, resumed ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                byte[] buffer = new byte[1 << 20];
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, read);
                    digest.update(buffer, 0, read);
                    progress.add(read);
                }
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
