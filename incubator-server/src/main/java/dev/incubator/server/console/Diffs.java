package dev.incubator.server.console;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A commit page's line diffs: unified, three lines of context, for text files up to {@link #MAX_FILE} bytes a side,
 * at most {@link #MAX_LINES} lines a file and {@link #MAX_TOTAL} for the page; beyond that, or for binary files,
 * the page says why there is no diff and shows the sizes.
 */
final class Diffs {
    static final long MAX_FILE = 256 * 1024;
    static final int MAX_LINES = 2_000;
    static final int MAX_TOTAL = 10_000;
    private final Messages messages;
    private int shown;

    Diffs(Messages messages) {
        this.messages = messages;
    }

    /** Puts the file's diff lines (each with its kind: add, del, hunk, same) or a note into {@code file}. */
    void describe(Map<String, Object> file, Optional<Optional<String>> before, Optional<Optional<String>> after) {
        if (before.map(Optional::isEmpty).orElse(false) || after.map(Optional::isEmpty).orElse(false)) {
            file.put("note", messages.get("hub.diff_binary"));
            return;
        }
        List<String> old = before.flatMap(text -> text).map(Diffs::lines).orElse(List.of());
        List<String> now = after.flatMap(text -> text).map(Diffs::lines).orElse(List.of());
        List<String> unified = UnifiedDiffUtils.generateUnifiedDiff("a", "b", old, DiffUtils.diff(old, now), 3);
        List<Map<String, String>> lines = new ArrayList<>();
        for (String line : unified.subList(Math.min(2, unified.size()), unified.size())) { // without the ---/+++ lines
            String kind = line.startsWith("@@") ? "hunk" : line.startsWith("+") ? "add" : line.startsWith("-") ? "del"
                    : "same";
            lines.add(Map.of("kind", kind, "text", line));
        }
        if (lines.size() > MAX_LINES || shown + lines.size() > MAX_TOTAL) {
            file.put("note", messages.get("hub.diff_too_large"));
            return;
        }
        shown += lines.size();
        file.put("lines", lines);
        file.put("has_lines", !lines.isEmpty());
    }

    static Optional<String> decode(byte[] bytes) {
        for (byte b : bytes) {
            if (b == 0) {
                return Optional.empty();
            }
        }
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    private static List<String> lines(String text) {
        // As git counts them: a final newline ends the last line rather than starting another.
        String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        return text.isEmpty() ? List.of() : List.of(body.split("\r?\n", -1));
    }
}
