package dev.incubator.hub.chunk;

import java.io.IOException;
import java.io.OutputStream;

/** The wire format of a chunk upload: per chunk a 32-byte SHA-256, a 4-byte big-endian length, the bytes. */
public final class Frames {
    private Frames() {
    }

    public static void write(OutputStream out, String hash, byte[] data, int offset, int length) throws IOException {
        out.write(Hashes.unhex(hash));
        out.write(new byte[] {(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length});
        out.write(data, offset, length);
    }
}
