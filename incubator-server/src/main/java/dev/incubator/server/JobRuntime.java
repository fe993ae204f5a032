package dev.incubator.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The platform's own job processes (the built-in engine's replicas, the evaluation harness) as a job runs them: the
 * JDK's java and a class path staged under {@code <data-dir>/runtime/replica}, readable by the organisations' job
 * accounts (which can not read the service's own files or its build's Maven repository). Staged once per server start,
 * copied only when a file changed.
 */
public final class JobRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(JobRuntime.class);
    public static final String REPLICA = "dev.incubator.replica.ReplicaMain";
    public static final String EVALUATION = "dev.incubator.replica.EvalMain";
    public static final String SAFETY = "dev.incubator.replica.SafetyMain";
    /** The classes whose code those processes need: the replica and harness, the engine, the evaluation, Jackson. */
    private static final List<Class<?>> ROOTS = List.of(dev.incubator.replica.ReplicaMain.class,
            dev.incubator.engine.LlamaModel.class, dev.incubator.eval.Harness.class,
            dev.incubator.common.IncubatorException.class, com.fasterxml.jackson.databind.ObjectMapper.class,
            com.fasterxml.jackson.core.JsonFactory.class, com.fasterxml.jackson.annotation.JsonProperty.class,
            com.fasterxml.jackson.dataformat.yaml.YAMLFactory.class, org.yaml.snakeyaml.Yaml.class,
            com.fasterxml.jackson.dataformat.csv.CsvMapper.class);

    private final Path directory;
    private volatile List<String> classPath;

    public JobRuntime(Path directory) {
        this.directory = directory;
    }

    /**
     * The command line running {@code main} with {@code arguments}, with a heap of {@code heapMib} (0: the JVM's
     * default) and the JVM's own regions kept small so the job's memory limit holds.
     */
    public synchronized List<String> command(String main, int heapMib, List<String> arguments) {
        if (classPath == null) {
            classPath = stage();
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        if (heapMib > 0) {
            command.addAll(List.of("-Xmx" + heapMib + "m", "-XX:ReservedCodeCacheSize=48m",
                    "-XX:CompressedClassSpaceSize=64m"));
        }
        command.addAll(List.of("--add-modules", "jdk.incubator.vector", "-XX:+UseSerialGC", "-Xss2m", "-cp",
                String.join(":", classPath), main));
        command.addAll(arguments);
        return command;
    }

    private List<String> stage() {
        Set<Path> sources = new LinkedHashSet<>();
        for (Class<?> root : ROOTS) {
            try {
                sources.add(Path.of(root.getProtectionDomain().getCodeSource().getLocation().toURI()));
            } catch (URISyntaxException | NullPointerException e) {
                throw new IllegalStateException("can not find the code of " + root.getName() + " to stage for"
                        + " jobs", e);
            }
        }
        try {
            Files.createDirectories(directory);
            open(directory);
            List<String> entries = new ArrayList<>();
            int index = 0;
            for (Path source : sources) {
                Path target = directory.resolve(index++ + "-" + source.getFileName());
                if (Files.isDirectory(source)) {
                    copyTree(source, target);
                } else {
                    copyIfChanged(source, target);
                }
                entries.add(target.toString());
            }
            LOG.info("the job runtime (replicas, evaluation) is staged in {} ({} entries)", directory, entries.size());
            return List.copyOf(entries);
        } catch (IOException e) {
            throw new UncheckedIOException("could not stage the job runtime in " + directory, e);
        }
    }

    private static void copyTree(Path source, Path target) throws IOException {
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Path copy = target.resolve(source.relativize(dir).toString());
                Files.createDirectories(copy);
                open(copy);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                copyIfChanged(file, target.resolve(source.relativize(file).toString()));
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void copyIfChanged(Path source, Path target) throws IOException {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && Files.size(target) == Files.size(source)
                && Files.getLastModifiedTime(target).equals(Files.getLastModifiedTime(source))) {
            return;
        }
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        Files.copy(source, partial, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void open(Path dir) throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
