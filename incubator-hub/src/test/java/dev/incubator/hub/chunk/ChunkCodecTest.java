package dev.incubator.hub.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.incubator.hub.crypto.Aead;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ChunkCodecTest {
    private final byte[] key = Aead.newKey();

    @Test
    void compressibleChunksShrinkAndRandomOnesAreStoredWithOnlyTheCipherOverhead() throws Exception {
        byte[] text = "the same sentence again and again. ".repeat(2_000).getBytes(StandardCharsets.UTF_8);
        byte[] noise = ChunkerTest.seeded(1, 64 * 1024);
        byte[] packedText = ChunkCodec.encode(key, "d", Hashes.sha256(text), text, 0, text.length);
        byte[] packedNoise = ChunkCodec.encode(key, "d", Hashes.sha256(noise), noise, 0, noise.length);
        assertThat(packedText.length).isLessThan(text.length / 10);
        assertThat(packedNoise.length).isEqualTo(noise.length + 1 + Aead.OVERHEAD);
        assertThat(ChunkCodec.decode(key, "d", Hashes.sha256(text), text.length, packedText, 0, packedText.length))
                .isEqualTo(text);
        assertThat(ChunkCodec.decode(key, "d", Hashes.sha256(noise), noise.length, packedNoise, 0, packedNoise.length))
                .isEqualTo(noise);
    }

    @Test
    void aRecordDoesNotOpenUnderAnotherDomainHashKeyOrWithAFlippedBit() {
        byte[] data = ChunkerTest.seeded(2, 10_000);
        String hash = Hashes.sha256(data);
        byte[] record = ChunkCodec.encode(key, "org-a", hash, data, 0, data.length);
        assertThatThrownBy(() -> ChunkCodec.decode(key, "org-b", hash, data.length, record, 0, record.length))
                .isInstanceOf(CorruptDataException.class).hasMessageContaining(hash);
        assertThatThrownBy(() -> ChunkCodec.decode(Aead.newKey(), "org-a", hash, data.length, record, 0, record.length))
                .isInstanceOf(CorruptDataException.class);
        String other = Hashes.sha256(new byte[] {1});
        assertThatThrownBy(() -> ChunkCodec.decode(key, "org-a", other, data.length, record, 0, record.length))
                .isInstanceOf(CorruptDataException.class);
        byte[] flipped = record.clone();
        flipped[100] ^= 0x40;
        assertThatThrownBy(() -> ChunkCodec.decode(key, "org-a", hash, data.length, flipped, 0, flipped.length))
                .isInstanceOf(CorruptDataException.class).hasMessageContaining("does not authenticate");
    }
}
