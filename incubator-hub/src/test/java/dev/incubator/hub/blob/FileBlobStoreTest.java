package dev.incubator.hub.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class FileBlobStoreTest extends BlobStoreContract {
    @Override
    protected BlobStore store() throws IOException {
        return new FileBlobStore(temp.resolve("blobs"));
    }

    @Test
    void keysCannotEscapeTheRoot() throws IOException {
        BlobStore store = store();
        assertThatThrownBy(() -> store.put("../escape", new byte[1])).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> store.put("/etc/passwd", new byte[1])).isInstanceOf(IOException.class);
        assertThat(Files.exists(temp.resolve("escape"))).isFalse();
    }

    @Test
    void aLeftoverTemporaryFileIsNeitherListedNorAnObject() throws IOException {
        BlobStore store = store();
        Files.createDirectories(temp.resolve("blobs/packs"));
        Files.write(temp.resolve("blobs/packs/.tmp-crashed"), new byte[] {1});
        assertThat(store.list("packs/")).isEmpty();
    }
}
