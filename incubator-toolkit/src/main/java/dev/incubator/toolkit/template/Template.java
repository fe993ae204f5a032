package dev.incubator.toolkit.template;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

/**
 * A job template: a script of the toolkit, its parameters, the job fields it runs with, and every file the job
 * needs ({@code files}: the script and the shared {@code incubator_toolkit} package, path to bytes), which become
 * the job's code.
 */
public record Template(String name, String summary, String summaryZh, String description, String script,
                       List<Parameter> parameters, Map<String, Object> job, SortedMap<String, byte[]> files) {
    public Template {
        requireNonNull(name, "name is null");
        requireNonNull(summary, "summary is null");
        requireNonNull(summaryZh, "summaryZh is null");
        requireNonNull(description, "description is null");
        requireNonNull(script, "script is null");
        parameters = List.copyOf(parameters);
        job = Map.copyOf(job);
        files = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(files));
    }

    public Optional<Parameter> parameter(String name) {
        return parameters.stream().filter(parameter -> parameter.name().equals(name)).findFirst();
    }

    /** The command the job runs, from its working directory (where the code is copied). */
    public List<String> command() {
        return List.of("python3", script);
    }
}
