package dev.incubator.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.incubator.common.IncubatorException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A benchmark's task, declared in its dataset repository ({@code task.yaml}): which files hold the items and how to
 * read them, how a row becomes a prompt, its choices and its gold answer, which scoring methods apply, how a
 * generated answer is extracted, and the licence the results carry. Nothing here is code, so a benchmark in a new
 * layout is added by writing its spec alone.
 *
 * <p>Templates fill {@code {{field}}} from the row; {@code {{a.0}}} indexes a list, {@code {{field|map:NAME}}} looks
 * the value up in the spec's {@code maps}, {@code {{field|chop}}} drops the last character, {@code |trim} trims.
 * {@code {{file}}} is the item's file name without its extension.
 */
public record TaskSpec(String name, Format format, List<String> files, Optional<String> records,
                       List<String> columns, Optional<String> id, String subject, String prompt,
                       List<String> choices, String gold, String targetDelimiter, List<String> letters,
                       Set<Method> methods, Method defaultMethod, Generation generation,
                       Map<String, Map<String, String>> maps, String license, boolean nonCommercial,
                       boolean heldOut, Optional<Fewshot> fewshot, String canonical) {

    /** How the files are read: one JSON document (its list under {@code records}), JSON lines, CSV, TSV. */
    public enum Format { JSON, JSONL, CSV, TSV }

    /** Greedy generation: at most {@code maxTokens}, ended by any of {@code stop}, answer by {@code extractor}. */
    public record Generation(int maxTokens, List<String> stop, Extractor extractor) {
    }

    /** Where few-shot examples come from: other files (default: the same items, never the item itself). */
    public record Fewshot(List<String> files) {
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    private static final Set<String> KNOWN = Set.of("name", "format", "files", "records", "columns", "id", "subject",
            "prompt", "choices", "gold", "target_delimiter", "letters", "methods", "generation", "maps", "license",
            "non_commercial", "held_out", "fewshot");

    /** The specs shipped for the benchmarks in docs/evaluation.md (put one as task.yaml in the dataset). */
    public static final List<String> EXAMPLES = List.of("xcopa-zh", "mgsm-zh", "gaokao-bench-objective");

    /** A shipped spec's text, e.g. {@code example("xcopa-zh")}: what docs/evaluation.md shows. */
    public static String example(String name) {
        if (!EXAMPLES.contains(name)) {
            throw IncubatorException.validation("task", "no shipped task spec '" + name + "'; there are " + EXAMPLES);
        }
        try (var in = TaskSpec.class.getResourceAsStream("tasks/" + name + ".yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("the shipped task spec " + name + " is missing from the build", e);
        }
    }

    /** The spec's hash: SHA-256 of its canonical JSON (keys sorted), what a record pins. */
    public String sha256() {
        return sha256(canonical);
    }

    /** The prompt template's hash, recorded with every result so prompt changes are never silent. */
    public String templateSha256() {
        return sha256(prompt + "\u0000" + String.join("\u0001", choices) + "\u0000" + targetDelimiter + "\u0000"
                + String.join("", letters));
    }

    public static TaskSpec parse(String yaml) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw IncubatorException.validation("task.yaml", "is not YAML: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw IncubatorException.validation("task.yaml", "must be a mapping of name, format, files, prompt, ...");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!KNOWN.contains(field)) {
                throw IncubatorException.validation(field, "is not a task spec field; known: " + String.join(", ",
                        KNOWN.stream().sorted().toList()));
            }
        }
        String name = text(root, "name", true).orElseThrow();
        Format format = choice(Format.class, text(root, "format", true).orElseThrow(), "format");
        List<String> files = strings(root, "files");
        if (files.isEmpty()) {
            throw IncubatorException.validation("files", "must list the item files (globs such as '*.json')");
        }
        Optional<String> records = text(root, "records", false);
        if (format == Format.JSON && records.isEmpty()) {
            throw IncubatorException.validation("records", "is required with format json: the field that holds the"
                    + " list of items, e.g. 'example' for GAOKAO-Bench");
        }
        List<String> columns = strings(root, "columns");
        if (format == Format.TSV && columns.isEmpty()) {
            throw IncubatorException.validation("columns", "is required with format tsv: the column names in order");
        }
        String prompt = text(root, "prompt", true).orElseThrow();
        List<String> choices = strings(root, "choices");
        List<String> letters = root.has("letters") ? strings(root, "letters") : List.of();
        Set<Method> methods = new java.util.LinkedHashSet<>();
        for (String method : strings(root, "methods")) {
            methods.add(choice(Method.class, method, "methods"));
        }
        if (methods.isEmpty()) {
            throw IncubatorException.validation("methods", "must name at least one of loglikelihood, letter, generate");
        }
        if ((methods.contains(Method.LOGLIKELIHOOD)) && choices.isEmpty() && letters.isEmpty()) {
            throw IncubatorException.validation("choices", "is required for loglikelihood: one template per option");
        }
        if (methods.contains(Method.LETTER) && letters.isEmpty()) {
            throw IncubatorException.validation("letters", "is required for letter: the option letters, e.g. [A, B, C, D]");
        }
        Generation generation = new Generation(64, List.of("\n\n"), Extractor.FIRST_LETTER);
        if (root.has("generation")) {
            JsonNode g = root.get("generation");
            generation = new Generation(g.path("max_tokens").asInt(64), g.has("stop") ? strings(g, "stop")
                    : List.of("\n\n"), choice(Extractor.class, g.path("extractor").asText("first_letter"),
                    "generation.extractor"));
            if (generation.maxTokens() < 1 || generation.maxTokens() > 4096) {
                throw IncubatorException.validation("generation.max_tokens", "must be between 1 and 4096");
            }
        } else if (methods.contains(Method.GENERATE)) {
            throw IncubatorException.validation("generation", "is required for generate: max_tokens, stop, extractor");
        }
        Map<String, Map<String, String>> maps = new LinkedHashMap<>();
        root.path("maps").fields().forEachRemaining(entry -> {
            Map<String, String> table = new LinkedHashMap<>();
            entry.getValue().fields().forEachRemaining(pair -> table.put(pair.getKey(), pair.getValue().asText()));
            maps.put(entry.getKey(), Map.copyOf(table));
        });
        Optional<Fewshot> fewshot = root.has("fewshot") ? Optional.of(new Fewshot(strings(root.get("fewshot"),
                "files"))) : Optional.empty();
        String license = text(root, "license", true).orElseThrow();
        String canonical;
        try {
            canonical = JSON.writeValueAsString(JSON.convertValue(root, Object.class));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new TaskSpec(name, format, files, records, columns, text(root, "id", false),
                text(root, "subject", false).orElse("{{file}}"), prompt, choices,
                text(root, "gold", true).orElseThrow(), root.path("target_delimiter").asText(" "), letters,
                Set.copyOf(methods), methods.iterator().next(), generation, Map.copyOf(maps), license,
                root.path("non_commercial").asBoolean(false), root.path("held_out").asBoolean(false), fewshot,
                canonical);
    }

    private static Optional<String> text(JsonNode root, String field, boolean required) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull() || (node.isTextual() && node.asText().isBlank())) {
            if (required) {
                throw IncubatorException.validation(field, "is required in the task spec");
            }
            return Optional.empty();
        }
        if (!node.isValueNode()) {
            throw IncubatorException.validation(field, "must be a string");
        }
        return Optional.of(node.asText());
    }

    private static List<String> strings(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (node.isValueNode()) {
            return List.of(node.asText());
        }
        if (!node.isArray()) {
            throw IncubatorException.validation(field, "must be a list of strings");
        }
        List<String> out = new ArrayList<>();
        node.forEach(value -> out.add(value.asText()));
        return List.copyOf(out);
    }

    private static <E extends Enum<E>> E choice(Class<E> type, String value, String field) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw IncubatorException.validation(field, "'" + value + "' is not one of " + String.join(", ",
                    java.util.Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT))
                            .toList()));
        }
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(
                    text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
