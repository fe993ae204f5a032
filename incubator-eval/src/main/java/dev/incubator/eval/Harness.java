package dev.incubator.eval;

import dev.incubator.common.IncubatorException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.IntConsumer;

/**
 * Runs a task against a model: prompts built from the spec with a fixed few-shot selection (a seeded shuffle of the
 * pool, never the item itself), each item scored by the named method, results in item order whatever the parallelism.
 */
public final class Harness {
    /** What a run is: the method, the shot count, the seed of the few-shot selection, how many items at most. */
    public record Settings(Method method, int shots, long seed, int limit, int parallel) {
        public Settings {
            if (shots < 0 || shots > 32) {
                throw IncubatorException.validation("shots", "must be between 0 and 32");
            }
            if (limit < 0) {
                throw IncubatorException.validation("limit", "must not be negative (0: every item)");
            }
            parallel = Math.max(1, parallel);
        }
    }

    /** A run's outcome: every scored item, and the items skipped because their gold answer is not an option. */
    public record Outcome(List<ItemResult> items, List<String> skipped) {
    }

    private Harness() {
    }

    /** Refuses, before anything is scored, a method the spec does not declare or the model can not support. */
    public static void check(TaskSpec spec, Model model, Method method) {
        if (!spec.methods().contains(method)) {
            throw IncubatorException.validation("method", "the task '" + spec.name() + "' declares " + spec.methods()
                    .stream().map(Method::wire).sorted().toList() + ", not " + method.wire());
        }
        if (!model.supports().contains(method)) {
            throw IncubatorException.validation("method", method.wire() + " needs " + (method == Method.GENERATE
                    ? "generation" : "prompt log-probabilities (echo with logprobs)") + ", which " + model.engine()
                    + " does not give; a run would score chance. Use " + model.supports().stream().map(Method::wire)
                    .sorted().toList());
        }
    }

    public static Outcome run(TaskSpec spec, List<Item> items, List<Item> fewshotPool, Model model, Settings settings,
                              IntConsumer progress) {
        check(spec, model, settings.method());
        List<Item> selected = settings.limit() > 0 && settings.limit() < items.size()
                ? items.subList(0, settings.limit()) : items;
        List<Item> pool = new ArrayList<>(fewshotPool);
        Collections.shuffle(pool, new Random(settings.seed()));
        List<String> skipped = new ArrayList<>();
        List<Prompts.Prepared> prepared = new ArrayList<>();
        for (Item item : selected) {
            Optional<Prompts.Prepared> one = Prompts.prepare(spec, item, shots(pool, item, settings.shots(), spec,
                    settings.method()), settings.method());
            if (one.isEmpty()) {
                skipped.add(item.id());
            } else {
                prepared.add(one.get());
            }
        }
        List<ItemResult> results = Parallel.map(prepared, settings.parallel(), one -> Scoring.score(spec, model,
                settings.method(), one), progress);
        return new Outcome(results, List.copyOf(skipped));
    }

    /** The first {@code k} items of the shuffled pool other than the item itself (and usable as examples). */
    private static List<Prompts.Prepared> shots(List<Item> pool, Item item, int k, TaskSpec spec, Method method) {
        List<Prompts.Prepared> shots = new ArrayList<>();
        for (Item candidate : pool) {
            if (shots.size() == k) {
                break;
            }
            if (candidate.id().equals(item.id())) {
                continue;
            }
            Prompts.prepare(spec, candidate, List.of(), method).ifPresent(shots::add);
        }
        return shots;
    }
}
