package dev.incubator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.PageRequest;
import dev.incubator.common.RequestMeta;
import dev.incubator.hub.HubService;
import dev.incubator.hub.HubService.FileOp;
import dev.incubator.hub.blob.FileBlobStore;
import dev.incubator.hub.chunk.ChunkStore;
import dev.incubator.hub.chunk.Chunker;
import dev.incubator.hub.chunk.FileManifest;
import dev.incubator.hub.chunk.Frames;
import dev.incubator.hub.chunk.Hashes;
import dev.incubator.hub.crypto.Aead;
import dev.incubator.hub.crypto.LocalMasterKey;
import dev.incubator.hub.repo.Commit;
import dev.incubator.common.access.Roles.OrgRole;
import dev.incubator.common.access.Roles.PlatformRole;
import dev.incubator.common.access.Roles.Scope;
import dev.incubator.common.access.Subject;
import dev.incubator.governance.policy.AccessDecisions;
import dev.incubator.hub.port.PublishGate;
import dev.incubator.hub.repo.Repo;
import dev.incubator.hub.repo.RepoKind;
import dev.incubator.hub.repo.Visibility;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The hub on a real metadata store and the filesystem blob store: push, dedup, verify, shred, collect. */
public abstract class HubStoreContract extends ComputeStoreContract {
    private static final Chunker.Params SMALL = new Chunker.Params(1024, 4096, 16384);
    private final MutableTestClock clock = new MutableTestClock(Instant.parse("2026-03-10T12:00:00Z"));
    private Path blobDir;
    private HubService hub;
    private final Subject alice = caller("u-alice", Map.of("org-alpha", OrgRole.MEMBER));
    private final Subject bob = caller("u-bob", Map.of("org-beta", OrgRole.ADMIN));

    @BeforeEach
    void openHub() throws IOException {
        blobDir = temp.resolve("blobs");
        JdbiHubStore hubStore = new JdbiHubStore(database);
        ChunkStore chunks = new ChunkStore(new FileBlobStore(blobDir), hubStore, new LocalMasterKey(Aead.newKey()),
                temp.resolve("spool"), clock, SMALL, 256 * 1024);
        hub = new HubService(hubStore, chunks, namespace -> switch (namespace) {
            case "alpha" -> Optional.of(new Repo.Owner(Repo.OwnerKind.ORGANISATION, "org-alpha"));
            case "beta" -> Optional.of(new Repo.Owner(Repo.OwnerKind.ORGANISATION, "org-beta"));
            default -> Optional.empty();
        }, clock, new AccessDecisions(new JdbiAgreements(database), clock), PublishGate.OPEN,
                HubService.StorageQuotas.NONE);
    }

    @Test
    void aPushedFileReadsBackByteIdenticalAndItsNextVersionStoresOnlyWhatChanged() throws IOException {
        Repo repo = hub.create(alice, RepoKind.MODEL, "alpha", "base-7b", Visibility.ORGANISATION);
        byte[] v1 = random(1, 600_000);
        push(repo, "model.safetensors", v1);
        long afterFirst = storedBytes();

        byte[] v2 = v1.clone();
        System.arraycopy(random(2, 20_000), 0, v2, 300_000, 20_000);
        Commit second = push(repo, "model.safetensors", v2);
        long added = storedBytes() - afterFirst;

        assertThat(read(repo, "main", "model.safetensors")).isEqualTo(v2);
        assertThat(read(repo, second.parents().get(0), "model.safetensors")).isEqualTo(v1);
        assertThat(added).as("bytes stored for a 20 kB change").isLessThan(60_000);
        assertThat(hub.diff(repo, second.parents().get(0), "main")).singleElement()
                .satisfies(change -> assertThat(change.kind()).isEqualTo("modified"));
    }

