package dev.incubator.server.api;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.incubator.common.Violations;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The shape of a JSON request body: validates a body, reporting every wrong, missing or unknown field at once,
 * and describes itself in the OpenAPI document, so the two can never disagree.
 */
public final class BodySpec {
    public enum Type { STRING, INTEGER, NUMBER, BOOLEAN, DATE, STRING_LIST, NUMBER_MAP, STRING_MAP }

    /**
     * One field. {@code rule}, for strings, says what is wrong with a value (empty when it is fine), so that
     * domain rules such as handle syntax are reported together with every other invalid field.
     */
    public record Field(String name, Type type, boolean required, String description, List<String> allowed,
                        int maxLength, java.util.function.Function<String, Optional<String>> rule) {
        public Field {
            requireNonNull(name, "name is null");
            allowed = List.copyOf(allowed);
            requireNonNull(rule, "rule is null");
        }
    }

    private static final java.util.function.Function<String, Optional<String>> ANY = value -> Optional.empty();

    private final String schemaName;
    private final List<Field> fields;

    private BodySpec(String schemaName, List<Field> fields) {
        this.schemaName = schemaName;
        this.fields = List.copyOf(fields);
    }

    public static Builder named(String schemaName) {
        return new Builder(schemaName);
    }

    public String schemaName() {
        return schemaName;
    }

    public List<Field> fields() {
        return fields;
    }

    /** Validates {@code node} and returns its typed values; throws VALIDATION_FAILED listing every problem. */
    public Body read(JsonNode node) {
        Violations violations = new Violations();
        if (node == null || !node.isObject()) {
            violations.add("(body)", "must be a JSON object with the fields: " + fieldNames());
            violations.throwIfAny();
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (fields.stream().noneMatch(field -> field.name().equals(name))) {
                violations.add(name, "is not a known field; expected one of: " + fieldNames());
            }
        }
        for (Field field : fields) {
            JsonNode value = node.get(field.name());
            if (value == null || value.isNull()) {
                if (field.required()) {
                    violations.add(field.name(), "is required: " + field.description());
                }
                continue;
            }
            Object parsed = parse(field, value, violations);
            if (parsed != null) {
                values.put(field.name(), parsed);
            }
        }
        violations.throwIfAny();
        return new Body(values);
    }

