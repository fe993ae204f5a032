package dev.incubator.hub.xet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Golden values of the Xet hashing specification (the aggregated Merkle tree behind xorb and file hashes, from the
 * reference implementation's correctness vectors) and of its text form of hashes.
 */
class XetHashTest {
    private static final String A = "cfc5d07f6f03c29bbf424132963fe08d19a37d5757aaf520bf08119f05cd56d6";
    private static final String B = "c3e67584b5c4fc2a89837ec39e40f2c8a6bb0b2987ac94cd4b31e5fbdd210a72";
    private static final String C = "0d2beb91b9196929a5ddec9f6e306924ddf4a24268e3e59fd8464738d525af37";
    private static final String D = "adf8773496a9b7319b2e50dc98093f344053b17d8ad37100b9c07d9805988784";

    private static XetHash.Node node(String hash, long length) {
        return new XetHash.Node(XetHash.parse(hash), length);
    }

    @Test
    void theTextFormReversesEachEightByteWord() {
        byte[] hash = new byte[32];
        for (int i = 0; i < 32; i++) {
            hash[i] = (byte) i;
        }
        // The specification's example of this conversion drops the byte 0x10; all 32 bytes are here.
        assertThat(XetHash.hex(hash)).isEqualTo("07060504030201000f0e0d0c0b0a090817161514131211101f1e1d1c1b1a1918");
        assertThat(XetHash.parse(XetHash.hex(hash))).isEqualTo(hash);
    }

    @Test
    void aSingleChunkIsItsOwnXorbHashAndTheFileHashKeysIt() {
        List<XetHash.Node> one = List.of(node(A, 100));
        assertThat(XetHash.hex(XetHash.xorb(one))).isEqualTo(A);
        assertThat(XetHash.hex(XetHash.file(one)))
                .isEqualTo("8e16257caa3fe079d484d872a8975264b2ff683b0d6db9028cc7c0f968a45661");
    }

    @Test
    void threeChunksMakeOneInternalNode() {
        List<XetHash.Node> chunks = List.of(node(A, 100), node(B, 200), node(C, 300));
        assertThat(XetHash.hex(XetHash.xorb(chunks)))
                .isEqualTo("71ec1275fca074724e2dd666921b3277c7cee603e4d025bcab2d4050015be2bc");
        assertThat(XetHash.hex(XetHash.file(chunks)))
                .isEqualTo("54e55dccc6653c612bdb5576c5d3cb34bb31bc4e100248abccf4c908b3ef7715");
    }

    @Test
    void repeatedChunksAndLongerSequencesFollowTheVariableBranching() {
        assertThat(XetHash.hex(XetHash.xorb(List.of(node(A, 100), node(A, 100), node(A, 100), node(A, 100)))))
                .isEqualTo("89f2ada89ff8c96763c6b25010e6dd76a4c05b1466207633ea559acf2093211b");
        List<XetHash.Node> six = List.of(node(A, 100), node(B, 200), node(A, 100), node(B, 200), node(C, 300),
                node(D, 400));
        assertThat(XetHash.hex(XetHash.xorb(six)))
                .isEqualTo("52c826f99507aa05d0b45e9837fa1709e0485425cfbcb1e80db3905cf98b3ee9");
        assertThat(XetHash.hex(XetHash.file(six)))
                .isEqualTo("91d21684db364c8883ab8209fa5eb2e781cf07f37e1fa43e731c30839afe422f");
    }

    @Test
    void noChunksHashToZero() {
        assertThat(XetHash.xorb(List.of())).isEqualTo(new byte[32]);
        assertThat(XetHash.file(List.of())).isEqualTo(new byte[32]);
    }

    @Test
    void byteGroupingRoundTripsWithARemainder() {
        byte[] data = new byte[4 * 1000 + 3];
        new java.util.Random(1).nextBytes(data);
        assertThat(XorbReader.ungroup(XorbReader.group(data))).isEqualTo(data);
        byte[] grouped = XorbReader.group(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        assertThat(grouped).containsExactly(1, 5, 9, 2, 6, 3, 7, 4, 8);
    }
}
