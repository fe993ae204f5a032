package dev.incubator.governance.audit;

import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Checks an exported range of audit events offline: the head's signature, then every entry in order against its
 * inclusion proof; when the range is the whole log, also the root recomputed from the entries alone. Names the
 * first leaf index at which anything was changed, removed or reordered.
 */
public final class AuditVerifier {
    private AuditVerifier() {
    }

    /** One exported entry: its leaf index, the canonical JSON of its event, and its audit path. */
    public record Entry(long leafIndex, byte[] canonicalEvent, List<byte[]> path) {
    }

    public record Result(boolean valid, Optional<Long> firstBadIndex, String message, int verified) {
        static Result bad(long index, String message, int verified) {
            return new Result(false, Optional.of(index), message, verified);
        }
    }

    /**
     * @param from the first leaf index the export claims to cover
     * @param to   one past the last
     */
    public static Result verify(TreeHead head, PublicKey key, long from, long to, List<Entry> entries) {
        if (!HeadSigner.verify(key, head)) {
            return new Result(false, Optional.empty(), "the tree head's signature does not verify with the public key",
                    0);
        }
        if (from < 0 || to > head.treeSize() || from > to) {
            return new Result(false, Optional.empty(), "the export claims leaves [" + from + ", " + to
                    + ") of a tree of " + head.treeSize(), 0);
        }
        long expected = from;
        int verified = 0;
        List<byte[]> leafHashes = new ArrayList<>();
        for (Entry entry : entries) {
            if (entry.leafIndex() != expected) {
                return entry.leafIndex() > expected
                        ? Result.bad(expected, "leaf " + expected + " is missing (removed)", verified)
                        : Result.bad(entry.leafIndex(), "leaf " + entry.leafIndex() + " is out of order (expected "
                        + expected + ")", verified);
            }
            byte[] leafHash = Merkle.leafHash(entry.canonicalEvent());
            if (!Merkle.verifyInclusion(leafHash, entry.leafIndex(), head.treeSize(), entry.path(), head.rootHash())) {
                return Result.bad(entry.leafIndex(), "leaf " + entry.leafIndex() + " does not match the signed tree "
                        + "(changed, or another event put in its place)", verified);
            }
            leafHashes.add(leafHash);
            verified++;
            expected++;
        }
        if (expected != to) {
            return Result.bad(expected, "leaf " + expected + " is missing (removed)", verified);
        }
        if (from == 0 && to == head.treeSize()) {
            byte[] root = rootOf(leafHashes, 0, leafHashes.size());
            if (!Arrays.equals(root, head.rootHash())) {
                return new Result(false, Optional.empty(), "the entries do not make the signed root", verified);
            }
        }
        return new Result(true, Optional.empty(), verified + " entries verified against the head of "
                + head.treeSize() + " leaves", verified);
    }

    /** Checks that a newer head extends an older, trusted one. */
    public static boolean extendsTrusted(TreeHead trusted, TreeHead head, List<byte[]> proof) {
        if (trusted.treeSize() == 0) {
            return true;
        }
        return Merkle.verifyConsistency(trusted.treeSize(), head.treeSize(), trusted.rootHash(), head.rootHash(), proof);
    }

    private static byte[] rootOf(List<byte[]> leaves, int start, int end) {
        int n = end - start;
        if (n == 0) {
            return Merkle.emptyRoot();
        }
        if (n == 1) {
            return leaves.get(start);
        }
        int k = (int) Merkle.split(n);
        return Merkle.nodeHash(rootOf(leaves, start, start + k), rootOf(leaves, start + k, end));
    }
}
