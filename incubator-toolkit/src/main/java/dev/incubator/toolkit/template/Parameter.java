package dev.incubator.toolkit.template;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One parameter of a template: its type, default, bounds and meaning. {@code dataset} and {@code model}
 * parameters name hub repositories ({@code datasets/ORG/NAME[@REV]}, {@code models/ORG/NAME[@REV]}) that the job
 * mounts; the others are values the script reads.
 */
public record Parameter(String name, Type type, boolean required, Optional<Object> defaultValue,
                        Optional<BigDecimal> min, Optional<BigDecimal> max, List<String> choices, String description) {
    public enum Type {
        INT, NUMBER, STRING, BOOLEAN, DATASET, MODEL;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Whether values of this type are hub repositories the job mounts. */
        public boolean mounted() {
            return this == DATASET || this == MODEL;
        }
    }

    private static final Pattern REPOSITORY = Pattern.compile(
            "[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}(@[A-Za-z0-9][A-Za-z0-9._/-]{0,199})?");

    public Parameter {
        requireNonNull(name, "name is null");
        requireNonNull(type, "type is null");
        requireNonNull(defaultValue, "defaultValue is null");
        requireNonNull(min, "min is null");
        requireNonNull(max, "max is null");
        choices = List.copyOf(choices);
        requireNonNull(description, "description is null");
    }

    /**
     * The value {@code text} (as given on a command line, or a JSON scalar's text) stands for, or why it is not a
     * value of this parameter.
     */
    public Result parse(String text) {
        String value = text.strip();
        switch (type) {
            case INT -> {
                long parsed;
                try {
                    parsed = Long.parseLong(value.replace("_", ""));
                } catch (NumberFormatException e) {
                    return Result.invalid("must be a whole number" + range() + ", not '" + text + "'");
                }
                return bounded(BigDecimal.valueOf(parsed), parsed);
            }
            case NUMBER -> {
                BigDecimal parsed;
                try {
                    parsed = new BigDecimal(value);
                } catch (NumberFormatException e) {
                    return Result.invalid("must be a number" + range() + " such as 0.001 or 3e-4, not '" + text + "'");
                }
                return bounded(parsed, parsed.doubleValue());
            }
            case BOOLEAN -> {
                return switch (value.toLowerCase(Locale.ROOT)) {
                    case "true", "yes", "1" -> Result.of(true);
                    case "false", "no", "0" -> Result.of(false);
                    default -> Result.invalid("must be true or false, not '" + text + "'");
                };
            }
            case STRING -> {
                if (!choices.isEmpty() && !choices.contains(value)) {
                    return Result.invalid("must be one of " + String.join(", ", choices) + ", not '" + text + "'");
                }
                if (value.isEmpty() || value.length() > 1000) {
                    return Result.invalid("must be 1 to 1000 characters");
                }
                return Result.of(value);
            }
            case DATASET, MODEL -> {
                String kind = type == Type.DATASET ? "datasets/" : "models/";
                if (!value.startsWith(kind) || !REPOSITORY.matcher(value.substring(kind.length())).matches()) {
                    return Result.invalid("must name a " + wireKind() + " on the hub: " + kind + "ORG/NAME, optionally"
                            + " @REVISION (a branch, tag or commit), not '" + text + "'");
                }
                return Result.of(value);
            }
            default -> throw new IllegalStateException(type.toString());
        }
    }

    private String wireKind() {
        return type == Type.DATASET ? "dataset" : "model";
    }

    private Result bounded(BigDecimal number, Object value) {
        if (min.isPresent() && number.compareTo(min.get()) < 0 || max.isPresent() && number.compareTo(max.get()) > 0) {
            return Result.invalid("must be" + range() + ", not " + number.toPlainString());
        }
        return Result.of(value);
    }

    private String range() {
        if (min.isPresent() && max.isPresent()) {
            return " from " + min.get().toPlainString() + " to " + max.get().toPlainString();
        }
        return min.map(low -> " of at least " + low.toPlainString())
                .or(() -> max.map(high -> " of at most " + high.toPlainString())).orElse("");
    }

    /** A parsed value, or the reason it is not one. */
    public record Result(Optional<Object> value, Optional<String> problem) {
        static Result of(Object value) {
            return new Result(Optional.of(value), Optional.empty());
        }

        static Result invalid(String problem) {
            return new Result(Optional.empty(), Optional.of(problem));
        }
    }
}