    private Object parse(Field field, JsonNode value, Violations violations) {
        String name = field.name();
        switch (field.type()) {
            case STRING -> {
                if (!value.isTextual()) {
                    violations.add(name, "must be a string");
                    return null;
                }
                String text = value.textValue();
                if (!field.allowed().isEmpty() && !field.allowed().contains(text)) {
                    violations.add(name, "must be one of " + String.join(", ", field.allowed()) + ", not '" + text + "'");
                    return null;
                }
                if (text.length() > field.maxLength()) {
                    violations.add(name, "must be at most " + field.maxLength() + " characters");
                    return null;
                }
                Optional<String> problem = field.rule().apply(text);
                if (problem.isPresent()) {
                    violations.add(name, problem.get());
                    return null;
                }
                return text;
            }
            case INTEGER -> {
                if (!value.isIntegralNumber() || !value.canConvertToInt()) {
                    violations.add(name, "must be an integer");
                    return null;
                }
                return value.intValue();
            }
            case NUMBER -> {
                if (!value.isNumber()) {
                    violations.add(name, "must be a number");
                    return null;
                }
                return value.decimalValue();
            }
            case BOOLEAN -> {
                if (!value.isBoolean()) {
                    violations.add(name, "must be true or false");
                    return null;
                }
                return value.booleanValue();
            }
            case DATE -> {
                if (!value.isTextual()) {
                    violations.add(name, "must be a date string such as 2026-12-31");
                    return null;
                }
                try {
                    return LocalDate.parse(value.textValue());
                } catch (DateTimeParseException e) {
                    violations.add(name, "must be a date such as 2026-12-31, not '" + value.textValue() + "'");
                    return null;
                }
            }
            case STRING_LIST -> {
                if (!value.isArray()) {
                    violations.add(name, "must be an array of strings");
                    return null;
                }
                List<String> items = new ArrayList<>();
                for (JsonNode item : value) {
                    if (!item.isTextual()) {
                        violations.add(name, "must contain only strings");
                        return null;
                    }
                    if (!field.allowed().isEmpty() && !field.allowed().contains(item.textValue())) {
                        violations.add(name, "items must be among " + String.join(", ", field.allowed())
                                + ", not '" + item.textValue() + "'");
                        return null;
                    }
                    items.add(item.textValue());
                }
                return List.copyOf(items);
            }
            case NUMBER_MAP -> {
                if (!value.isObject()) {
                    violations.add(name, "must be an object of numbers, e.g. {\"any\": 1000}");
                    return null;
                }
                Map<String, BigDecimal> map = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> entries = value.fields(); entries.hasNext(); ) {
                    Map.Entry<String, JsonNode> entry = entries.next();
                    if (!entry.getValue().isNumber()) {
                        violations.add(name + "." + entry.getKey(), "must be a number");
                    } else {
                        map.put(entry.getKey(), entry.getValue().decimalValue());
                    }
                }
                return map;
            }
            case STRING_MAP -> {
                if (!value.isObject()) {
                    violations.add(name, "must be an object of strings, e.g. {\"SEED\": \"42\"}");
                    return null;
                }
                Map<String, String> map = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> entries = value.fields(); entries.hasNext(); ) {
                    Map.Entry<String, JsonNode> entry = entries.next();
                    if (!entry.getValue().isTextual()) {
                        violations.add(name + "." + entry.getKey(), "must be a string");
                    } else {
                        map.put(entry.getKey(), entry.getValue().textValue());
                    }
                }
                return map;
            }
            default -> throw new IllegalStateException("unhandled type " + field.type());
        }
    }

    private String fieldNames() {
        return String.join(", ", fields.stream().map(Field::name).toList());
    }

    public static final class Builder {
        private final String schemaName;
        private final List<Field> fields = new ArrayList<>();

        private Builder(String schemaName) {
            this.schemaName = schemaName;
        }

        public Builder required(String name, Type type, String description) {
            fields.add(new Field(name, type, true, description, List.of(), 10_000, ANY));
            return this;
        }

        public Builder optional(String name, Type type, String description) {
            fields.add(new Field(name, type, false, description, List.of(), 10_000, ANY));
            return this;
        }

        public Builder requiredEnum(String name, List<String> allowed, String description) {
            fields.add(new Field(name, Type.STRING, true, description, allowed, 10_000, ANY));
            return this;
        }

        public Builder optionalEnum(String name, List<String> allowed, String description) {
            fields.add(new Field(name, Type.STRING, false, description, allowed, 10_000, ANY));
            return this;
        }

        public Builder optionalEnumList(String name, List<String> allowed, String description) {
            fields.add(new Field(name, Type.STRING_LIST, false, description, allowed, 10_000, ANY));
            return this;
        }

        /** Adds a rule to the string field declared last. */
        public Builder rule(java.util.function.Function<String, Optional<String>> rule) {
            Field last = fields.remove(fields.size() - 1);
            if (last.type() != Type.STRING) {
                throw new IllegalStateException("rules apply to string fields, not " + last.name());
            }
            fields.add(new Field(last.name(), last.type(), last.required(), last.description(), last.allowed(),
                    last.maxLength(), rule));
            return this;
        }

        public BodySpec build() {
            return new BodySpec(schemaName, fields);
        }
    }

    /** The validated values of a body, by field name. */
    public static final class Body {
        private final Map<String, Object> values;

        Body(Map<String, Object> values) {
            this.values = Map.copyOf(values);
        }

        public String string(String name) {
            return (String) require(name);
        }

        /** Whether the body carries the field (with a value: JSON null counts as absent). */
        public boolean has(String name) {
            return values.get(name) != null;
        }

        public Optional<String> optionalString(String name) {
            return Optional.ofNullable((String) values.get(name));
        }

        @SuppressWarnings("unchecked")
        public List<String> optionalStrings(String name) {
            Object value = values.get(name);
            return value == null ? List.of() : (List<String>) value;
        }

        public Optional<Boolean> optionalBoolean(String name) {
            return Optional.ofNullable((Boolean) values.get(name));
        }

        public int integer(String name) {
            return (Integer) require(name);
        }

        public Optional<Integer> optionalInteger(String name) {
            return Optional.ofNullable((Integer) values.get(name));
        }

        public BigDecimal number(String name) {
            return (BigDecimal) require(name);
        }

        public LocalDate date(String name) {
            return (LocalDate) require(name);
        }

        public Optional<LocalDate> optionalDate(String name) {
            return Optional.ofNullable((LocalDate) values.get(name));
        }

        @SuppressWarnings("unchecked")
        public List<String> strings(String name) {
            return (List<String>) values.getOrDefault(name, List.of());
        }

        @SuppressWarnings("unchecked")
        public Map<String, String> stringMap(String name) {
            return (Map<String, String>) values.getOrDefault(name, Map.of());
        }

        public Optional<BigDecimal> optionalNumber(String name) {
            return Optional.ofNullable((BigDecimal) values.get(name));
        }

        @SuppressWarnings("unchecked")
        /** A number map that may be absent (then empty). */
        public Map<String, BigDecimal> optionalNumberMap(String name) {
            return (Map<String, BigDecimal>) values.getOrDefault(name, Map.of());
        }

        public Map<String, BigDecimal> numberMap(String name) {
            return (Map<String, BigDecimal>) require(name);
        }

        private Object require(String name) {
            Object value = values.get(name);
            if (value == null) {
                throw new IllegalStateException("field '" + name + "' is not required by its spec");
            }
            return value;
        }
    }
}
