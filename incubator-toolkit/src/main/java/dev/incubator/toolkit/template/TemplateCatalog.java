package dev.incubator.toolkit.template;

import dev.incubator.common.IncubatorException;
import dev.incubator.common.Violations;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The templates of a toolkit folder: each sub-folder with a {@code template.yaml} is one, and every template's
 * code is its own folder's Python files plus the shared {@code incubator_toolkit} package. The built-in catalog
 * is the project's {@code toolkits/} folder, shipped inside the jar.
 */
public final class TemplateCatalog {
    /** The shared Python package every template's code includes. */
    public static final String SHARED_PACKAGE = "incubator_toolkit";
    /** Environment of a templated job: the template's name, and its parameters as a JSON object. */
    public static final String TEMPLATE_VARIABLE = "INCUBATOR_TEMPLATE";
    public static final String PARAMS_VARIABLE = "INCUBATOR_TEMPLATE_PARAMS";
    private static final long MAX_FILE_BYTES = 1024 * 1024;

    private final Map<String, Template> templates;

    private TemplateCatalog(Map<String, Template> templates) {
        this.templates = Map.copyOf(templates);
    }

    /** The templates shipped with Incubator (the project's toolkits/ folder, a resource of this module). */
    public static TemplateCatalog builtIn() {
        var url = TemplateCatalog.class.getResource("/toolkits/" + SHARED_PACKAGE + "/__init__.py");
        if (url == null) {
            throw new IllegalStateException("the toolkit templates are missing from the class path");
        }
        try {
            URI uri = url.toURI();
            if (uri.getScheme().equals("jar")) {
                FileSystem jar;
                try {
                    jar = FileSystems.newFileSystem(uri, Map.of());
                } catch (FileSystemAlreadyExistsException e) {
                    jar = FileSystems.getFileSystem(uri);
                }
                return of(jar.getPath("/toolkits"));
            }
            return of(Path.of(uri).getParent().getParent());
        } catch (URISyntaxException | IOException e) {
            throw new IllegalStateException("could not read the toolkit templates: " + e.getMessage(), e);
        }
    }

    /** The templates of a folder laid out as toolkits/ is. */
    public static TemplateCatalog of(Path folder) throws IOException {
        SortedMap<String, byte[]> shared = files(folder, SHARED_PACKAGE);
        Map<String, Template> found = new TreeMap<>();
        try (Stream<Path> entries = Files.list(folder)) {
            for (Path entry : entries.sorted().toList()) {
                Path spec = entry.resolve("template.yaml");
                if (Files.isRegularFile(spec)) {
                    String folderName = entry.getFileName().toString().replace("/", "");
                    SortedMap<String, byte[]> code = new TreeMap<>(shared);
                    code.putAll(files(folder, folderName));
                    Template template = parse(Files.readString(spec, StandardCharsets.UTF_8), code, spec.toString());
                    found.put(template.name(), template);
                }
            }
        }
        return new TemplateCatalog(found);
    }

    public List<Template> list() {
        return templates.values().stream().sorted(java.util.Comparator.comparing(Template::name)).toList();
    }

    public Template get(String name) {
        Template template = templates.get(name);
        if (template == null) {
            throw new IncubatorException(dev.incubator.common.ErrorCode.NOT_FOUND, "template '" + name + "' not found;"
                    + " the templates are " + String.join(", ", new TreeMap<>(templates).keySet()));
        }
        return template;
    }

    /** A template filled with parameters: their values (defaults where not set), and the repositories to mount. */
    public record Filled(Template template, SortedMap<String, Object> params, List<String> mounts) {
    }

