package dev.incubator.tenancy;

import dev.incubator.common.Violations;
import java.util.Set;
import java.util.regex.Pattern;

/** Validation rules for handles and free text shared by the tenancy services. */
public final class Names {
    private static final Pattern HANDLE = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,37}[a-z0-9])?");
    private static final Pattern GPU_TYPE = Pattern.compile("[a-z0-9][a-z0-9._-]{0,31}");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]{1,189}\\.[^@\\s]{1,63}");
    private static final Set<String> RESERVED = Set.of("api", "new", "settings", "admin", "system", "models",
            "datasets", "spaces", "me", "login", "logout");

    public static final String HANDLE_RULE =
            "must be 1-39 characters of lower-case letters, digits and inner hyphens (e.g. 'deep-lab')";

    private Names() {
    }

    /** What is wrong with {@code value} as a handle, if anything. */
    public static java.util.Optional<String> handleProblem(String value) {
        Violations violations = new Violations();
        handle(violations, "name", value);
        return violations.errors().stream().findFirst().map(dev.incubator.common.FieldError::message);
    }

    /** What is wrong with {@code value} as one-line text of at most {@code maxLength} characters, if anything. */
    public static java.util.Optional<String> textProblem(String value, int maxLength) {
        Violations violations = new Violations();
        text(violations, "text", value, maxLength);
        return violations.errors().stream().findFirst().map(dev.incubator.common.FieldError::message);
    }

    /** What is wrong with {@code value} as an e-mail address, if anything. */
    public static java.util.Optional<String> emailProblem(String value) {
        Violations violations = new Violations();
        email(violations, "email", value);
        return violations.errors().stream().findFirst().map(dev.incubator.common.FieldError::message);
    }

    public static void handle(Violations violations, String field, String value) {
        if (value == null) {
            violations.add(field, "is required; " + HANDLE_RULE);
        } else if (!HANDLE.matcher(value).matches()) {
            violations.add(field, HANDLE_RULE);
        } else if (RESERVED.contains(value)) {
            violations.add(field, "'" + value + "' is reserved; choose another name");
        }
    }

    public static void text(Violations violations, String field, String value, int maxLength) {
        if (value == null || value.isBlank()) {
            violations.add(field, "is required and must not be blank");
        } else if (value.length() > maxLength) {
            violations.add(field, "must be at most " + maxLength + " characters");
        } else if (value.chars().anyMatch(Character::isISOControl)) {
            violations.add(field, "must not contain control characters");
        }
    }

    public static void email(Violations violations, String field, String value) {
        if (value == null || value.length() > 254 || !EMAIL.matcher(value).matches()) {
            violations.add(field, "must be an e-mail address such as 'ada@example.org'");
        }
    }

    public static boolean isGpuType(String value) {
        return value != null && GPU_TYPE.matcher(value).matches();
    }

    public static final String GPU_TYPE_RULE =
            "must be 'any' or a GPU type of 1-32 lower-case letters, digits, '.', '_' or '-' (e.g. 'a100-80g')";
}
