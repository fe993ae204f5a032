package dev.incubator.eval;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The named methods, one item at a time. Ties go to the first option, as argmax does in lm-eval. */
final class Scoring {
    private Scoring() {
    }

    static ItemResult score(TaskSpec spec, Model model, Method method, Prompts.Prepared item) {
        String promptSha = TaskSpec.sha256(item.context());
        if (method == Method.GENERATE) {
            String text = model.generate(item.context(), spec.generation().maxTokens(), spec.generation().stop());
            String prediction = spec.generation().extractor().extract(text, spec.letters()).orElse("");
            return new ItemResult(item.item().id(), item.subject(), promptSha, List.of(), List.of(), prediction,
                    Optional.empty(), item.gold(), prediction.equals(item.gold()), Optional.empty(), Optional.of(text),
                    item.shots());
        }
        List<Model.Scored> scored = model.loglikelihood(item.context(), item.continuations());
        List<Double> scores = new ArrayList<>();
        List<Double> normalised = new ArrayList<>();
        for (int i = 0; i < scored.size(); i++) {
            double value = method == Method.LETTER ? scored.get(i).firstTokenLogprob() : scored.get(i).logprob();
            scores.add(value);
            // acc_norm: per UTF-8 byte of the option, so options of different lengths compete fairly
            int length = Math.max(1, item.continuations().get(i).getBytes(StandardCharsets.UTF_8).length);
            normalised.add(scored.get(i).logprob() / length);
        }
        int best = argmax(scores);
        String gold = label(spec, item, item.goldIndex());
        if (method == Method.LETTER) {
            return new ItemResult(item.item().id(), item.subject(), promptSha, scores, List.of(), label(spec, item, best),
                    Optional.empty(), gold, best == item.goldIndex(), Optional.empty(), Optional.empty(), item.shots());
        }
        int bestNorm = argmax(normalised);
        return new ItemResult(item.item().id(), item.subject(), promptSha, scores, normalised, label(spec, item, best),
                Optional.of(label(spec, item, bestNorm)), gold, best == item.goldIndex(),
                Optional.of(bestNorm == item.goldIndex()), Optional.empty(), item.shots());
    }

    /** An option as results name it: its letter when the task has letters, else its index. */
    private static String label(TaskSpec spec, Prompts.Prepared item, int index) {
        return index < spec.letters().size() ? spec.letters().get(index) : Integer.toString(index);
    }

    private static int argmax(List<Double> values) {
        int best = 0;
        for (int i = 1; i < values.size(); i++) {
            if (values.get(i) > values.get(best)) {
                best = i;
            }
        }
        return best;
    }
}
