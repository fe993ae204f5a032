package dev.incubator.hub.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The conformance suite every blob store passes. */
public abstract class BlobStoreContract {
    @TempDir
    protected Path temp;

    /** A new, empty store. */
    protected abstract BlobStore store() throws IOException;

    @Test
    void anObjectReadsBackWholeAndByRange() throws IOException {
        BlobStore store = store();
        byte[] data = random(1, 100_000);
        store.put("packs/d/one.pack", data);
        assertThat(store.read("packs/d/one.pack", 0, data.length)).isEqualTo(data);
        assertThat(store.read("packs/d/one.pack", 4_000, 10)).isEqualTo(java.util.Arrays.copyOfRange(data, 4_000, 4_010));
        try (InputStream in = store.open("packs/d/one.pack")) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
        assertThat(store.stat("packs/d/one.pack")).hasValueSatisfying(info -> assertThat(info.size()).isEqualTo(100_000));
    }

    @Test
    void aLargeFileIsStoredWhole() throws IOException {
        BlobStore store = store();
        Path file = temp.resolve("big");
        byte[] data = random(2, 12 * 1024 * 1024 + 123);
        Files.write(file, data);
        store.put("packs/d/big.pack", file);
        assertThat(store.stat("packs/d/big.pack").orElseThrow().size()).isEqualTo(data.length);
        assertThat(store.read("packs/d/big.pack", data.length - 1_000, 1_000))
                .isEqualTo(java.util.Arrays.copyOfRange(data, data.length - 1_000, data.length));
    }

    @Test
    void listingIsByPrefixInKeyOrder() throws IOException {
        BlobStore store = store();
        store.put("packs/b/2.pack", new byte[] {2});
        store.put("packs/a/1.pack", new byte[] {1});
        store.put("other/x", new byte[] {3});
        assertThat(store.list("packs/")).extracting(BlobStore.BlobInfo::key)
                .containsExactly("packs/a/1.pack", "packs/b/2.pack");
    }

    @Test
    void missingObjectsAreReportedAndDeletesAreIdempotent() throws IOException {
        BlobStore store = store();
        assertThat(store.stat("packs/none")).isEmpty();
        assertThatThrownBy(() -> store.read("packs/none", 0, 1)).isInstanceOf(BlobStore.BlobNotFoundException.class);
        assertThatThrownBy(() -> store.open("packs/none").readAllBytes())
                .isInstanceOf(BlobStore.BlobNotFoundException.class);
        store.put("packs/gone", new byte[] {1});
        store.delete("packs/gone");
        store.delete("packs/gone");
        assertThat(store.stat("packs/gone")).isEmpty();
    }

    @Test
    void aReadBeyondTheEndFails() throws IOException {
        BlobStore store = store();
        store.put("packs/short", new byte[10]);
        assertThatThrownBy(() -> store.read("packs/short", 5, 10)).isInstanceOf(IOException.class);
    }

    protected static byte[] random(long seed, int size) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }
}
