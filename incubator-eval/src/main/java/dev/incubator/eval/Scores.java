package dev.incubator.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Accuracy with a 95 % Wilson score interval (stated as such in every record), overall and per subject. */
public final class Scores {
    public static final String INTERVAL = "wilson-95";
    private static final double Z = 1.959963984540054;

    /** {@code correct} of {@code n}; {@code accuracyNormalised} only for loglikelihood. */
    public record Summary(String subject, int n, int correct, double accuracy, double low, double high,
                          Optional<Double> accuracyNormalised) {
    }

    private Scores() {
    }

    public static Summary wilson(String subject, int n, int correct, Optional<Double> normalised) {
        if (n == 0) {
            return new Summary(subject, 0, 0, 0, 0, 1, normalised);
        }
        double p = (double) correct / n;
        double denominator = 1 + Z * Z / n;
        double centre = (p + Z * Z / (2.0 * n)) / denominator;
        double half = Z * Math.sqrt(p * (1 - p) / n + Z * Z / (4.0 * n * n)) / denominator;
        return new Summary(subject, n, correct, p, Math.max(0, centre - half), Math.min(1, centre + half), normalised);
    }

    /** The overall summary first (subject "all"), then one per subject in name order. */
    public static List<Summary> summarise(List<ItemResult> items) {
        List<Summary> out = new ArrayList<>();
        out.add(summary("all", items));
        Map<String, List<ItemResult>> bySubject = new TreeMap<>();
        for (ItemResult item : items) {
            bySubject.computeIfAbsent(item.subject(), key -> new ArrayList<>()).add(item);
        }
        if (bySubject.size() > 1) {
            bySubject.forEach((subject, group) -> out.add(summary(subject, group)));
        }
        return List.copyOf(out);
    }

    private static Summary summary(String subject, List<ItemResult> items) {
        int correct = (int) items.stream().filter(ItemResult::correct).count();
        boolean normalised = !items.isEmpty() && items.get(0).correctNormalised().isPresent();
        Optional<Double> norm = normalised ? Optional.of(items.stream().filter(item -> item.correctNormalised()
                .orElse(false)).count() / (double) items.size()) : Optional.empty();
        return wilson(subject, items.size(), correct, norm);
    }
}
