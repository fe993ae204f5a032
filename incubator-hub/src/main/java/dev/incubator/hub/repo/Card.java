package dev.incubator.hub.repo;

import dev.incubator.common.Violations;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * A repository card: the YAML front matter of its README.md (between two {@code ---} lines) with the fields
 * search and lineage use. Unknown keys are kept as they are.
 */
public record Card(Optional<String> license, List<String> language, List<String> tags, List<String> baseModel,
                   List<String> datasets, Optional<String> pipelineTag, Map<String, Object> metadata) {
    private static final java.util.Set<String> GATED_MODES = java.util.Set.of("download", "compute-only");

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?");
    private static final int MAX_FRONT_MATTER = 64 * 1024;

    public Card {
        language = List.copyOf(language);
        tags = List.copyOf(tags);
        baseModel = List.copyOf(baseModel);
        datasets = List.copyOf(datasets);
        metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /**
     * The card of a README, empty when it has no front matter; a front matter that is not valid YAML or has a
     * field of the wrong type is a validation error naming the field (field names are prefixed with
     * {@code README.md:}).
     */
    public static Optional<Card> parse(String readme) {
        String text = readme.startsWith("\uFEFF") ? readme.substring(1) : readme;
        if (!text.startsWith("---\n") && !text.startsWith("---\r\n")) {
            return Optional.empty();
        }
        int start = text.indexOf('\n') + 1;
        int end = -1;
        int lineStart = start;
        while (lineStart < text.length()) {
            int lineEnd = text.indexOf('\n', lineStart);
            String line = text.substring(lineStart, lineEnd < 0 ? text.length() : lineEnd).stripTrailing();
            if (line.equals("---")) {
                end = lineStart;
                break;
            }
            if (lineEnd < 0) {
                break;
            }
            lineStart = lineEnd + 1;
        }
        Violations violations = new Violations();
        if (end < 0) {
            violations.add("README.md", "front matter starts with '---' but has no closing '---' line");
            violations.throwIfAny();
        }
        if (end - start > MAX_FRONT_MATTER) {
            violations.add("README.md", "front matter is larger than " + MAX_FRONT_MATTER + " bytes");
            violations.throwIfAny();
        }
        Object loaded;
        try {
            LoadSettings settings = LoadSettings.builder().setAllowDuplicateKeys(false).setMaxAliasesForCollections(10)
                    .setCodePointLimit(MAX_FRONT_MATTER).build();
            loaded = new Load(settings).loadFromString(text.substring(start, end));
        } catch (YamlEngineException e) {
            violations.add("README.md", "front matter is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
            violations.throwIfAny();
            return Optional.empty();
        } catch (StackOverflowError e) {
            violations.add("README.md", "front matter nests deeper than " + MAX_DEPTH + " levels");
            violations.throwIfAny();
            return Optional.empty();
        }
        if (!bounded(loaded, 0, java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()))) {
            violations.add("README.md", "front matter nests deeper than " + MAX_DEPTH + " levels or refers to itself"
                    + " (an anchor used inside itself)");
            violations.throwIfAny();
        }
        if (loaded == null) {
            return Optional.of(new Card(Optional.empty(), List.of(), List.of(), List.of(), List.of(), Optional.empty(),
                    Map.of()));
        }
        if (!(loaded instanceof Map<?, ?> map)) {
            violations.add("README.md", "front matter must be a YAML mapping such as 'license: apache-2.0'");
            violations.throwIfAny();
            return Optional.empty();
        }
        Map<String, Object> metadata = new LinkedHashMap<>();
        map.forEach((key, value) -> metadata.put(String.valueOf(key), value));
        return Optional.of(fromMetadata(metadata));
    }

    private static final int MAX_DEPTH = 32;

    /** Whether a loaded YAML value is a tree of at most {@link #MAX_DEPTH} levels (no value contains itself). */
    private static boolean bounded(Object value, int depth, java.util.Set<Object> path) {
        if (!(value instanceof Map<?, ?>) && !(value instanceof java.util.Collection<?>)) {
            return true;
        }
        if (depth > MAX_DEPTH || !path.add(value)) {
            return false;
        }
        boolean ok = true;
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                ok &= bounded(entry.getKey(), depth + 1, path) && bounded(entry.getValue(), depth + 1, path);
            }
        } else {
            for (Object item : (java.util.Collection<?>) value) {
                ok &= ok && bounded(item, depth + 1, path);
            }
        }
        path.remove(value);
        return ok;
    }

    /** The card of already-parsed front matter, validated the same way. */
    public static Card fromMetadata(Map<String, Object> metadata) {
        Violations violations = new Violations();
        Card card = new Card(string(metadata, "license", violations), strings(metadata, "language", violations),
                strings(metadata, "tags", violations), names(metadata, "base_model", violations),
                names(metadata, "datasets", violations), string(metadata, "pipeline_tag", violations), metadata);
        strings(metadata, "gated_purposes", violations);
        string(metadata, "gated_mode", violations).filter(mode -> !GATED_MODES.contains(mode)).ifPresent(mode ->
                violations.add("README.md:gated_mode", "must be download or compute-only, not '" + mode + "'"));
        for (String value : strings(metadata, "sensitive", violations)) {
            if (dev.incubator.common.access.Sensitivity.parse(value).isEmpty()) {
                violations.add("README.md:sensitive", "'" + value + "' is not a kind of sensitive data; use "
                        + dev.incubator.common.access.Sensitivity.choices());
            }
        }
        Object conditions = metadata.get("gated_conditions");
        if (conditions != null && !(conditions instanceof String text && !text.isBlank() && text.length() <= 4000)) {
            violations.add("README.md:gated_conditions", "must be text of 1 to 4000 characters, not "
                    + describe(conditions));
        }
        violations.throwIfAny();
        return card;
    }

    /**
     * For a gated repository: the purposes its owner considers requests for (empty: any), as the governance
     * vocabulary's wire names; checked against that vocabulary where a commit or a request is decided.
     */
    public List<String> gatedPurposes() {
        return strings(metadata, "gated_purposes", new Violations());
    }

    /**
     * The sensitive personal information the data holds ({@code sensitive: [health, personal-information]}):
     * training on it needs an approved ethical review. Unknown words were refused when the card was pushed.
     */
    public java.util.Set<dev.incubator.common.access.Sensitivity> sensitive() {
        java.util.Set<dev.incubator.common.access.Sensitivity> kinds = java.util.EnumSet.noneOf(
                dev.incubator.common.access.Sensitivity.class);
        strings(metadata, "sensitive", new Violations()).forEach(value -> dev.incubator.common.access.Sensitivity
                .parse(value).ifPresent(kinds::add));
        return kinds;
    }

    /** For a gated repository: the mode its owner grants, download or compute-only. */
    public Optional<String> gatedMode() {
        return string(metadata, "gated_mode", new Violations());
    }

    /** For a gated repository: the conditions shown to everyone who asks for access. */
    public Optional<String> gatedConditions() {
        return metadata.get("gated_conditions") instanceof String text && !text.isBlank() ? Optional.of(text.strip())
                : Optional.empty();
    }

    /** Every searchable word of the card: licence, languages, tags, base models, datasets and pipeline tag. */
    public List<String> keywords() {
        List<String> words = new ArrayList<>();
        license.ifPresent(words::add);
        words.addAll(language);
        words.addAll(tags);
        words.addAll(baseModel);
        words.addAll(datasets);
        pipelineTag.ifPresent(words::add);
        return words;
    }

    private static Optional<String> string(Map<String, Object> metadata, String key, Violations violations) {
        Object value = metadata.get(key);
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof String text && !text.isBlank()) {
            return Optional.of(text.trim());
        }
        violations.add("README.md:" + key, "must be a single word such as 'apache-2.0', not " + describe(value));
        return Optional.empty();
    }

    private static List<String> strings(Map<String, Object> metadata, String key, Violations violations) {
        Object value = metadata.get(key);
        if (value == null) {
            return List.of();
        }
        if (value instanceof String text && !text.isBlank()) {
            return List.of(text.trim());
        }
        if (value instanceof Collection<?> items && items.stream().allMatch(item -> item instanceof String s
                && !s.isBlank())) {
            return items.stream().map(item -> ((String) item).trim()).toList();
        }
        violations.add("README.md:" + key, "must be a string or a list of strings, not " + describe(value));
        return List.of();
    }

    private static List<String> names(Map<String, Object> metadata, String key, Violations violations) {
        List<String> values = strings(metadata, key, violations);
        for (String value : values) {
            if (!NAME.matcher(value).matches()) {
                violations.add("README.md:" + key, "'" + value + "' is not a repository name such as 'org/model'");
            }
        }
        return values;
    }

    private static String describe(Object value) {
        return value instanceof Map ? "a mapping" : value instanceof Collection ? "a list with non-string items"
                : "'" + value + "'";
    }
}
