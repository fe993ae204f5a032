package dev.incubator.server.console;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Follows a job's output file from a byte offset, sending what was appended as "log" events whose id is the offset
 * after them (a reconnecting browser resumes there). Events end on whole UTF-8 characters; at most
 * {@link #PER_TICK} bytes go out per tick, so a job printing fast cannot make one stream unbounded.
 */
final class JobOutput {
    static final int CHUNK = 64 * 1024;
    static final int PER_TICK = 256 * 1024;
    private long offset;

    JobOutput(long offset) {
        this.offset = offset;
    }

    long offset() {
        return offset;
    }

    /** An offset from an event id or a query parameter: digits only, else 0 (the start). */
    static long offset(String text) {
        if (text == null || text.isEmpty() || text.length() > 18 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return 0;
        }
        return Long.parseLong(text);
    }

    /** Sends what the file has beyond the offset; true when everything in it has been sent. */
    boolean follow(Path file, LiveEvents.Events events) throws IOException {
        if (!Files.isRegularFile(file)) {
            return true;
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            offset = Math.min(offset, length);
            long budget = PER_TICK;
            byte[] buffer = new byte[CHUNK];
            while (offset < length && budget > 0) {
                int want = (int) Math.min(Math.min(CHUNK, length - offset), budget);
                in.seek(offset);
                in.readFully(buffer, 0, want);
                int complete = completeLength(buffer, want);
                if (complete == 0) {
                    // Only part of one character so far: it comes whole with the next tick, unless it never will.
                    if (length - offset < 4) {
                        return false;
                    }
                    complete = want;
                }
                offset += complete;
                budget -= complete;
                events.send("log", new String(buffer, 0, complete, StandardCharsets.UTF_8), Long.toString(offset));
            }
            return offset >= length;
        }
    }

    /** How many of the first {@code length} bytes end on a whole UTF-8 character (a cut sequence is left out). */
    static int completeLength(byte[] bytes, int length) {
        int start = length - 1;
        int back = 0;
        while (start >= 0 && back < 3 && (bytes[start] & 0xC0) == 0x80) {
            start--;
            back++;
        }
        if (start < 0) {
            return length;
        }
        int lead = bytes[start] & 0xFF;
        int needed = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        return start + needed > length ? start : length;
    }
}
