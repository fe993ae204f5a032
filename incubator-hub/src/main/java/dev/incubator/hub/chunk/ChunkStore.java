package dev.incubator.hub.chunk;

import dev.incubator.hub.blob.BlobStore;
import dev.incubator.hub.crypto.Aead;
import dev.incubator.hub.crypto.KeyWrapper;
import dev.incubator.hub.port.DataKeyRepository.WrappedKey;
import dev.incubator.hub.port.HubStore;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deduplicated, compressed, encrypted chunk store. Content is split into content-defined chunks addressed by
 * the SHA-256 of their plaintext; a domain stores each chunk once, compressed when that pays and sealed with the
 * domain's data key, in packs of about {@code packTarget} bytes. Every read authenticates the record and checks
 * the plaintext against its hash.
 */
public final class ChunkStore {
    private static final Logger LOG = LoggerFactory.getLogger(ChunkStore.class);
    /** Chunks looked up in the index together. */
    private static final int BATCH = 64;

    private final BlobStore blobs;
    private final HubStore store;
    private final KeyWrapper wrapper;
    private final Path spool;
    private final Clock clock;
    private final Chunker chunker;
    private final long packTarget;
    private final Map<String, byte[]> keys = new ConcurrentHashMap<>();

    public ChunkStore(BlobStore blobs, HubStore store, KeyWrapper wrapper, Path spool, Clock clock,
                      Chunker.Params params, long packTarget) {
        this.blobs = blobs;
        this.store = store;
        this.wrapper = wrapper;
        this.spool = spool;
        this.clock = clock;
        this.chunker = new Chunker(params);
        this.packTarget = packTarget;
    }

    /** Removes pack spool files a previous process left when it died mid-upload; call before serving. */
    public int cleanSpool() throws IOException {
        if (!java.nio.file.Files.isDirectory(spool)) {
            return 0;
        }
        int removed = 0;
        try (var files = java.nio.file.Files.list(spool)) {
            for (Path file : files.filter(path -> path.getFileName().toString().startsWith("pack-")).toList()) {
                java.nio.file.Files.deleteIfExists(file);
                removed++;
            }
        }
        return removed;
    }

    public BlobStore blobs() {
        return blobs;
    }

    public Chunker.Params params() {
        return chunker.params();
    }

    /** The hashes among {@code hashes} the domain lacks; those it holds are marked wanted (see garbage collection). */
    public Set<String> missing(String domain, List<String> hashes) {
        Set<String> present = store.write(repositories -> {
            Set<String> found = repositories.chunks().present(domain, hashes);
            repositories.chunks().touch(domain, found, clock.instant());
            return found;
        });
        Set<String> missing = new java.util.LinkedHashSet<>(hashes);
        missing.removeAll(present);
        return missing;
    }

    /**
     * Splits a stream into chunks, stores those the domain lacks (charged to {@code charge}), and records and returns
     * the file's manifest.
     */
    public FileManifest ingest(String domain, Charge charge, InputStream in) throws IOException {
        byte[] key = dataKey(domain, true);
        MessageDigest whole = Hashes.sha256();
        List<FileManifest.ChunkRef> refs = new ArrayList<>();
        long[] size = {0};
        try (Packer packer = new Packer(domain, key, charge)) {
            chunker.split(in, (buffer, offset, length) -> {
                whole.update(buffer, offset, length);
                String hash = Hashes.sha256(buffer, offset, length);
                refs.add(new FileManifest.ChunkRef(hash, length));
                size[0] += length;
                packer.offer(hash, java.util.Arrays.copyOfRange(buffer, offset, offset + length));
            });
            packer.flush();
        }
        FileManifest manifest = new FileManifest(domain, Hashes.hex(whole.digest()), size[0], refs);
        store.write(repositories -> {
            repositories.files().save(manifest, clock.instant());
            return null;
        });
        return manifest;
    }

