package dev.incubator.common;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes in bytes as people write them: {@code 512}, {@code 64MiB}, {@code 1.5 TiB}, {@code 10GB}. */
public final class ByteSize {
    private static final String[] BINARY = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    private static final Pattern TEXT = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*([kKmMgGtTpP]?)(i?)[bB]?\\s*");

    private ByteSize() {
    }

    /** {@code 1536} as {@code 1.5 KiB}; under 1 KiB as {@code 999 B}. */
    public static String format(long bytes) {
        double amount = Math.abs((double) bytes);
        int unit = 0;
        while (amount >= 1024 && unit < BINARY.length - 1) {
            amount /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format(Locale.ROOT, "%s%.1f %s", bytes < 0 ? "-" : "", amount,
                BINARY[unit]);
    }

    /**
     * A size such as {@code 200GiB} (binary units), {@code 200GB} (decimal units), {@code 200G} (binary) or a plain
     * number of bytes; empty when the text is none of these or does not fit a long.
     */
    public static Optional<Long> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher matcher = TEXT.matcher(text);
        if (!matcher.matches() || matcher.group(1).length() > 20) {
            return Optional.empty();
        }
        String prefix = matcher.group(2).toUpperCase(Locale.ROOT);
        boolean binary = !matcher.group(3).isEmpty() || !text.trim().toUpperCase(Locale.ROOT).endsWith(prefix + "B");
        int power = prefix.isEmpty() ? 0 : "KMGTP".indexOf(prefix) + 1;
        if (prefix.isEmpty() && !matcher.group(3).isEmpty()) {
            return Optional.empty();
        }
        BigDecimal value = new BigDecimal(matcher.group(1)).multiply(BigDecimal.valueOf(binary ? 1024 : 1000).pow(power));
        try {
            return Optional.of(value.setScale(0, java.math.RoundingMode.CEILING).longValueExact());
        } catch (ArithmeticException e) {
            return Optional.empty();
        }
    }
}
