package dev.incubator.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a result proves: the pins of the run (model and benchmark commits, the benchmark's licence, the task spec's
 * and the template's hashes, method, shots, seed, decoding, engine, hardware), the summaries with their interval, and
 * the SHA-256 of the per-item results in canonical JSON. Its own hash is what the audit log signs; {@link #verify}
 * recomputes the items' hash and the summaries from the items, offline.
 */
public record EvalRecord(Pins pins, List<Scores.Summary> summaries, String interval, int items, List<String> skipped,
                         String itemsSha256) {

    public record Pins(String model, String modelCommit, String benchmark, String benchmarkCommit, String license,
                       boolean nonCommercial, String task, String taskSha256, String templateSha256, Method method,
                       int shots, long seed, String decoding, String engine, String hardware) {
    }

    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    public static EvalRecord of(Pins pins, Harness.Outcome outcome) {
        return new EvalRecord(pins, Scores.summarise(outcome.items()), Scores.INTERVAL, outcome.items().size(),
                outcome.skipped(), itemsSha256(outcome.items()));
    }

    /** The record as canonical JSON: keys sorted at every level, no spaces. */
    public String canonicalJson() {
        Map<String, Object> pinsMap = new LinkedHashMap<>();
        pinsMap.put("model", pins.model());
        pinsMap.put("model_commit", pins.modelCommit());
        pinsMap.put("benchmark", pins.benchmark());
        pinsMap.put("benchmark_commit", pins.benchmarkCommit());
        pinsMap.put("license", pins.license());
        pinsMap.put("non_commercial", pins.nonCommercial());
        pinsMap.put("task", pins.task());
        pinsMap.put("task_sha256", pins.taskSha256());
        pinsMap.put("template_sha256", pins.templateSha256());
        pinsMap.put("method", pins.method().wire());
        pinsMap.put("shots", pins.shots());
        pinsMap.put("seed", pins.seed());
        pinsMap.put("decoding", pins.decoding());
        pinsMap.put("engine", pins.engine());
        pinsMap.put("hardware", pins.hardware());
        List<Map<String, Object>> summaryList = new ArrayList<>();
        for (Scores.Summary summary : summaries) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("subject", summary.subject());
            one.put("n", summary.n());
            one.put("correct", summary.correct());
            one.put("accuracy", summary.accuracy());
            one.put("low", summary.low());
            one.put("high", summary.high());
            summary.accuracyNormalised().ifPresent(value -> one.put("accuracy_normalised", value));
            summaryList.add(one);
        }
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("pins", pinsMap);
        record.put("summaries", summaryList);
        record.put("interval", interval);
        record.put("items", items);
        record.put("skipped", skipped);
        record.put("items_sha256", itemsSha256);
        return write(record);
    }

    public String sha256() {
        return TaskSpec.sha256(canonicalJson());
    }

    /** SHA-256 of the items' canonical JSON: equal for two runs exactly when every item's result is. */
    public static String itemsSha256(List<ItemResult> items) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ItemResult item : items) {
            out.add(json(item));
        }
        return TaskSpec.sha256(write(out));
    }

    /** One item's result as the items' hash and items.jsonl write it. */
    public static Map<String, Object> json(ItemResult item) {
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("id", item.id());
        one.put("subject", item.subject());
        one.put("prompt_sha256", item.promptSha256());
        one.put("scores", item.scores());
        one.put("normalised_scores", item.normalisedScores());
        one.put("prediction", item.prediction());
        item.predictionNormalised().ifPresent(value -> one.put("prediction_normalised", value));
        one.put("gold", item.gold());
        one.put("correct", item.correct());
        item.correctNormalised().ifPresent(value -> one.put("correct_normalised", value));
        item.generated().ifPresent(value -> one.put("generated", value));
        one.put("shots", item.shots());
        return one;
    }

    /** What does not hold between the record and the items it claims (empty: it verifies). */
    public List<String> verify(List<ItemResult> claimed) {
        List<String> problems = new ArrayList<>();
        if (!itemsSha256(claimed).equals(itemsSha256)) {
            problems.add("the items' SHA-256 is " + itemsSha256(claimed) + ", the record says " + itemsSha256);
        }
        if (claimed.size() != items) {
            problems.add(claimed.size() + " items, the record says " + items);
        }
        if (!Scores.summarise(claimed).equals(summaries)) {
            problems.add("the summaries recomputed from the items differ from the record's");
        }
        return List.copyOf(problems);
    }

    private static String write(Object value) {
        try {
            return CANONICAL.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
