package dev.incubator.governance.audit;

import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/** A signed tree head: the size and root of the audit tree at a time, signed with the log's Ed25519 key. */
public record TreeHead(long treeSize, byte[] rootHash, Instant timestamp, byte[] signature) {
    /** The bytes that are signed: canonical JSON of tree_size, root_hash (base64) and timestamp (RFC 3339). */
    public static byte[] signedBytes(long treeSize, byte[] rootHash, Instant timestamp) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("tree_size", treeSize);
        body.put("root_hash", Base64.getEncoder().encodeToString(rootHash));
        body.put("timestamp", timestamp.toString());
        return CanonicalJson.bytes(body);
    }

    public byte[] signedBytes() {
        return signedBytes(treeSize, rootHash, timestamp);
    }
}
