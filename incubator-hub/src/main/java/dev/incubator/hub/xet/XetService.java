package dev.incubator.hub.xet;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.hub.HubService;
import dev.incubator.hub.chunk.ChunkStore;
import dev.incubator.hub.chunk.CorruptDataException;
import dev.incubator.hub.chunk.FileManifest;
import dev.incubator.hub.chunk.Hashes;
import dev.incubator.hub.port.HubStore;
import dev.incubator.hub.port.XetIndex;
import dev.incubator.hub.repo.Repo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The Xet protocol served from Incubator's own chunk store. A xorb's chunks are decompressed, hashed and stored
 * in the repository's encryption domain (deduplicated there, sealed at rest like every chunk); a shard's files are
 * assembled from those chunks, their Xet file hash and SHA-256 checked, and recorded as ordinary file manifests, so
 * a commit names them by SHA-256 as any LFS upload. Downloads reconstruct a file from the xorbs it was uploaded
 * as, served uncompressed. Which repository a call is for, and that the caller may use it, is decided before
 * (by the access-policy engine, when the CAS token is issued).
 */
public final class XetService {
    /** How long a deduplication answer may be used by a client. */
    private static final Duration DEDUP_LIFETIME = Duration.ofDays(7);
    /** Files, and xorbs, one deduplication answer looks through and lists at most. */
    private static final int DEDUP_FILES = 8;
    private static final int DEDUP_XORBS = 64;

    private final HubService hub;
    private final HubStore store;
    private final ChunkStore chunks;
    private final Clock clock;

    public XetService(HubService hub, HubStore store, ChunkStore chunks, Clock clock) {
        this.hub = hub;
        this.store = store;
        this.chunks = chunks;
        this.clock = clock;
    }

    /** Receives a serialized xorb into the repository's domain; false if the domain already had it. */
    public boolean receiveXorb(Repo repo, String xorbHash, InputStream body) throws IOException {
        if (!XetHash.isHex(xorbHash)) {
            throw IncubatorException.validation("hash", "must be 64 lower-case hex digits (a xorb hash)");
        }
        String domain = repo.domain();
        if (store.read(repositories -> repositories.xet().xorb(domain, xorbHash)).filter(list -> complete(domain,
                list)).isPresent()) {
            body.transferTo(OutputStream.nullOutputStream());
            return false;
        }
        List<XetIndex.Chunk> listed = new ArrayList<>();
        List<XetHash.Node> nodes;
        try (ChunkStore.Sink sink = chunks.sink(domain, hub.charge(repo))) {
            try {
                nodes = XorbReader.read(body, (hash, data) -> listed.add(new XetIndex.Chunk(XetHash.hex(hash),
                        sink.put(data), data.length)));
            } catch (IllegalArgumentException e) {
                throw IncubatorException.validation("(body)", e.getMessage());
            }
            String actual = XetHash.hex(XetHash.xorb(nodes));
            if (!actual.equals(xorbHash)) {
                throw IncubatorException.validation("hash", "the xorb's chunks hash to " + actual + ", not " + xorbHash);
            }
            sink.finish();
        }
        // Listed already when garbage collection took its chunks: the listing stands, the chunks are back.
        store.write(repositories -> repositories.xet().saveXorb(domain, xorbHash, listed, clock.instant()));
        return true;
    }

    /** What a shard upload registered. */
    public record Registered(int files, long bytes) {
    }

