package dev.incubator.hub.chunk;

import java.time.Instant;

/** A pack object in the blob store: its id, encryption domain, size and number of chunk records. */
public record PackInfo(String id, String domain, long size, int chunks, Instant createdAt) {
    /** The blob key of the pack. */
    public String key() {
        return keyOf(domain, id);
    }

    /** The blob key of the pack's index. */
    public String indexKey() {
        return "packs/" + domain + "/" + id + ".idx";
    }

    public static String keyOf(String domain, String id) {
        return "packs/" + domain + "/" + id + ".pack";
    }
}
