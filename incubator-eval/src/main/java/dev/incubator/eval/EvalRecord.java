package dev.incubator.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.incubator.common.IncubatorException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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

    /**
     * A record from its JSON (what {@link #canonicalJson} writes); a record that is not one is refused with what is
     * wrong. Parsing and writing again gives the same bytes, so a parsed record's {@link #sha256} is the original's.
     */
    public static EvalRecord parse(String text) {
        JsonNode root = tree(text, "record");
        JsonNode pins = object(root, "pins", "record");
        List<Scores.Summary> summaries = new ArrayList<>();
        for (JsonNode one : array(root, "summaries", "record")) {
            summaries.add(new Scores.Summary(string(one, "subject", "summaries"), integer(one, "n", "summaries"),
                    integer(one, "correct", "summaries"), number(one, "accuracy", "summaries"), number(one, "low",
                    "summaries"), number(one, "high", "summaries"), one.has("accuracy_normalised")
                    ? Optional.of(number(one, "accuracy_normalised", "summaries")) : Optional.empty()));
        }
        List<String> skipped = new ArrayList<>();
        array(root, "skipped", "record").forEach(node -> skipped.add(node.asText()));
        return new EvalRecord(new Pins(string(pins, "model", "pins"), string(pins, "model_commit", "pins"),
                string(pins, "benchmark", "pins"), string(pins, "benchmark_commit", "pins"), string(pins, "license",
                "pins"), bool(pins, "non_commercial", "pins"), string(pins, "task", "pins"), string(pins,
                "task_sha256", "pins"), string(pins, "template_sha256", "pins"), method(string(pins, "method",
                "pins")), integer(pins, "shots", "pins"), pins.path("seed").asLong(), string(pins, "decoding",
                "pins"), string(pins, "engine", "pins"), string(pins, "hardware", "pins")), List.copyOf(summaries),
                string(root, "interval", "record"), integer(root, "items", "record"), List.copyOf(skipped),
                string(root, "items_sha256", "record"));
    }

    /** One item's result from its JSON line (what {@link #json(ItemResult)} writes). */
    public static ItemResult item(String line) {
        JsonNode node = tree(line, "item");
        List<Double> scores = new ArrayList<>();
        array(node, "scores", "item").forEach(value -> scores.add(value.asDouble()));
        List<Double> normalised = new ArrayList<>();
        array(node, "normalised_scores", "item").forEach(value -> normalised.add(value.asDouble()));
        List<String> shots = new ArrayList<>();
        array(node, "shots", "item").forEach(value -> shots.add(value.asText()));
        return new ItemResult(string(node, "id", "item"), string(node, "subject", "item"), string(node,
                "prompt_sha256", "item"), List.copyOf(scores), List.copyOf(normalised), string(node, "prediction",
                "item"), optionalString(node, "prediction_normalised"), string(node, "gold", "item"), bool(node,
                "correct", "item"), node.has("correct_normalised") ? Optional.of(bool(node, "correct_normalised",
                "item")) : Optional.empty(), optionalString(node, "generated"), List.copyOf(shots));
    }

    public static Method method(String wire) {
        for (Method method : Method.values()) {
            if (method.wire().equals(wire)) {
                return method;
            }
        }
        throw IncubatorException.validation("method", "must be loglikelihood, letter or generate, not '" + wire + "'");
    }

    private static JsonNode tree(String text, String what) {
        try {
            JsonNode root = CANONICAL.readTree(text);
            if (root == null || !root.isObject()) {
                throw IncubatorException.validation(what, "must be a JSON object");
            }
            return root;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw IncubatorException.validation(what, "is not JSON: " + e.getOriginalMessage());
        }
    }

    private static JsonNode object(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isObject()) {
            throw IncubatorException.validation(where + "." + field, "must be an object");
        }
        return value;
    }

    private static JsonNode array(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isArray()) {
            throw IncubatorException.validation(where + "." + field, "must be a list");
        }
        return value;
    }

    private static String string(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw IncubatorException.validation(where + "." + field, "must be text");
        }
        return value.asText();
    }

    private static Optional<String> optionalString(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || !value.isTextual() ? Optional.empty() : Optional.of(value.asText());
    }

    private static int integer(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.canConvertToInt() || !value.isIntegralNumber()) {
            throw IncubatorException.validation(where + "." + field, "must be an integer");
        }
        return value.asInt();
    }

    private static double number(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isNumber()) {
            throw IncubatorException.validation(where + "." + field, "must be a number");
        }
        return value.asDouble();
    }

    private static boolean bool(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isBoolean()) {
            throw IncubatorException.validation(where + "." + field, "must be true or false");
        }
        return value.asBoolean();
    }

    private static String write(Object value) {
        try {
            return CANONICAL.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
