package dev.incubator.eval;

import java.util.List;
import java.util.Optional;

/**
 * One item's outcome: the hash of the exact prompt, each option's score (and per-character score), the prediction,
 * the gold answer and whether they agree; for generation, the text generated. {@code shots}: the few-shot items used.
 */
public record ItemResult(String id, String subject, String promptSha256, List<Double> scores,
                         List<Double> normalisedScores, String prediction, Optional<String> predictionNormalised,
                         String gold, boolean correct, Optional<Boolean> correctNormalised,
                         Optional<String> generated, List<String> shots) {
}