    /**
     * Registers the files of a shard: every term must name a xorb of the domain and a chunk range it has, each
     * term's verification hash and the file's Xet hash must match its chunks, and the assembled bytes must have the
     * SHA-256 the shard declares.
     */
    public Registered receiveShard(Repo repo, byte[] body) throws IOException {
        Shard shard;
        try {
            shard = Shard.parse(body);
        } catch (IllegalArgumentException e) {
            throw IncubatorException.validation("(body)", e.getMessage());
        }
        String domain = repo.domain();
        long bytes = 0;
        for (Shard.FileInfo file : shard.files()) {
            String name = XetHash.hex(file.hash());
            if (file.sha256().isEmpty()) {
                throw IncubatorException.validation("file " + name, "has no SHA-256 (the metadata extension); commits"
                        + " name files by SHA-256, so shards uploaded here must carry it");
            }
            String sha256 = XetHash.hex(file.sha256().get());
            List<XetHash.Node> nodes = new ArrayList<>();
            List<FileManifest.ChunkRef> refs = new ArrayList<>();
            List<XetIndex.Term> terms = new ArrayList<>();
            for (int t = 0; t < file.terms().size(); t++) {
                Shard.Term term = file.terms().get(t);
                String xorb = XetHash.hex(term.xorb());
                List<XetIndex.Chunk> stored = store.read(repositories -> repositories.xet().xorb(domain, xorb))
                        .orElseThrow(() -> IncubatorException.validation("file " + name, "term " + terms.size()
                                + " names xorb " + xorb + ", which was not uploaded to this repository's storage;"
                                + " upload it first"));
                if (term.chunkEnd() > stored.size()) {
                    throw IncubatorException.validation("file " + name, "term " + t + " asks for chunks ["
                            + term.chunkStart() + ", " + term.chunkEnd() + ") of xorb " + xorb + ", which has "
                            + stored.size());
                }
                List<XetIndex.Chunk> range = stored.subList(term.chunkStart(), term.chunkEnd());
                long unpacked = range.stream().mapToLong(XetIndex.Chunk::length).sum();
                if (unpacked != term.unpackedBytes()) {
                    throw IncubatorException.validation("file " + name, "term " + t + " declares " + term.unpackedBytes()
                            + " bytes but its chunks hold " + unpacked);
                }
                List<byte[]> hashes = range.stream().map(chunk -> XetHash.parse(chunk.xetHash())).toList();
                if (term.verification().isPresent()
                        && !XetHash.equal(term.verification().get(), XetHash.verification(hashes))) {
                    throw IncubatorException.validation("file " + name, "term " + t + "'s verification hash does not"
                            + " match chunks [" + term.chunkStart() + ", " + term.chunkEnd() + ") of xorb " + xorb);
                }
                for (XetIndex.Chunk chunk : range) {
                    nodes.add(new XetHash.Node(XetHash.parse(chunk.xetHash()), chunk.length()));
                    refs.add(new FileManifest.ChunkRef(chunk.sha256(), chunk.length()));
                }
                terms.add(new XetIndex.Term(xorb, term.chunkStart(), term.chunkEnd(), unpacked));
            }
            String actual = XetHash.hex(XetHash.file(nodes));
            if (!actual.equals(name)) {
                throw IncubatorException.validation("file " + name, "its chunks make a file with Xet hash " + actual);
            }
            FileManifest manifest = new FileManifest(domain, sha256, file.size(), refs);
            String content = digest(manifest);
            if (!content.equals(sha256)) {
                throw IncubatorException.validation("file " + name, "its chunks make content with SHA-256 " + content
                        + ", not the " + sha256 + " the shard declares");
            }
            store.write(repositories -> {
                repositories.files().save(manifest, clock.instant());
                repositories.xet().saveFile(domain, new XetIndex.File(name, sha256, manifest.size(), terms));
                return null;
            });
            bytes += manifest.size();
        }
        return new Registered(shard.files().size(), bytes);
    }

    /**
     * The shard that answers a deduplication query for a chunk of the domain: the xorb that holds it, its chunk
     * hashes keyed with a fresh key (a client matches only chunks it has). Empty when the domain has no such chunk.
     */
    public Optional<byte[]> dedup(Repo repo, String chunkHash) {
        if (!XetHash.isHex(chunkHash)) {
            throw IncubatorException.validation("hash", "must be 64 lower-case hex digits (a chunk hash)");
        }
        String domain = repo.domain();
        Optional<String> holder = store.read(repositories -> repositories.xet().xorbWithChunk(domain, chunkHash));
        if (holder.isEmpty()) {
            return Optional.empty();
        }
        // The xorb that holds the chunk, then the other xorbs of files made with it: a client pushing a new version
        // of a file finds the rest of the old version in one answer.
        java.util.LinkedHashSet<String> wanted = new java.util.LinkedHashSet<>();
        wanted.add(holder.get());
        store.read(repositories -> repositories.xet().filesWithXorb(domain, holder.get(), DEDUP_FILES))
                .forEach(file -> file.terms().forEach(term -> wanted.add(term.xorb())));
        List<Shard.XorbInfo> listed = new ArrayList<>();
        for (String xorb : wanted) {
            if (listed.size() >= DEDUP_XORBS) {
                break;
            }
            Optional<List<XetIndex.Chunk>> found = store.read(repositories -> repositories.xet().xorb(domain, xorb))
                    .filter(list -> complete(domain, list));
            if (found.isEmpty()) {
                continue;
            }
            List<Shard.XorbChunk> entries = new ArrayList<>();
            int offset = 0;
            for (XetIndex.Chunk chunk : found.get()) {
                entries.add(new Shard.XorbChunk(XetHash.parse(chunk.xetHash()), offset, chunk.length()));
                offset += XorbReader.HEADER + chunk.length();
            }
            listed.add(new Shard.XorbInfo(XetHash.parse(xorb), entries, offset, offset));
        }
        if (listed.isEmpty() || !XetHash.equal(listed.get(0).hash(), XetHash.parse(holder.get()))) {
            return Optional.empty();
        }
        byte[] key = dev.incubator.hub.crypto.Aead.newKey();
        long now = clock.instant().getEpochSecond();
        return Optional.of(new Shard(List.of(), listed).write(key, now, now + DEDUP_LIFETIME.toSeconds()));
    }

