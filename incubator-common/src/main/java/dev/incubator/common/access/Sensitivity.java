package dev.incubator.common.access;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Kinds of sensitive personal information a dataset may hold, as its card declares them ({@code sensitive:}): the
 * categories of the Personal Information Protection Law (art. 28) and of health data, plus personal information in
 * general. Training or fine-tuning on a dataset marked with any of them needs an approved ethical review.
 */
public enum Sensitivity {
    PERSONAL_INFORMATION("personal information that identifies people"),
    HEALTH("medical and health records"),
    BIOMETRICS("faces, voices, fingerprints and other biometric data"),
    FINANCIAL("bank accounts and other financial records"),
    LOCATION("whereabouts and movement traces"),
    RELIGION("religious beliefs"),
    IDENTITY("specific identities such as ethnicity or political views"),
    MINORS("personal information of minors");

    private final String description;

    Sensitivity(String description) {
        this.description = description;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public String description() {
        return description;
    }

    public static Optional<Sensitivity> parse(String wire) {
        return Arrays.stream(values()).filter(value -> value.wire().equals(wire.strip().toLowerCase(Locale.ROOT)))
                .findFirst();
    }

    /** The wire names, comma-separated, for error messages. */
    public static String choices() {
        return Arrays.stream(values()).map(Sensitivity::wire).collect(Collectors.joining(", "));
    }
}
