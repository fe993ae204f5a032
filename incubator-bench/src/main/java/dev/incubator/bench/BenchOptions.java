package dev.incubator.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A benchmark's {@code --name value} options over its defaults. An unknown option, a missing value or a number that
 * is not one stops the run (exit code 2) with a message naming the options the benchmark knows.
 */
final class BenchOptions {
    private final String bench;
    private final Map<String, String> values;

    private BenchOptions(String bench, Map<String, String> values) {
        this.bench = bench;
        this.values = values;
    }

    /** {@code defaults} in the order the usage line lists them (pass a LinkedHashMap or Map.of pairs). */
    static BenchOptions parse(String bench, String[] args, Map<String, String> defaults) {
        Map<String, String> values = new LinkedHashMap<>(defaults);
        for (int i = 0; i < args.length; i += 2) {
            if (!values.containsKey(args[i])) {
                throw usage(bench, defaults, "unknown option '" + args[i] + "'");
            }
            if (i + 1 >= args.length) {
                throw usage(bench, defaults, "option " + args[i] + " needs a value");
            }
            values.put(args[i], args[i + 1]);
        }
        return new BenchOptions(bench, values);
    }

    /** Defaults as name, value pairs, kept in order for the usage line. */
    static Map<String, String> defaults(String... pairs) {
        Map<String, String> defaults = new LinkedHashMap<>();
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            defaults.put(pairs[i], pairs[i + 1]);
        }
        return defaults;
    }

    String string(String name) {
        return values.get(name);
    }

    int integer(String name) {
        return (int) number(name);
    }

    long number(String name) {
        try {
            return Long.parseLong(values.get(name));
        } catch (NumberFormatException e) {
            throw usage(bench, values, name + " must be a whole number, not '" + values.get(name) + "'");
        }
    }

    private static IllegalArgumentException usage(String bench, Map<String, String> known, String problem) {
        StringBuilder line = new StringBuilder(problem + "; usage: ./bench " + bench);
        known.forEach((name, value) -> line.append(" [").append(name).append(' ').append(value.isEmpty() ? "VALUE"
                : value).append(']'));
        System.err.println(line);
        System.exit(2);
        return new IllegalArgumentException(line.toString());
    }

    /** The median of a round's figures. */
    static double median(java.util.List<Double> values) {
        java.util.List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