    /**
     * Stores chunks sent as frames of a 32-byte SHA-256, a 4-byte big-endian length and the bytes; each frame's
     * bytes must hash to its hash. New chunks are charged to {@code charge}. Returns how many chunks were new to the
     * domain.
     */
    public int receive(String domain, Charge charge, InputStream body) throws IOException {
        byte[] key = dataKey(domain, true);
        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(body, 1 << 20));
        byte[] hashBytes = new byte[32];
        try (Packer packer = new Packer(domain, key, charge)) {
            while (true) {
                int first = in.read();
                if (first < 0) {
                    break;
                }
                hashBytes[0] = (byte) first;
                in.readFully(hashBytes, 1, hashBytes.length - 1);
                int length = in.readInt();
                if (length <= 0 || length > chunker.params().max()) {
                    throw new MalformedUploadException("a chunk frame declares " + length + " bytes; chunks hold 1 to "
                            + chunker.params().max() + " bytes");
                }
                byte[] data = new byte[length];
                in.readFully(data);
                String hash = Hashes.hex(hashBytes);
                if (!Hashes.sha256(data).equals(hash)) {
                    throw new MalformedUploadException("a chunk's bytes do not hash to its declared SHA-256 " + hash);
                }
                packer.offer(hash, data);
            }
            packer.flush();
            return packer.added;
        } catch (EOFException e) {
            throw new MalformedUploadException("the chunk upload ended inside a frame");
        }
    }

    /** The upload is not a valid sequence of chunk frames. */
    public static final class MalformedUploadException extends IOException {
        public MalformedUploadException(String message) {
            super(message);
        }
    }

    /**
     * Stores chunks already cut by a client (a Xet xorb), one at a time, under their SHA-256; {@link Sink#finish}
     * seals what is pending. A sink not finished leaves only spooled data, removed by {@link #cleanSpool}.
     */
    public final class Sink implements AutoCloseable {
        private final Packer packer;

        private Sink(Packer packer) {
            this.packer = packer;
        }

        /** Stores a chunk (unless the domain has it) and returns its SHA-256. */
        public String put(byte[] data) throws IOException {
            String hash = Hashes.sha256(data);
            packer.offer(hash, data);
            return hash;
        }

        /** Seals what is pending; returns how many chunks were new to the domain. */
        public int finish() throws IOException {
            packer.flush();
            return packer.added;
        }

        @Override
        public void close() throws IOException {
            packer.close();
        }
    }

    public Sink sink(String domain, Charge charge) throws IOException {
        return new Sink(new Packer(domain, dataKey(domain, true), charge));
    }

    /** What an account stores now, and the quota that holds for it: its own or {@code charge}'s default. */
    public record Usage(long bytes, long quotaBytes) {
    }

    public Usage usage(Charge charge) {
        if (charge.account().isEmpty()) {
            return new Usage(0, Charge.UNLIMITED);
        }
        var account = store.read(repositories -> repositories.storage().find(charge.account().get()));
        return new Usage(account.bytes(), account.quotaBytes().orElse(charge.defaultQuotaBytes()));
    }

    /** Why storing {@code more} bytes would take the charged owner over its quota; empty when there is room. */
    public Optional<String> shortOfRoom(Charge charge, long more) {
        if (charge.account().isEmpty() || !charge.enforced()) {
            return Optional.empty();
        }
        Usage usage = usage(charge);
        if (usage.quotaBytes() == Charge.UNLIMITED || usage.bytes() + more <= usage.quotaBytes()) {
            return Optional.empty();
        }
        return Optional.of(charge.owner() + " stores " + dev.incubator.common.ByteSize.format(usage.bytes())
                + " of its " + dev.incubator.common.ByteSize.format(usage.quotaBytes()) + " quota (counted after"
                + " deduplication) and this upload needs "
                + dev.incubator.common.ByteSize.format(Math.max(1, usage.bytes() + more - usage.quotaBytes()))
                + " more; delete repositories or files it no longer needs (garbage collection then frees their"
                + " space) or ask an operator to raise the quota (incubator org quota)");
    }

    /** Refuses (507) when storing {@code more} bytes would take the charged owner over its quota. */
    public void requireRoom(Charge charge, long more) {
        shortOfRoom(charge, more).ifPresent(why -> {
            throw new dev.incubator.common.IncubatorException(dev.incubator.common.ErrorCode.STORAGE_QUOTA_EXCEEDED,
                    why);
        });
    }

    /** Groups offered chunks, asks the index which are new, seals those into packs and records full packs. */
    private final class Packer implements AutoCloseable {
        private final String domain;
        private final byte[] key;
        private final Charge charge;
        private final Map<String, byte[]> pending = new LinkedHashMap<>();
        private PackWriter pack;
        /** Plaintext bytes sealed into the open pack, not yet charged. */
        private long unrecorded;
        private int added;

        Packer(String domain, byte[] key, Charge charge) {
            this.domain = domain;
            this.key = key;
            this.charge = charge;
            requireRoom(charge, 0);
        }

        void offer(String hash, byte[] data) throws IOException {
            if ((pack != null && pack.contains(hash)) || pending.containsKey(hash)) {
                return;
            }
            pending.put(hash, data);
            if (pending.size() >= BATCH) {
                drain();
            }
        }

        private void drain() throws IOException {
            if (pending.isEmpty()) {
                return;
            }
            Set<String> present = store.read(repositories -> repositories.chunks().present(domain, pending.keySet()));
            if (!present.isEmpty()) {
                store.write(repositories -> {
                    repositories.chunks().touch(domain, present, clock.instant());
                    return null;
                });
            }
            // Seal the new chunks in parallel, then append them in order.
            List<Map.Entry<String, byte[]>> fresh = pending.entrySet().stream()
                    .filter(chunk -> !present.contains(chunk.getKey())).toList();
            long freshBytes = fresh.stream().mapToLong(chunk -> chunk.getValue().length).sum();
            requireRoom(charge, unrecorded + freshBytes);
            List<java.util.concurrent.Future<byte[]>> sealed = new ArrayList<>(fresh.size());
            for (Map.Entry<String, byte[]> chunk : fresh) {
                byte[] data = chunk.getValue();
                sealed.add(WORKERS.submit(() -> ChunkCodec.encode(key, domain, chunk.getKey(), data, 0, data.length)));
            }
            for (int i = 0; i < fresh.size(); i++) {
                if (pack == null) {
                    pack = new PackWriter(domain, spool);
                }
                pack.add(fresh.get(i).getKey(), fresh.get(i).getValue().length, await(sealed.get(i)));
                unrecorded += fresh.get(i).getValue().length;
                if (pack.size() >= packTarget) {
                    seal();
                }
            }
            pending.clear();
        }

        private void seal() throws IOException {
            PackWriter.Finished finished = pack.finish(blobs, clock.instant());
            pack = null;
            unrecorded = 0;
            added += store.write(repositories -> repositories.chunks().addPack(finished.pack(), finished.chunks(),
                    charge.account(), clock.instant()));
        }

        void flush() throws IOException {
            drain();
            if (pack != null && pack.count() > 0) {
                seal();
            }
        }

        @Override
        public void close() throws IOException {
            if (pack != null) {
                pack.close();
            }
        }
    }

    /**
     * Copies a file into another encryption domain: each chunk is read (verified) under the old domain's key and
     * sealed under the new one's, unless the new domain already has it. Returns the file's manifest there.
     */
    public FileManifest copyToDomain(FileManifest file, String domain, Charge charge) throws IOException {
        byte[] key = dataKey(domain, true);
        Optional<FileManifest> existing = store.read(repositories -> repositories.files().find(domain, file.sha256()));
        if (existing.isPresent()) {
            return existing.get();
        }
        try (Packer packer = new Packer(domain, key, charge)) {
            for (FileManifest.ChunkRef chunk : file.chunks()) {
                packer.offer(chunk.hash(), read(file.domain(), chunk.hash()));
            }
            packer.flush();
        }
        FileManifest copy = new FileManifest(domain, file.sha256(), file.size(), file.chunks());
        store.write(repositories -> {
            repositories.files().save(copy, clock.instant());
            return null;
        });
        return copy;
    }

    /** A chunk's verified plaintext. */
    public byte[] read(String domain, String hash) throws IOException {
        ChunkLocation location = store.read(repositories -> repositories.chunks().find(domain, hash))
                .orElseThrow(() -> new CorruptDataException("chunk " + hash + " of domain " + domain
                        + " is missing from the chunk index"));
        return read(location);
    }

    private byte[] read(ChunkLocation location) throws IOException {
        return open(dataKey(location.domain(), false), location, fetch(location, location.length()));
    }

    /**
     * Writes bytes {@code from} (inclusive) to {@code to} (exclusive) of a file, verifying every chunk read. Chunks
     * are located a window at a time, records adjacent in a pack are fetched with one ranged read, and records are
     * opened (authenticated, decompressed, hash-checked) in parallel, then written in order.
     */
    public void copy(FileManifest file, long from, long to, OutputStream out) throws IOException {
        List<FileManifest.ChunkRef> wanted = new ArrayList<>();
        List<int[]> slices = new ArrayList<>();
        long position = 0;
        for (FileManifest.ChunkRef chunk : file.chunks()) {
            long end = position + chunk.length();
            if (end > from && position < to) {
                wanted.add(chunk);
                slices.add(new int[] {(int) Math.max(0, from - position), (int) Math.min(chunk.length(), to - position)});
            }
            position = end;
            if (position >= to) {
                break;
            }
        }
        byte[] key = wanted.isEmpty() ? null : dataKey(file.domain(), false);
        // While one window is written out, the next is already being fetched and opened.
        List<java.util.concurrent.Future<byte[]>> current = wanted.isEmpty() ? List.of()
                : openWindow(file.domain(), key, wanted.subList(0, Math.min(wanted.size(), WINDOW)));
        for (int start = 0; start < wanted.size(); start += WINDOW) {
            int next = start + WINDOW;
            List<java.util.concurrent.Future<byte[]>> following = next < wanted.size()
                    ? openWindow(file.domain(), key, wanted.subList(next, Math.min(wanted.size(), next + WINDOW)))
                    : List.of();
            for (int i = 0; i < current.size(); i++) {
                int[] slice = slices.get(start + i);
                out.write(await(current.get(i)), slice[0], slice[1] - slice[0]);
            }
            current = following;
        }
    }

    /** Chunks located, fetched and opened together. */
    private static final int WINDOW = 64;
    /** Largest single ranged read when coalescing adjacent records. */
    private static final int MAX_RANGE = 16 * 1024 * 1024;
    /** Seals and opens chunk records (zstd, AES-GCM, SHA-256): CPU work spread over the cores. */
    private static final java.util.concurrent.ExecutorService WORKERS = java.util.concurrent.Executors
            .newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), runnable -> {
                Thread thread = new Thread(runnable, "chunk-worker");
                thread.setDaemon(true);
                return thread;
            });

    private static <T> T await(java.util.concurrent.Future<T> future) throws IOException {
        try {
            return future.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while sealing or opening chunks");
        }
    }

    private List<java.util.concurrent.Future<byte[]>> openWindow(String domain, byte[] key,
                                                              List<FileManifest.ChunkRef> window) throws IOException {
        Map<String, ChunkLocation> located = store.read(repositories -> repositories.chunks().locate(domain,
                window.stream().map(FileManifest.ChunkRef::hash).toList()));
        List<ChunkLocation> locations = new ArrayList<>(window.size());
        for (FileManifest.ChunkRef chunk : window) {
            ChunkLocation location = located.get(chunk.hash());
            if (location == null) {
                throw new CorruptDataException("chunk " + chunk.hash() + " of domain " + domain
                        + " is missing from the chunk index");
            }
            locations.add(location);
        }
        // Fetch runs of records that sit back to back in one pack with one read each.
        byte[][] records = new byte[locations.size()][];
        int i = 0;
        while (i < locations.size()) {
            ChunkLocation first = locations.get(i);
            int j = i + 1;
            long end = first.offset() + first.length();
            while (j < locations.size() && locations.get(j).pack().equals(first.pack())
                    && locations.get(j).offset() == end && end + locations.get(j).length() - first.offset() <= MAX_RANGE) {
                end += locations.get(j).length();
                j++;
            }
            byte[] range = fetch(first, (int) (end - first.offset()));
            for (int k = i; k < j; k++) {
                ChunkLocation location = locations.get(k);
                int offset = (int) (location.offset() - first.offset());
                records[k] = java.util.Arrays.copyOfRange(range, offset, offset + location.length());
            }
            i = j;
        }
        List<java.util.concurrent.Future<byte[]>> opened = new ArrayList<>(locations.size());
        for (int k = 0; k < locations.size(); k++) {
            ChunkLocation location = locations.get(k);
            byte[] record = records[k];
            opened.add(WORKERS.submit(() -> open(key, location, record)));
        }
        return opened;
    }

    private byte[] fetch(ChunkLocation first, int length) throws IOException {
        String packKey = PackInfo.keyOf(first.domain(), first.pack());
        try {
            return blobs.read(packKey, first.offset(), length);
        } catch (BlobStore.BlobNotFoundException e) {
            throw new CorruptDataException("pack " + packKey + " holding chunk " + first.hash() + " is missing", e);
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("outside")) {
                throw new CorruptDataException("pack " + packKey + " is shorter than the index says (chunk "
                        + first.hash() + " at " + first.offset() + ")", e);
            }
            throw e;
        }
    }

    private static byte[] open(byte[] key, ChunkLocation location, byte[] record) throws CorruptDataException {
        try {
            return ChunkCodec.decode(key, location.domain(), location.hash(), location.rawLength(), record, 0,
                    record.length);
        } catch (CorruptDataException e) {
            throw new CorruptDataException(e.getMessage() + " in pack " + PackInfo.keyOf(location.domain(),
                    location.pack()) + " at offset " + location.offset(), e);
        }
    }

    /** The whole content of a (small) file, verified. */
    public byte[] readAll(FileManifest file) throws IOException {
        if (file.size() > Integer.MAX_VALUE - 16) {
            throw new IOException("file " + file.sha256() + " is too large to read into memory");
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream((int) file.size());
        copy(file, 0, file.size(), out);
        return out.toByteArray();
    }

    /** The domain's data key; created on first write. */
    public byte[] dataKey(String domain, boolean create) throws IOException {
        byte[] cached = keys.get(domain);
        if (cached != null) {
            return cached;
        }
        Optional<WrappedKey> wrapped = store.read(repositories -> repositories.keys().find(domain));
        if (wrapped.isEmpty()) {
            if (!create) {
                throw new CorruptDataException("domain " + domain + " has no data key: its content was crypto-shredded"
                        + " or never written");
            }
            byte[] fresh = Aead.newKey();
            WrappedKey candidate = new WrappedKey(domain, wrapper.keyId(), wrapper.wrap(domain, fresh), clock.instant());
            wrapped = Optional.of(store.write(repositories -> repositories.keys().insertIfAbsent(candidate)));
        }
        byte[] key = wrapper.unwrap(domain, wrapped.get().wrapped());
        keys.put(domain, key);
        return key;
    }

    /** Deletes the domain's data key: every chunk sealed with it becomes unreadable for good. */
    public boolean shred(String domain) {
        boolean deleted = store.write(repositories -> repositories.keys().delete(domain));
        keys.remove(domain);
        LOG.warn("data key of domain {} deleted: its content is unreadable from now on", domain);
        return deleted;
    }

    /** Problems found by a check, each naming the object at fault. */
    public record Problem(String object, String detail) {
    }

    /** Reads every pack and authenticates every chunk the index places in it. */
    public List<Problem> checkPacks(java.util.function.LongConsumer progress) throws IOException {
        List<Problem> problems = new ArrayList<>();
        List<PackInfo> packs = store.read(repositories -> repositories.chunks().packs());
        for (PackInfo pack : packs) {
            Optional<BlobStore.BlobInfo> stat = blobs.stat(pack.key());
            if (stat.isEmpty()) {
                problems.add(new Problem(pack.key(), "pack is missing"));
                continue;
            }
            if (stat.get().size() != pack.size()) {
                problems.add(new Problem(pack.key(), "pack has " + stat.get().size() + " bytes, the index says "
                        + pack.size()));
            }
            if (blobs.stat(pack.indexKey()).isEmpty()) {
                problems.add(new Problem(pack.indexKey(), "pack index is missing"));
            }
            byte[] key;
            try {
                key = dataKey(pack.domain(), false);
            } catch (CorruptDataException e) {
                problems.add(new Problem(pack.key(), "unreadable: " + e.getMessage()));
                continue;
            }
            List<ChunkLocation> chunks = store.read(repositories -> repositories.chunks().chunksIn(pack.id()));
            try (InputStream in = new java.io.BufferedInputStream(blobs.open(pack.key()), 1 << 20)) {
                byte[] magic = in.readNBytes(PackWriter.MAGIC.length);
                if (!java.util.Arrays.equals(magic, PackWriter.MAGIC)) {
                    problems.add(new Problem(pack.key(), "does not start with the pack header"));
                }
                long position = magic.length;
                for (ChunkLocation chunk : chunks.stream().sorted(java.util.Comparator.comparingLong(
                        ChunkLocation::offset)).toList()) {
                    in.skipNBytes(chunk.offset() - position);
                    byte[] record = in.readNBytes(chunk.length());
                    position = chunk.offset() + record.length;
                    if (record.length < chunk.length()) {
                        problems.add(new Problem(pack.key(), "chunk " + chunk.hash() + " at offset " + chunk.offset()
                                + " is cut off"));
                        break;
                    }
                    try {
                        ChunkCodec.decode(key, chunk.domain(), chunk.hash(), chunk.rawLength(), record, 0, record.length);
                    } catch (CorruptDataException e) {
                        problems.add(new Problem(pack.key(), e.getMessage() + " (offset " + chunk.offset() + ")"));
                    }
                    progress.accept(record.length);
                }
            }
        }
        return problems;
    }

    /** What a garbage collection of one domain removed. */
    public record Collected(int files, int chunks, int packsDeleted, int packsRewritten, long bytesFreed) {
        public Collected plus(Collected other) {
            return new Collected(files + other.files, chunks + other.chunks, packsDeleted + other.packsDeleted,
                    packsRewritten + other.packsRewritten, bytesFreed + other.bytesFreed);
        }
    }

    /**
     * Removes what no live file needs: files not in {@code liveFiles} and chunks of no live file, unless wanted
     * after {@code cutoff} (uploads in flight); then deletes packs left empty and rewrites packs mostly dead.
     */
    public Collected collect(String domain, Set<String> liveFiles, Instant cutoff) throws IOException {
        int filesRemoved = 0;
        Set<String> liveChunks = new HashSet<>();
        for (var file : store.read(repositories -> repositories.files().list(domain))) {
            if (!liveFiles.contains(file.sha256()) && file.lastWanted().isBefore(cutoff)) {
                store.write(repositories -> {
                    repositories.files().delete(domain, file.sha256());
                    return null;
                });
                filesRemoved++;
                continue;
            }
            store.read(repositories -> repositories.files().find(domain, file.sha256()))
                    .ifPresent(manifest -> manifest.chunks().forEach(chunk -> liveChunks.add(chunk.hash())));
        }
        List<String> dead = new ArrayList<>();
        Map<String, Integer> livePerPack = new java.util.HashMap<>();
        for (var chunk : store.read(repositories -> repositories.chunks().chunks(domain))) {
            if (liveChunks.contains(chunk.hash()) || !chunk.lastWanted().isBefore(cutoff)) {
                livePerPack.merge(chunk.pack(), 1, Integer::sum);
            } else {
                dead.add(chunk.hash());
            }
        }
        store.write(repositories -> {
            repositories.chunks().deleteChunks(domain, dead);
            return null;
        });
        int deleted = 0;
        int rewritten = 0;
        long freed = 0;
        for (PackInfo pack : store.read(repositories -> repositories.chunks().packs())) {
            if (!pack.domain().equals(domain) || !pack.createdAt().isBefore(cutoff)) {
                continue;
            }
            int live = livePerPack.getOrDefault(pack.id(), 0);
            if (live == 0) {
                store.write(repositories -> {
                    repositories.chunks().deletePack(pack.id());
                    return null;
                });
                blobs.delete(pack.indexKey());
                blobs.delete(pack.key());
                deleted++;
                freed += pack.size();
            } else if (live * 2 < pack.chunks()) {
                freed += rewrite(pack);
                rewritten++;
            }
        }
        return new Collected(filesRemoved, dead.size(), deleted, rewritten, freed);
    }

    /** Copies a pack's live records into a new pack, repoints them, and deletes the old pack. */
    private long rewrite(PackInfo pack) throws IOException {
        List<ChunkLocation> live = store.read(repositories -> repositories.chunks().chunksIn(pack.id()));
        PackWriter.Finished finished;
        try (PackWriter writer = new PackWriter(pack.domain(), spool)) {
            for (ChunkLocation chunk : live) {
                writer.add(chunk.hash(), chunk.rawLength(), blobs.read(pack.key(), chunk.offset(), chunk.length()));
            }
            finished = writer.finish(blobs, clock.instant());
        }
        store.write(repositories -> {
            repositories.chunks().addPack(finished.pack(), List.of(), Optional.empty(), clock.instant());
            repositories.chunks().relocate(finished.chunks());
            repositories.chunks().deletePack(pack.id());
            return null;
        });
        blobs.delete(pack.indexKey());
        blobs.delete(pack.key());
        return pack.size() - finished.pack().size();
    }

    /** The blob keys of every pack the index knows and of its index object. */
    private Set<String> knownPackObjects() {
        Set<String> known = new HashSet<>();
        for (PackInfo pack : store.read(repositories -> repositories.chunks().packs())) {
            known.add(pack.key());
            known.add(pack.indexKey());
        }
        return known;
    }

    /** Deletes pack objects the index does not know that are older than the cutoff (left by crashed uploads). */
    public int removeOrphanPacks(Instant cutoff) throws IOException {
        Set<String> known = knownPackObjects();
        int removed = 0;
        for (BlobStore.BlobInfo blob : blobs.list("packs/")) {
            if (!known.contains(blob.key()) && blob.modified().isBefore(cutoff)) {
                blobs.delete(blob.key());
                removed++;
            }
        }
        return removed;
    }

    /** Pack objects the index does not know (reported by fsck; removed by garbage collection after the grace). */
    public List<String> unknownPackObjects() throws IOException {
        Set<String> known = knownPackObjects();
        return blobs.list("packs/").stream().map(BlobStore.BlobInfo::key).filter(key -> !known.contains(key)).toList();
    }
}
