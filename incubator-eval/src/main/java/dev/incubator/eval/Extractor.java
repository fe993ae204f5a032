package dev.incubator.eval;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Named ways to take an answer out of generated text. */
public enum Extractor {
    /** The first standalone option letter A-J (also after 答案 or "answer"). */
    FIRST_LETTER {
        @Override
        public Optional<String> extract(String text, List<String> letters) {
            Matcher matcher = LETTER.matcher(text);
            while (matcher.find()) {
                String letter = matcher.group(1);
                if (letters.isEmpty() || letters.contains(letter)) {
                    return Optional.of(letter);
                }
            }
            return Optional.empty();
        }
    },
    /** The last number in the text, thousands separators removed (MGSM's exact match). */
    LAST_NUMBER {
        @Override
        public Optional<String> extract(String text, List<String> letters) {
            Matcher matcher = NUMBER.matcher(text);
            String last = null;
            while (matcher.find()) {
                last = matcher.group();
            }
            return Optional.ofNullable(last).map(Extractor::number);
        }
    };

    private static final Pattern LETTER = Pattern.compile("(?<![A-Za-z])([A-J])(?![A-Za-z])");
    private static final Pattern NUMBER = Pattern.compile("-?\\d[\\d,]*(?:\\.\\d+)?");

    public abstract Optional<String> extract(String text, List<String> letters);

    /** A number as exact match compares it: no thousands separators, no trailing ".0". */
    public static String number(String text) {
        String plain = text.replace(",", "").strip();
        if (plain.contains(".")) {
            plain = plain.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return plain;
    }
}
