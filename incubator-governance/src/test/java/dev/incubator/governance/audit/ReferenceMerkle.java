package dev.incubator.governance.audit;

import java.util.ArrayList;
import java.util.List;

/**
 * RFC 6962 section 2.1 written out literally: MTH, PATH and PROOF by recursion over the whole list of entries.
 * Slow, obviously right, and used only to test the tiled implementation.
 */
final class ReferenceMerkle {
    private ReferenceMerkle() {
    }

    static byte[] mth(List<byte[]> entries) {
        int n = entries.size();
        if (n == 0) {
            return Merkle.sha256().digest();
        }
        if (n == 1) {
            return Merkle.leafHash(entries.get(0));
        }
        int k = largestPowerOfTwoBelow(n);
        return Merkle.nodeHash(mth(entries.subList(0, k)), mth(entries.subList(k, n)));
    }

    static List<byte[]> path(int m, List<byte[]> entries) {
        int n = entries.size();
        List<byte[]> out = new ArrayList<>();
        if (n == 1) {
            return out;
        }
        int k = largestPowerOfTwoBelow(n);
        if (m < k) {
            out.addAll(path(m, entries.subList(0, k)));
            out.add(mth(entries.subList(k, n)));
        } else {
            out.addAll(path(m - k, entries.subList(k, n)));
            out.add(mth(entries.subList(0, k)));
        }
        return out;
    }

    static List<byte[]> proof(int m, List<byte[]> entries) {
        return subproof(m, entries, true);
    }

    private static List<byte[]> subproof(int m, List<byte[]> entries, boolean b) {
        int n = entries.size();
        List<byte[]> out = new ArrayList<>();
        if (m == n) {
            if (!b) {
                out.add(mth(entries));
            }
            return out;
        }
        int k = largestPowerOfTwoBelow(n);
        if (m <= k) {
            out.addAll(subproof(m, entries.subList(0, k), b));
            out.add(mth(entries.subList(k, n)));
        } else {
            out.addAll(subproof(m - k, entries.subList(k, n), false));
            out.add(mth(entries.subList(0, k)));
        }
        return out;
    }

    private static int largestPowerOfTwoBelow(int n) {
        int k = 1;
        while (k << 1 < n) {
            k <<= 1;
        }
        return k;
    }
}