    /**
     * Whether every chunk of a listed xorb is still stored: garbage collection removes chunks no commit needs, and a
     * xorb missing some is neither offered for deduplication nor taken as already uploaded.
     */
    private boolean complete(String domain, List<XetIndex.Chunk> xorb) {
        List<String> hashes = xorb.stream().map(XetIndex.Chunk::sha256).distinct().toList();
        return store.read(repositories -> repositories.chunks().present(domain, hashes)).size() == hashes.size();
    }

    /** A file the repository has (some commit of it names its SHA-256), by Xet hash. */
    public Optional<XetIndex.File> file(Repo repo, String xetHash) {
        if (!XetHash.isHex(xetHash)) {
            return Optional.empty();
        }
        return store.read(repositories -> repositories.xet().file(repo.domain(), xetHash))
                .filter(file -> hub.contents(repo).contains(file.sha256()));
    }

    /** The Xet name of a file of the repository, if it was uploaded through Xet. */
    public Optional<XetIndex.File> fileBySha256(Repo repo, String sha256) {
        return store.read(repositories -> repositories.xet().fileBySha256(repo.domain(), sha256));
    }

    public Optional<List<XetIndex.Chunk>> xorb(Repo repo, String xorbHash) {
        return store.read(repositories -> repositories.xet().xorb(repo.domain(), xorbHash));
    }

    /** Where each chunk of a xorb starts as served here (uncompressed): 8 header bytes and the data, in order. */
    public static long[] offsets(List<XetIndex.Chunk> chunks) {
        long[] offsets = new long[chunks.size() + 1];
        for (int i = 0; i < chunks.size(); i++) {
            offsets[i + 1] = offsets[i] + XorbReader.HEADER + chunks.get(i).length();
        }
        return offsets;
    }

    /**
     * Writes bytes [from, to] (inclusive, as HTTP ranges) of a xorb as served here: each chunk's header (stored
     * uncompressed) and its bytes, read and verified from the chunk store.
     */
    public void copyXorb(Repo repo, List<XetIndex.Chunk> xorb, long from, long to, OutputStream out)
            throws IOException {
        long[] offsets = offsets(xorb);
        for (int i = 0; i < xorb.size(); i++) {
            long start = offsets[i];
            long end = offsets[i + 1];
            if (end <= from || start > to) {
                continue;
            }
            XetIndex.Chunk chunk = xorb.get(i);
            byte[] data;
            try {
                data = chunks.read(repo.domain(), chunk.sha256());
            } catch (CorruptDataException e) {
                throw new IncubatorException(ErrorCode.DATA_CORRUPT, "xorb chunk " + chunk.xetHash() + " of "
                        + repo.fullName() + ": " + e.getMessage(), e);
            }
            byte[] framed = new byte[XorbReader.HEADER + data.length];
            System.arraycopy(XorbReader.header(data.length), 0, framed, 0, XorbReader.HEADER);
            System.arraycopy(data, 0, framed, XorbReader.HEADER, data.length);
            int skip = (int) Math.max(0, from - start);
            int stop = (int) Math.min(framed.length, to - start + 1);
            out.write(framed, skip, stop - skip);
        }
    }

    private String digest(FileManifest manifest) throws IOException {
        MessageDigest sha256 = Hashes.sha256();
        try {
            chunks.copy(manifest, 0, manifest.size(), new OutputStream() {
                @Override
                public void write(int b) {
                    sha256.update((byte) b);
                }

                @Override
                public void write(byte[] data, int offset, int length) {
                    sha256.update(data, offset, length);
                }
            });
        } catch (CorruptDataException e) {
            throw IncubatorException.validation("(body)", "a chunk the shard names is not stored (" + e.getMessage()
                    + "); upload its xorb again");
        }
        return HexFormat.of().formatHex(sha256.digest());
    }
}
