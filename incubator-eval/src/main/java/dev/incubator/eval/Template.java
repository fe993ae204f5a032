package dev.incubator.eval;

import dev.incubator.common.IncubatorException;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The task spec's placeholders: {@code {{path}}} with optional filters {@code |map:NAME}, {@code |chop},
 * {@code |trim}, {@code |lower_first}. A path is a field name, then list indexes or nested keys after dots.
 */
final class Template {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([^}|]+?)\\s*((?:\\|[^}|]+)*)\\s*}}");

    private Template() {
    }

    static String render(String template, Map<String, Object> fields, Map<String, Map<String, String>> maps) {
        Matcher matcher = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String value = lookup(fields, matcher.group(1).strip(), template);
            for (String filter : matcher.group(2).split("\\|")) {
                value = apply(filter.strip(), value, maps);
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    private static String lookup(Map<String, Object> fields, String path, String template) {
        Object current = fields;
        for (String part : path.split("\\.")) {
            if (current instanceof Map<?, ?> map && map.containsKey(part)) {
                current = map.get(part);
            } else if (current instanceof List<?> list && part.matches("\\d+") && Integer.parseInt(part) < list.size()) {
                current = list.get(Integer.parseInt(part));
            } else {
                throw IncubatorException.validation("template", "'" + path + "' in \"" + template + "\" names no"
                        + " field of the item; it has " + fields.keySet());
            }
        }
        return current == null ? "" : current.toString();
    }

    private static String apply(String filter, String value, Map<String, Map<String, String>> maps) {
        if (filter.isEmpty()) {
            return value;
        }
        if (filter.startsWith("map:")) {
            Map<String, String> table = maps.get(filter.substring(4));
            if (table == null) {
                throw IncubatorException.validation("maps", "the template uses the map '" + filter.substring(4)
                        + "', which the spec does not define");
            }
            return table.getOrDefault(value, value);
        }
        return switch (filter) {
            case "chop" -> value.isEmpty() ? value : value.strip().substring(0, value.strip().length() - 1);
            case "trim" -> value.strip();
            case "lower_first" -> value.isEmpty() ? value : Character.toLowerCase(value.charAt(0)) + value.substring(1);
            default -> throw IncubatorException.validation("template", "unknown filter '" + filter + "'; known: map:NAME,"
                    + " chop, trim, lower_first");
        };
    }
}
