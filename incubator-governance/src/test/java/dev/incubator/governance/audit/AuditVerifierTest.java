package dev.incubator.governance.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An exported range is accepted as is, and refused at the right index when edited, cut or reordered. */
class AuditVerifierTest {
    @TempDir
    Path temp;

    @Test
    void editsRemovalsAndSwapsAreNamedByTheirLeafIndex() throws Exception {
        HeadSigner signer = HeadSigner.loadOrCreate(temp.resolve("audit.key"));
        MerkleTest.MemoryTiles store = new MerkleTest.MemoryTiles();
        TreeBuilder builder = new TreeBuilder(0, store);
        List<byte[]> events = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            events.add(CanonicalJson.bytes(java.util.Map.of("sequence", (long) i + 1, "action", "job.submit")));
            builder.append(Merkle.leafHash(events.get(i)));
        }
        store.store(builder.drainChanged());
        Tiles tiles = new Tiles(store, 10);
        TreeHead head = signer.sign(300, Merkle.root(tiles, 300), Instant.parse("2026-11-29T00:00:00Z"));
        List<AuditVerifier.Entry> entries = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            entries.add(new AuditVerifier.Entry(i, events.get(i), Merkle.inclusionProof(tiles, i, 300)));
        }
        var key = HeadSigner.publicKey(signer.publicKeyBase64());
        assertThat(AuditVerifier.verify(head, key, 0, 300, entries).valid()).isTrue();

        List<AuditVerifier.Entry> edited = new ArrayList<>(entries);
        edited.set(120, new AuditVerifier.Entry(120, CanonicalJson.bytes(java.util.Map.of("sequence", 121L,
                "action", "job.cancel")), entries.get(120).path()));
        assertThat(AuditVerifier.verify(head, key, 0, 300, edited).firstBadIndex()).hasValue(120L);

        List<AuditVerifier.Entry> removed = new ArrayList<>(entries);
        removed.remove(77);
        assertThat(AuditVerifier.verify(head, key, 0, 300, removed).firstBadIndex()).hasValue(77L);

        List<AuditVerifier.Entry> swapped = new ArrayList<>(entries);
        swapped.set(200, new AuditVerifier.Entry(200, events.get(201), entries.get(200).path()));
        swapped.set(201, new AuditVerifier.Entry(201, events.get(200), entries.get(201).path()));
        assertThat(AuditVerifier.verify(head, key, 0, 300, swapped).firstBadIndex()).hasValue(200L);

        List<AuditVerifier.Entry> truncated = new ArrayList<>(entries.subList(0, 299));
        assertThat(AuditVerifier.verify(head, key, 0, 300, truncated).firstBadIndex()).hasValue(299L);

        TreeHead forged = new TreeHead(300, head.rootHash(), head.timestamp().plusSeconds(1), head.signature());
        assertThat(AuditVerifier.verify(forged, key, 0, 300, entries).message()).contains("signature");
    }
}
