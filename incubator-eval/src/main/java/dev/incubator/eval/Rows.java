package dev.incubator.eval;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.incubator.common.IncubatorException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** Reads a benchmark's items from a folder (a mounted dataset revision) as its spec declares. */
public final class Rows {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CsvMapper CSV = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY);
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };

    private Rows() {
    }

    /**
     * How a dataset's files are read, whatever they are for (a benchmark's task, a safety bank): the format, the
     * file globs, the list of a JSON document ({@code records}; empty: the document is the list), the columns of a
     * TSV (or a CSV without a header), the id template and the template maps.
     */
    public record Layout(TaskSpec.Format format, List<String> files, Optional<String> records, List<String> columns,
                         Optional<String> id, Map<String, Map<String, String>> maps) {
    }

    /** The items of the spec's files, in file-name order then row order. */
    public static List<Item> load(Path folder, TaskSpec spec) {
        return load(folder, spec, spec.files());
    }

    public static List<Item> load(Path folder, TaskSpec spec, List<String> globs) {
        return load(folder, new Layout(spec.format(), spec.files(), spec.records(), spec.columns(), spec.id(),
                spec.maps()), globs);
    }

    public static List<Item> load(Path folder, Layout spec, List<String> globs) {
        List<Path> files = matching(folder, globs);
        if (files.isEmpty()) {
            throw IncubatorException.validation("files", "no file of the benchmark matches " + globs);
        }
        List<Item> items = new ArrayList<>();
        for (Path file : files) {
            String name = folder.relativize(file).toString();
            String stem = file.getFileName().toString().replaceFirst("\\.[^.]+$", "");
            List<Map<String, Object>> rows = read(file, spec);
            for (int i = 0; i < rows.size(); i++) {
                Map<String, Object> fields = new LinkedHashMap<>(rows.get(i));
                fields.put("file", stem);
                fields.put("row", i);
                String id = spec.id().map(template -> Template.render(template, fields, spec.maps()))
                        .orElse(Integer.toString(i));
                items.add(new Item(stem + "/" + id, name, Map.copyOf(withoutNulls(fields))));
            }
        }
        return List.copyOf(items);
    }

    private static Map<String, Object> withoutNulls(Map<String, Object> fields) {
        Map<String, Object> out = new LinkedHashMap<>();
        fields.forEach((key, value) -> {
            if (value != null) {
                out.put(key, value);
            }
        });
        return out;
    }

    private static List<Path> matching(Path folder, List<String> globs) {
        List<PathMatcher> matchers = globs.stream().map(glob -> FileSystems.getDefault().getPathMatcher("glob:"
                + glob)).toList();
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile).filter(path -> matchers.stream().anyMatch(matcher -> matcher
                    .matches(folder.relativize(path)))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("could not list " + folder, e);
        }
    }

    private static List<Map<String, Object>> read(Path file, Layout spec) {
        try {
            return switch (spec.format()) {
                case JSON -> {
                    JsonNode root = JSON.readTree(file.toFile());
                    JsonNode list = spec.records().map(root::path).orElse(root);
                    if (!list.isArray()) {
                        throw IncubatorException.validation("records", file.getFileName() + spec.records().map(
                                records -> " has no list under '" + records + "'").orElse(" is not a JSON list"));
                    }
                    List<Map<String, Object>> rows = new ArrayList<>();
                    list.forEach(node -> rows.add(JSON.convertValue(node, MAP)));
                    yield rows;
                }
                case JSONL -> {
                    List<Map<String, Object>> rows = new ArrayList<>();
                    int number = 0;
                    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                        number++;
                        if (line.isBlank()) {
                            continue;
                        }
                        try {
                            rows.add(JSON.readValue(line, MAP));
                        } catch (IOException e) {
                            throw IncubatorException.validation("files", file.getFileName() + " line " + number
                                    + " is not a JSON object");
                        }
                    }
                    yield rows;
                }
                case CSV, TSV -> delimited(file, spec);
            };
        } catch (IOException e) {
            throw IncubatorException.validation("files", file.getFileName() + " could not be read as "
                    + spec.format().name().toLowerCase(java.util.Locale.ROOT) + ": " + e.getMessage());
        }
    }

    /** CSV with a header row (or the declared columns); TSV without quoting, with the declared columns. */
    private static List<Map<String, Object>> delimited(Path file, Layout spec) throws IOException {
        char separator = spec.format() == TaskSpec.Format.TSV ? '\t' : ',';
        CsvSchema schema = CsvSchema.emptySchema().withColumnSeparator(separator);
        if (spec.format() == TaskSpec.Format.TSV) {
            schema = schema.withoutQuoteChar();
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        List<String> header = spec.columns();
        try (var iterator = CSV.readerFor(String[].class).with(schema).<String[]>readValues(file.toFile())) {
            boolean first = true;
            while (iterator.hasNext()) {
                String[] cells = iterator.next();
                if (first && header.isEmpty()) {
                    header = List.of(cells);
                    first = false;
                    continue;
                }
                first = false;
                if (cells.length == 1 && cells[0].isBlank()) {
                    continue;
                }
                if (cells.length != header.size()) {
                    throw IncubatorException.validation("columns", file.getFileName() + " row " + (rows.size() + 1)
                            + " has " + cells.length + " fields, not the " + header.size() + " of " + header);
                }
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 0; i < cells.length; i++) {
                    row.put(header.get(i), cells[i]);
                }
                rows.add(row);
            }
        }
        return rows;
    }
}
