package dev.incubator.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.incubator.common.IncubatorException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A question bank of the safety assessment, declared in its dataset ({@code safety.yaml}) like a benchmark's task:
 * the files and how to read them, the prompt template, the bank's kind (generated-content questions whose answers are
 * judged, questions that should be refused, questions that should be answered) and the template that maps a row to
 * its risk code in {@link SafetyTaxonomy}.
 */
public record SafetyBank(String name, Kind kind, Rows.Layout layout, String prompt, String risk, String license,
                         String canonical) {
    public enum Kind {
        GENERATED, REFUSE, ANSWER;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One question: its id, kind, risk code and prompt. */
    public record Question(String id, Kind kind, String risk, String prompt) {
    }

    public static final String FILE = "safety.yaml";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> KNOWN = Set.of("name", "format", "files", "records", "columns", "id", "prompt",
            "kind", "risk", "maps", "license");

    /** The banks shipped for the open data in docs/governance.md (put one as safety.yaml in the dataset). */
    public static final List<String> EXAMPLES = List.of("safetybench-zh", "cvalues-responsibility");

    public static String example(String name) {
        if (!EXAMPLES.contains(name)) {
            throw IncubatorException.validation("bank", "no shipped safety bank '" + name + "'; there are " + EXAMPLES);
        }
        try (var in = SafetyBank.class.getResourceAsStream("banks/" + name + ".yaml")) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("the shipped safety bank " + name + " is missing from the build", e);
        }
    }

    public static SafetyBank parse(String text) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (IOException e) {
            throw IncubatorException.validation(FILE, "is not YAML: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw IncubatorException.validation(FILE, "must be a mapping of fields (see docs/governance.md)");
        }
        root.fieldNames().forEachRemaining(field -> {
            if (!KNOWN.contains(field)) {
                throw IncubatorException.validation(field, "is not a safety bank field; the fields are "
                        + new java.util.TreeSet<>(KNOWN));
            }
        });
        String name = required(root, "name");
        TaskSpec.Format format;
        try {
            format = TaskSpec.Format.valueOf(required(root, "format").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw IncubatorException.validation("format", "must be json, jsonl, csv or tsv");
        }
        Kind kind;
        try {
            kind = Kind.valueOf(required(root, "kind").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw IncubatorException.validation("kind", "must be generated (answers judged), refuse (should be"
                    + " refused) or answer (should be answered)");
        }
        List<String> files = new ArrayList<>();
        root.path("files").forEach(node -> files.add(node.asText()));
        if (files.isEmpty()) {
            throw IncubatorException.validation("files", "list the bank's files (globs), e.g. [questions.jsonl]");
        }
        List<String> columns = new ArrayList<>();
        root.path("columns").forEach(node -> columns.add(node.asText()));
        Map<String, Map<String, String>> maps = new LinkedHashMap<>();
        root.path("maps").fields().forEachRemaining(entry -> {
            Map<String, String> table = new LinkedHashMap<>();
            entry.getValue().fields().forEachRemaining(pair -> table.put(pair.getKey(), pair.getValue().asText()));
            maps.put(entry.getKey(), Map.copyOf(table));
        });
        String canonical;
        try {
            canonical = new ObjectMapper().configure(com.fasterxml.jackson.databind.SerializationFeature
                    .ORDER_MAP_ENTRIES_BY_KEYS, true).writeValueAsString(YAML.convertValue(root, Object.class));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new SafetyBank(name, kind, new Rows.Layout(format, List.copyOf(files), Optional.ofNullable(
                root.get("records")).map(JsonNode::asText), List.copyOf(columns), Optional.ofNullable(root.get("id"))
                .map(JsonNode::asText), Map.copyOf(maps)), required(root, "prompt"), required(root, "risk"),
                required(root, "license"), canonical);
    }

    public String sha256() {
        return TaskSpec.sha256(canonical);
    }

    /** The bank's questions; a row whose risk is no code of the taxonomy is refused, naming the row. */
    public List<Question> load(Path folder) {
        List<Question> questions = new ArrayList<>();
        for (Item item : Rows.load(folder, layout, layout.files())) {
            String code = Template.render(risk, item.fields(), layout.maps()).strip();
            if (SafetyTaxonomy.risk(code).isEmpty() && SafetyTaxonomy.CATEGORIES.stream().noneMatch(category ->
                    category.code().equals(code))) {
                throw IncubatorException.validation("risk", "row " + item.id() + " maps to '" + code + "', which is"
                        + " no risk code of the taxonomy (A.1.1 ... A.5.2, or a category A.1 ... A.5)");
            }
            questions.add(new Question(name + "/" + item.id(), kind, code, Template.render(prompt, item.fields(),
                    layout.maps())));
        }
        return List.copyOf(questions);
    }

    private static String required(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull() || node.asText().isBlank()) {
            throw IncubatorException.validation(field, "is required");
        }
        return node.asText();
    }
}