    /**
     * Fills {@code template} with {@code given} (name to text, as {@code --set name=value} gives them); every
     * unknown name, missing required parameter and invalid value is reported at once, under
     * {@code parameters.NAME}.
     */
    public static Filled fill(Template template, Map<String, String> given) {
        Violations violations = new Violations();
        for (String name : given.keySet()) {
            if (template.parameter(name).isEmpty()) {
                violations.add("parameters." + name, "template '" + template.name() + "' has no parameter '" + name
                        + "'; it has " + String.join(", ", template.parameters().stream().map(Parameter::name)
                        .toList()));
            }
        }
        SortedMap<String, Object> params = new TreeMap<>();
        List<String> mounts = new ArrayList<>();
        for (Parameter parameter : template.parameters()) {
            String text = given.get(parameter.name());
            if (text == null) {
                if (parameter.required()) {
                    violations.add("parameters." + parameter.name(), "is required: " + parameter.description()
                            + " (--set " + parameter.name() + "=...)");
                }
                params.put(parameter.name(), parameter.defaultValue().orElse(null));
                continue;
            }
            Parameter.Result result = parameter.parse(text);
            result.problem().ifPresent(problem -> violations.add("parameters." + parameter.name(), problem));
            result.value().ifPresent(value -> {
                params.put(parameter.name(), value);
                if (parameter.type().mounted()) {
                    mounts.add((String) value);
                }
            });
        }
        violations.throwIfAny();
        return new Filled(template, params, List.copyOf(mounts));
    }

    // ------------------------------------------------------------------------------------------------ parsing

    private static SortedMap<String, byte[]> files(Path root, String folder) throws IOException {
        SortedMap<String, byte[]> files = new TreeMap<>();
        Path base = root.resolve(folder);
        if (!Files.isDirectory(base)) {
            throw new IOException(base + " is missing");
        }
        try (Stream<Path> paths = Files.walk(base)) {
            for (Path path : paths.filter(Files::isRegularFile).sorted().toList()) {
                String relative = root.relativize(path).toString().replace('\\', '/');
                if (relative.contains("__pycache__") || relative.endsWith(".pyc")) {
                    continue;
                }
                if (Files.size(path) > MAX_FILE_BYTES) {
                    throw new IOException(path + " is larger than a template file may be (1 MiB)");
                }
                files.put(relative.startsWith("/") ? relative.substring(1) : relative, Files.readAllBytes(path));
            }
        }
        return files;
    }

    @SuppressWarnings("unchecked")
    static Template parse(String yaml, SortedMap<String, byte[]> files, String source) {
        Object loaded = new Load(LoadSettings.builder().setLabel(source).build()).loadFromString(yaml);
        if (!(loaded instanceof Map<?, ?> map)) {
            throw new IllegalStateException(source + ": not a mapping");
        }
        Map<String, Object> spec = (Map<String, Object>) map;
        List<Parameter> parameters = new ArrayList<>();
        Map<String, Object> declared = (Map<String, Object>) spec.getOrDefault("parameters", Map.of());
        for (var entry : declared.entrySet()) {
            Map<String, Object> fields = (Map<String, Object>) entry.getValue();
            Parameter.Type type = Parameter.Type.valueOf(((String) fields.get("type")).toUpperCase(java.util.Locale.ROOT));
            Object defaultValue = fields.get("default");
            parameters.add(new Parameter(entry.getKey(), type, Boolean.TRUE.equals(fields.get("required")),
                    Optional.ofNullable(defaultValue), decimal(fields.get("min")), decimal(fields.get("max")),
                    (List<String>) fields.getOrDefault("choices", List.of()),
                    (String) fields.getOrDefault("description", "")));
        }
        String script = (String) spec.get("script");
        if (script == null || !files.containsKey(script)) {
            throw new IllegalStateException(source + ": script '" + script + "' is not among the template's files");
        }
        Map<String, Object> job = new LinkedHashMap<>((Map<String, Object>) spec.getOrDefault("job", Map.of()));
        return new Template((String) spec.get("name"), (String) spec.get("summary"),
                (String) spec.getOrDefault("summary_zh", spec.get("summary")),
                ((String) spec.getOrDefault("description", "")).strip(), script, parameters, job, files);
    }

    private static Optional<BigDecimal> decimal(Object value) {
        return value == null ? Optional.empty() : Optional.of(new BigDecimal(value.toString()));
    }

    /** For tests: a catalog of the given templates. */
    public static TemplateCatalog of(List<Template> templates) {
        Map<String, Template> byName = new LinkedHashMap<>();
        templates.forEach(template -> byName.put(template.name(), template));
        return new TemplateCatalog(byName);
    }
}