    @Test
    void noFileUnderTheBlobDirectoryHoldsPushedPlaintext() throws IOException {
        Repo repo = hub.create(alice, RepoKind.DATASET, "alpha", "notes", Visibility.PRIVATE);
        String marker = "MARKER-7f3a9c-confidential-patient-record";
        byte[] text = (marker + " ").repeat(5_000).getBytes(StandardCharsets.UTF_8);
        push(repo, "notes.txt", text);
        try (Stream<Path> files = Files.walk(temp)) {
            for (Path file : files.filter(Files::isRegularFile).filter(path -> !path.toString().contains(".db"))
                    .toList()) {
                assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)).as(file.toString())
                        .doesNotContain(marker.substring(0, 12));
            }
        }
        assertThat(read(repo, "main", "notes.txt")).isEqualTo(text);
    }

    @Test
    void aFlippedByteInAPackFailsTheReadNamingThePackAndChunkAndFsckReportsIt() throws IOException {
        Repo repo = hub.create(alice, RepoKind.MODEL, "alpha", "fragile", Visibility.ORGANISATION);
        push(repo, "weights.bin", random(3, 100_000));
        assertThat(hub.fsck(bytes -> { }).clean()).isTrue();
        Path pack;
        try (Stream<Path> files = Files.walk(blobDir)) {
            pack = files.filter(path -> path.toString().endsWith(".pack")).findFirst().orElseThrow();
        }
        try (RandomAccessFile file = new RandomAccessFile(pack.toFile(), "rw")) {
            file.seek(5_000);
            int value = file.read();
            file.seek(5_000);
            file.write(value ^ 0x01);
        }
        assertThatThrownBy(() -> read(repo, "main", "weights.bin"))
                .isInstanceOfSatisfying(IncubatorException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.DATA_CORRUPT);
                    assertThat(e.getMessage()).contains("weights.bin").contains(pack.getFileName().toString())
                            .containsPattern("chunk [0-9a-f]{64}");
                });
        HubService.FsckReport report = hub.fsck(bytes -> { });
        assertThat(report.clean()).isFalse();
        assertThat(report.problems()).anySatisfy(problem -> assertThat(problem.object()).endsWith(
                pack.getFileName().toString()));
    }

    @Test
    void shreddingAnOrganisationsKeyMakesItsPrivateContentUnreadableButNotOthers() throws IOException {
        Repo secret = hub.create(alice, RepoKind.MODEL, "alpha", "secret", Visibility.PRIVATE);
        Repo open = hub.create(alice, RepoKind.MODEL, "alpha", "open", Visibility.PUBLIC);
        push(secret, "a.bin", random(4, 50_000));
        push(open, "b.bin", random(5, 50_000));
        hub.shredOrganisation(operatorCaller(), "org-alpha", "alpha");
        assertThatThrownBy(() -> read(secret, "main", "a.bin")).isInstanceOfSatisfying(IncubatorException.class,
                e -> assertThat(e.getMessage()).contains("crypto-shredded"));
        assertThat(read(open, "main", "b.bin")).hasSize(50_000);
    }

    @Test
    void publicDerivativesDeduplicateAgainstEachOtherAcrossOrganisations() throws IOException {
        byte[] base = random(6, 400_000);
        Repo original = hub.create(alice, RepoKind.MODEL, "alpha", "base", Visibility.PUBLIC);
        push(original, "model.bin", base);
        long before = storedBytes();
        Repo derived = hub.create(bob, RepoKind.MODEL, "beta", "base-tuned", Visibility.PUBLIC);
        byte[] tuned = base.clone();
        tuned[200_000] ^= 1;
        push(derived, "model.bin", tuned);
        assertThat(storedBytes() - before).isLessThan(40_000);
    }

    @Test
    void anOrganisationsRepositoriesAreInvisibleToOtherTenants() throws IOException {
        Repo repo = hub.create(alice, RepoKind.MODEL, "alpha", "internal", Visibility.ORGANISATION);
        assertThatThrownBy(() -> hub.get(bob, RepoKind.MODEL, "alpha", "internal"))
                .isInstanceOfSatisfying(IncubatorException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        assertThatThrownBy(() -> hub.missingChunks(bob, repo, List.of()))
                .isInstanceOfSatisfying(IncubatorException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        assertThat(hub.list(bob, Optional.empty(), Optional.empty(), Optional.empty(), PageRequest.first(50)).items())
                .isEmpty();
        assertThat(hub.list(alice, Optional.empty(), Optional.empty(), Optional.of("intern"), PageRequest.first(50))
                .items()).extracting(Repo::name).containsExactly("internal");
    }

    @Test
    void aCommitOnAStaleParentIsRefusedAndTheBranchKeepsTheWinner() throws IOException {
        Repo repo = hub.create(alice, RepoKind.MODEL, "alpha", "racy", Visibility.ORGANISATION);
        String start = hub.resolve(repo, "main").id();
        hub.commit(alice, repo, "main", Optional.of(start), "first", List.of(new FileOp.PutBytes("a.txt",
                "one".getBytes(StandardCharsets.UTF_8))));
        assertThatThrownBy(() -> hub.commit(alice, repo, "main", Optional.of(start), "second", List.of(
                new FileOp.PutBytes("a.txt", "two".getBytes(StandardCharsets.UTF_8)))))
                .isInstanceOfSatisfying(IncubatorException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
        assertThat(new String(read(repo, "main", "a.txt"), StandardCharsets.UTF_8)).isEqualTo("one");
        assertThat(hub.log(repo, "main", PageRequest.first(10)).items()).extracting(Commit::message)
                .containsExactly("first", "initial commit");
    }

    @Test
    void aReadmeCardIsParsedValidatedAndSearchable() throws IOException {
        Repo repo = hub.create(alice, RepoKind.MODEL, "alpha", "med-qwen", Visibility.PUBLIC);
        hub.commit(alice, repo, "main", Optional.empty(), "card", List.of(new FileOp.PutBytes("README.md", """
                ---
                license: apache-2.0
                language: [zh, en]
                base_model: Qwen/Qwen2-7B
                datasets: [alpha/cmedqa]
                pipeline_tag: text-generation
                ---
                # Med Qwen
                """.getBytes(StandardCharsets.UTF_8))));
        Repo found = hub.list(bob, Optional.of(RepoKind.MODEL), Optional.empty(), Optional.of("cmedqa"),
                PageRequest.first(10)).items().get(0);
        assertThat(found.card().orElseThrow().baseModel()).containsExactly("Qwen/Qwen2-7B");
        assertThat(found.card().orElseThrow().language()).containsExactly("zh", "en");
        assertThatThrownBy(() -> hub.commit(alice, repo, "main", Optional.empty(), "bad card", List.of(
                new FileOp.PutBytes("README.md", "---\nlicense: [1, 2]\n---\n".getBytes(StandardCharsets.UTF_8)))))
                .isInstanceOfSatisfying(IncubatorException.class, e -> assertThat(e.fieldErrors())
                        .anySatisfy(error -> assertThat(error.field()).isEqualTo("README.md:license")));
    }

    @Test
    void garbageCollectionRemovesWhatNoCommitNeedsButSparesUploadsInFlight() throws IOException {
        Repo doomed = hub.create(alice, RepoKind.MODEL, "alpha", "doomed", Visibility.ORGANISATION);
        push(doomed, "old.bin", random(7, 200_000));
        Repo kept = hub.create(alice, RepoKind.MODEL, "alpha", "kept", Visibility.ORGANISATION);
        byte[] keptBytes = random(8, 100_000);
        push(kept, "keep.bin", keptBytes);
        hub.delete(operatorCaller(), RepoKind.MODEL, "alpha", "doomed");
        clock.advance(Duration.ofHours(2));
        // An upload in flight: chunks sent but not yet committed.
        List<String> inFlight = uploadChunks(kept, random(9, 50_000));
        ChunkStore.Collected collected = hub.collectGarbage(Duration.ofHours(1));
        assertThat(collected.chunks()).isPositive();
        assertThat(collected.bytesFreed()).isGreaterThan(150_000);
        assertThat(hub.missingChunks(alice, kept, inFlight)).isEmpty();
        assertThat(read(kept, "main", "keep.bin")).isEqualTo(keptBytes);
        assertThat(hub.fsck(bytes -> { }).problems()).isEmpty();
    }

    @Test
    void storageIsChargedOnceToItsOwnerHeldToTheQuotaAndGivenBackByGarbageCollection() throws IOException {
        Repo.Owner alpha = new Repo.Owner(Repo.OwnerKind.ORGANISATION, "org-alpha");
        long before = hub.storage(alpha).usedBytes();
        Repo first = hub.create(alice, RepoKind.MODEL, "alpha", "counted-a", Visibility.ORGANISATION);
        Repo second = hub.create(alice, RepoKind.MODEL, "alpha", "counted-b", Visibility.ORGANISATION);
        byte[] weights = random(21, 100_000);
        push(first, "w.bin", weights);
        push(second, "same.bin", weights);
        assertThat(hub.storage(alpha).usedBytes() - before).as("deduplicated: counted once").isEqualTo(100_000);

        hub.setQuota(operatorCaller(), alpha, "alpha", Optional.of(before + 150_000));
        assertThatThrownBy(() -> push(second, "more.bin", random(22, 100_000)))
                .isInstanceOfSatisfying(IncubatorException.class, e -> assertThat(e.code())
                        .isEqualTo(ErrorCode.STORAGE_QUOTA_EXCEEDED))
                .hasMessageContaining("organisation 'alpha'");
        assertThat(hub.storage(alpha).usedBytes() - before).as("nothing of the refused upload").isEqualTo(100_000);
        Repo theirs = hub.create(bob, RepoKind.MODEL, "beta", "unaffected", Visibility.ORGANISATION);
        push(theirs, "w.bin", random(23, 100_000));

        hub.delete(operatorCaller(), RepoKind.MODEL, "alpha", "counted-a");
        hub.delete(operatorCaller(), RepoKind.MODEL, "alpha", "counted-b");
        clock.advance(Duration.ofHours(2));
        hub.collectGarbage(Duration.ofHours(1));
        assertThat(hub.storage(alpha).usedBytes()).isEqualTo(before);
        assertThat(hub.storage(new Repo.Owner(Repo.OwnerKind.ORGANISATION, "org-beta")).usedBytes())
                .isGreaterThanOrEqualTo(100_000);
    }

    @Test
    void aPackLeftByAnUploadCutShortIsNoDamageAndIsCollectedAfterTheGrace() throws IOException {
        Repo repo = hub.create(alice, RepoKind.MODEL, "alpha", "cut-short", Visibility.ORGANISATION);
        push(repo, "a.bin", random(11, 50_000));
        Files.createDirectories(blobDir.resolve("packs/org-org-alpha"));
        Files.write(blobDir.resolve("packs/org-org-alpha/deadbeef.pack"), random(12, 1_000));
        HubService.FsckReport report = hub.fsck(bytes -> { });
        assertThat(report.clean()).isTrue();
        assertThat(report.unreferenced()).containsExactly("packs/org-org-alpha/deadbeef.pack");
        Files.setLastModifiedTime(blobDir.resolve("packs/org-org-alpha/deadbeef.pack"),
                java.nio.file.attribute.FileTime.from(clock.instant().minus(Duration.ofDays(2))));
        hub.collectGarbage(Duration.ofHours(24));
        assertThat(hub.fsck(bytes -> { }).unreferenced()).isEmpty();
        assertThat(read(repo, "main", "a.bin")).hasSize(50_000);
    }

    @Test
    void makingARepositoryPublicReSealsItsContentInThePublicDomain() throws IOException {
        Repo repo = hub.create(alice, RepoKind.MODEL, "alpha", "going-public", Visibility.ORGANISATION);
        byte[] v1 = random(13, 120_000);
        byte[] v2 = random(14, 80_000);
        push(repo, "w.bin", v1);
        push(repo, "w.bin", v2);
        Repo published = hub.changeVisibility(operatorCaller(), RepoKind.MODEL, "alpha", "going-public",
                Visibility.PUBLIC, Optional.empty());
        assertThat(published.domain()).isEqualTo(HubService.PUBLIC_DOMAIN);
        assertThat(read(published, "main", "w.bin")).isEqualTo(v2);
        assertThat(read(published, hub.log(published, "main", PageRequest.first(5)).items().get(1).id(), "w.bin"))
                .isEqualTo(v1);
        hub.shredOrganisation(operatorCaller(), "org-alpha", "alpha");
        assertThat(read(published, "main", "w.bin")).as("no longer depends on the organisation's key").isEqualTo(v2);
        assertThat(hub.fsck(bytes -> { }).problems()).allSatisfy(problem -> assertThat(problem.detail())
                .contains("crypto-shredded"));
    }

    @Test
    void aPackMostlyFreedIsRewrittenKeepingWhatIsStillNeeded() throws IOException {
        Repo doomed = hub.create(alice, RepoKind.MODEL, "alpha", "mostly-dead", Visibility.ORGANISATION);
        Repo kept = hub.create(alice, RepoKind.MODEL, "alpha", "small-survivor", Visibility.ORGANISATION);
        byte[] big = random(15, 180_000);
        byte[] small = random(16, 40_000);
        // One upload carrying both files' chunks: they land in the same pack.
        List<byte[]> chunks = new ArrayList<>();
        for (byte[] data : List.of(big, small)) {
            new Chunker(SMALL).split(new ByteArrayInputStream(data), (buffer, offset, length) ->
                    chunks.add(java.util.Arrays.copyOfRange(buffer, offset, offset + length)));
        }
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        for (byte[] chunk : chunks) {
            Frames.write(frames, Hashes.sha256(chunk), chunk, 0, chunk.length);
        }
        hub.receiveChunks(alice, doomed, new ByteArrayInputStream(frames.toByteArray()));
        FileManifest bigFile = manifestOf(big);
        FileManifest smallFile = manifestOf(small);
        hub.commit(alice, doomed, "main", Optional.empty(), "big", List.of(new FileOp.Put("big.bin", bigFile.sha256(),
                bigFile.size(), bigFile.chunks())));
        hub.commit(alice, kept, "main", Optional.empty(), "small", List.of(new FileOp.Put("small.bin",
                smallFile.sha256(), smallFile.size(), smallFile.chunks())));
        hub.delete(operatorCaller(), RepoKind.MODEL, "alpha", "mostly-dead");
        clock.advance(Duration.ofHours(2));
        ChunkStore.Collected collected = hub.collectGarbage(Duration.ofHours(1));
        assertThat(collected.packsRewritten()).isEqualTo(1);
        assertThat(collected.bytesFreed()).isGreaterThan(150_000);
        assertThat(read(kept, "main", "small.bin")).isEqualTo(small);
        assertThat(hub.fsck(bytes -> { }).clean()).isTrue();
    }

    @Test
    void aPushThatNeverSentSomeChunksCannotCommit() throws IOException {
        Repo repo = hub.create(alice, RepoKind.MODEL, "alpha", "partial", Visibility.ORGANISATION);
        byte[] data = random(10, 100_000);
        FileManifest manifest = manifestOf(data);
        assertThatThrownBy(() -> hub.commit(alice, repo, "main", Optional.empty(), "too early", List.of(
                new FileOp.Put("w.bin", manifest.sha256(), manifest.size(), manifest.chunks()))))
                .isInstanceOfSatisfying(IncubatorException.class, e -> assertThat(e.fieldErrors())
                        .anySatisfy(error -> assertThat(error.message()).contains("were not uploaded")));
    }

    @Test
    void theAuditLogBecomesAMerkleTreeWhoseProofsVerify() throws Exception {
        for (int i = 0; i < 40; i++) {
            hub.create(alice, RepoKind.MODEL, "alpha", "audited-" + i, Visibility.ORGANISATION);
        }
        var signer = dev.incubator.governance.audit.HeadSigner.loadOrCreate(temp.resolve("audit.key"));
        var log = new dev.incubator.governance.audit.VerifiableAuditLog(new JdbiAuditTree(database), signer, clock,
                Duration.ofSeconds(5));
        var head = log.integrate();
        assertThat(head.treeSize()).isGreaterThanOrEqualTo(40);
        var key = dev.incubator.governance.audit.HeadSigner.publicKey(signer.publicKeyBase64());
        assertThat(dev.incubator.governance.audit.HeadSigner.verify(key, head)).isTrue();
        var export = log.export(0, head.treeSize(), head.treeSize());
        for (var entry : export.entries()) {
            assertThat(dev.incubator.governance.audit.Merkle.verifyInclusion(
                    dev.incubator.governance.audit.AuditEntries.leafHash(entry.event()), entry.leafIndex(),
                    head.treeSize(), entry.path(), head.rootHash())).as("leaf " + entry.leafIndex()).isTrue();
        }
        hub.create(alice, RepoKind.MODEL, "alpha", "one-more", Visibility.ORGANISATION);
        var grown = log.integrate();
        assertThat(grown.treeSize()).isEqualTo(head.treeSize() + 1);
        assertThat(dev.incubator.governance.audit.Merkle.verifyConsistency(head.treeSize(), grown.treeSize(),
                head.rootHash(), grown.rootHash(), log.consistency(head.treeSize(), grown.treeSize()))).isTrue();
    }

    @Test
    void aWitnessCosignsSignedHeadsOnceEachAndTheLatestIsKept() throws Exception {
        hub.create(alice, RepoKind.MODEL, "alpha", "witnessed", Visibility.ORGANISATION);
        var tree = new JdbiAuditTree(database);
        var log = new dev.incubator.governance.audit.VerifiableAuditLog(tree,
                dev.incubator.governance.audit.HeadSigner.loadOrCreate(temp.resolve("audit.key")), clock,
                Duration.ofSeconds(5));
        var first = log.integrate();
        var witnessKey = dev.incubator.governance.audit.HeadSigner.loadOrCreate(temp.resolve("witness.key"));
        var witnesses = new dev.incubator.governance.audit.Witnesses(tree, clock);
        witnesses.register("w1", witnessKey.publicKeyBase64(), "user:op", new RequestMeta("req", "127.0.0.1"));
        assertThatThrownBy(() -> witnesses.register("w1", witnessKey.publicKeyBase64(), "user:op",
                new RequestMeta("req", "127.0.0.1"))).isInstanceOfSatisfying(IncubatorException.class,
                e -> assertThat(e.code()).isEqualTo(dev.incubator.common.ErrorCode.ALREADY_EXISTS));
        String cosigned = java.util.Base64.getEncoder().encodeToString(witnessKey.sign(first.treeSize(),
                first.rootHash(), first.timestamp()).signature());
        witnesses.cosign("w1", first.treeSize(), cosigned);
        witnesses.cosign("w1", first.treeSize(), cosigned);
        assertThat(witnesses.cosignatures(first.treeSize())).hasSize(1);

        hub.create(alice, RepoKind.MODEL, "alpha", "witnessed-later", Visibility.ORGANISATION);
        var second = log.integrate();
        witnesses.cosign("w1", second.treeSize(), java.util.Base64.getEncoder().encodeToString(witnessKey.sign(
                second.treeSize(), second.rootHash(), second.timestamp()).signature()));
        assertThat(witnesses.latest()).singleElement().satisfies(latest ->
                assertThat(latest.treeSize()).isEqualTo(second.treeSize()));
        assertThat(witnesses.list()).singleElement().satisfies(witness -> assertThat(witness.name()).isEqualTo("w1"));
    }

    // ----------------------------------------------------------------------------------------------- helpers

    private Commit push(Repo repo, String path, byte[] data) throws IOException {
        FileManifest manifest = manifestOf(data);
        uploadChunks(repo, data);
        return hub.commit(repo.namespace().equals("beta") ? bob : alice, repo, "main", Optional.empty(), "update " + path,
                List.of(new FileOp.Put(path, manifest.sha256(), manifest.size(), manifest.chunks())));
    }

    /** Sends the chunks of {@code data} the server lacks, as a client would; returns all chunk hashes. */
    private List<String> uploadChunks(Repo repo, byte[] data) throws IOException {
        Subject who = repo.namespace().equals("beta") ? bob : alice;
        List<byte[]> chunks = new ArrayList<>();
        new Chunker(SMALL).split(new ByteArrayInputStream(data), (buffer, offset, length) ->
                chunks.add(java.util.Arrays.copyOfRange(buffer, offset, offset + length)));
        List<String> hashes = chunks.stream().map(Hashes::sha256).toList();
        var missing = hub.missingChunks(who, repo, hashes);
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        for (byte[] chunk : chunks) {
            String hash = Hashes.sha256(chunk);
            if (missing.remove(hash)) {
                Frames.write(frames, hash, chunk, 0, chunk.length);
            }
        }
        hub.receiveChunks(who, repo, new ByteArrayInputStream(frames.toByteArray()));
        return hashes;
    }

    private static FileManifest manifestOf(byte[] data) throws IOException {
        List<FileManifest.ChunkRef> refs = new ArrayList<>();
        new Chunker(SMALL).split(new ByteArrayInputStream(data), (buffer, offset, length) ->
                refs.add(new FileManifest.ChunkRef(Hashes.sha256(buffer, offset, length), length)));
        return new FileManifest("client", Hashes.sha256(data), data.length, refs);
    }

    private byte[] read(Repo repo, String revision, String path) throws IOException {
        HubService.Download download = hub.download(repo, revision, path);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        hub.copy(download, 0, download.entry().size(), out);
        return out.toByteArray();
    }

    private long storedBytes() throws IOException {
        try (Stream<Path> files = Files.walk(blobDir)) {
            return files.filter(path -> path.toString().endsWith(".pack")).mapToLong(path -> path.toFile().length()).sum();
        }
    }

    private static byte[] random(long seed, int size) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    private static Subject caller(String user, Map<String, OrgRole> organisations) {
        return Subject.user(user, user, Set.of(), organisations, EnumSet.allOf(Scope.class),
                new RequestMeta("req", "127.0.0.1"));
    }

    private static Subject operatorCaller() {
        return Subject.user("u-op", "u-op", Set.of(PlatformRole.OPERATOR), Map.of(), EnumSet.allOf(Scope.class),
                new RequestMeta("req", "127.0.0.1"));
    }

    /** A clock tests move by hand. */
    static final class MutableTestClock extends Clock {
        private Instant now;

        MutableTestClock(Instant start) {
            this.now = start;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
