package dev.incubator.eval;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Benchmark contamination by n-gram overlap (13-grams, as GPT-3's and lm-eval's decontamination): text is lower-cased
 * and split into words, each CJK character a word of its own, punctuation and spaces dropped; an item is contaminated
 * when any of its n-grams occurs in the training text. Items shorter than n words are checked by their whole text.
 */
public final class Contamination {
    public static final int N = 13;

    /** One item's verdict: how many of its n-grams the corpus holds, of how many it has. */
    public record Verdict(String id, int overlapping, int ngrams) {
        public boolean contaminated() {
            return overlapping > 0;
        }
    }

    private final int n;
    private final List<String> ids = new ArrayList<>();
    private final List<Set<Long>> grams = new ArrayList<>();
    private final Set<Long> wanted = new HashSet<>();
    private final Set<Long> seen = new HashSet<>();

    public Contamination(int n) {
        this.n = n;
    }

    /** A check of a benchmark's items, each as its zero-shot prompt filled from its row followed by its choices. */
    public static Contamination of(TaskSpec spec, List<Item> items) {
        Contamination check = new Contamination(N);
        for (Item item : items) {
            StringBuilder text = new StringBuilder(Template.render(spec.prompt(), item.fields(), spec.maps()));
            for (String choice : spec.choices()) {
                text.append('\n').append(Template.render(choice, item.fields(), spec.maps()));
            }
            check.item(item.id(), text.toString());
        }
        return check;
    }

    /** Adds a benchmark item (its prompt and options) to check. */
    public void item(String id, String text) {
        Set<Long> set = new HashSet<>(hashes(words(text), n));
        ids.add(id);
        grams.add(set);
        wanted.addAll(set);
    }

    /** Scans a piece of training text (call once per document, or per chunk of a long one). */
    public void corpus(String text) {
        List<String> words = words(text);
        for (long hash : hashes(words, n)) {
            if (wanted.contains(hash)) {
                seen.add(hash);
            }
        }
        // an item shorter than n words is one gram of its own length; look for those lengths too
        for (Set<Long> set : grams) {
            if (set.size() == 1) {
                for (int length = 1; length < n && length <= words.size(); length++) {
                    for (long hash : hashes(words, length)) {
                        if (set.contains(hash)) {
                            seen.add(hash);
                        }
                    }
                }
            }
        }
    }

    public List<Verdict> verdicts() {
        List<Verdict> out = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            int overlapping = (int) grams.get(i).stream().filter(seen::contains).count();
            out.add(new Verdict(ids.get(i), overlapping, grams.get(i).size()));
        }
        return List.copyOf(out);
    }

    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        String lower = text.toLowerCase(Locale.ROOT);
        for (int i = 0; i < lower.length(); ) {
            int cp = lower.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.UnicodeScript.of(cp) == Character.UnicodeScript.HAN) {
                flush(word, words);
                words.add(new String(Character.toChars(cp)));
            } else if (Character.isLetterOrDigit(cp)) {
                word.appendCodePoint(cp);
            } else {
                flush(word, words);
            }
        }
        flush(word, words);
        return words;
    }

    private static void flush(StringBuilder word, List<String> words) {
        if (!word.isEmpty()) {
            words.add(word.toString());
            word.setLength(0);
        }
    }

    /** 64-bit FNV-1a hashes of each window of {@code length} words (the whole text when it is shorter). */
    private static List<Long> hashes(List<String> words, int length) {
        List<Long> out = new ArrayList<>();
        if (words.isEmpty()) {
            return out;
        }
        int size = Math.min(length, words.size());
        for (int start = 0; start + size <= words.size(); start++) {
            long hash = 0xcbf29ce484222325L;
            for (int i = start; i < start + size; i++) {
                for (byte b : (words.get(i) + "\u0000").getBytes(StandardCharsets.UTF_8)) {
                    hash ^= b & 0xff;
                    hash *= 0x100000001b3L;
                }
            }
            out.add(hash);
        }
        return out;
    }
}
