package dev.incubator.replica;

/** Where a byte sequence can be cut without splitting a UTF-8 character (tokens may end inside one). */
final class Utf8 {
    private Utf8() {
    }

    /** The length of the longest prefix of {@code bytes} that ends on a character boundary. */
    static int completePrefix(byte[] bytes, int length) {
        int start = length;
        // Walk back over at most three continuation bytes to the lead byte of the last character.
        int back = 0;
        while (start > 0 && back < 4 && (bytes[start - 1] & 0xC0) == 0x80) {
            start--;
            back++;
        }
        if (start == 0) {
            return back == 0 ? 0 : length; // only continuation bytes: not UTF-8 at all, let the decoder replace them
        }
        int lead = bytes[start - 1] & 0xFF;
        int needed = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        return back + 1 >= needed ? length : start - 1;
    }
}
