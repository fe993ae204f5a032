package dev.incubator.replica;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * What the platform's job processes (the evaluation harness, the safety assessment) share: options as
 * {@code --name value} pairs, mounts under $INCUBATOR_MOUNTS, output under $INCUBATOR_CHECKPOINT_DIR written whole then
 * renamed, progress, and the platform's gateway as an endpoint.
 */
final class JobFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JobFiles() {
    }

    /** {@code --name value} pairs; anything else is refused with the usage. */
    static Map<String, String> options(String[] args, String usage) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                fail("expected --OPTION VALUE, got '" + args[i] + "'; usage: " + usage);
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        return options;
    }

    /** A relative benchmark, bank or model is a mount: DIR under $INCUBATOR_MOUNTS (a job's argv is not expanded). */
    static Path mounted(String value) {
        Path path = Path.of(value);
        String mounts = System.getenv("INCUBATOR_MOUNTS");
        return path.isAbsolute() || mounts == null ? path : Path.of(mounts).resolve(path);
    }

    /** A relative output folder is under the job's $INCUBATOR_CHECKPOINT_DIR, where the platform collects it. */
    static Path output(String value) {
        Path path = Path.of(value);
        String checkpoints = System.getenv("INCUBATOR_CHECKPOINT_DIR");
        return path.isAbsolute() || checkpoints == null ? path : Path.of(checkpoints).resolve(path);
    }

    /** "platform": the platform's own gateway, as a job reaches it ($INCUBATOR_URL/v1, with the job's credential). */
    static URI endpoint(String value) {
        if (!value.equals("platform")) {
            return URI.create(value);
        }
        String platform = System.getenv("INCUBATOR_URL");
        if (platform == null || platform.isBlank()) {
            fail("--endpoint platform needs $INCUBATOR_URL (set in every job)");
        }
        return URI.create(platform.replaceAll("/+$", "") + "/v1");
    }

    /** The endpoint's key: $INCUBATOR_EVAL_KEY, else the job's own credential. */
    static String key() {
        return System.getenv().getOrDefault("INCUBATOR_EVAL_KEY", System.getenv().getOrDefault("INCUBATOR_JOB_TOKEN",
                ""));
    }

    static void progress(Path out, int done, int total) {
        try {
            write(out.resolve("progress.json"), JSON.writeValueAsString(Map.of("done", done, "total", total)));
        } catch (IOException e) {
            System.err.println("could not write progress: " + e.getMessage());
        }
    }

    static void write(Path file, String text) throws IOException {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        Files.writeString(partial, text, StandardCharsets.UTF_8);
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static String hardware() {
        return System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " CPUs, Java "
                + Runtime.version().feature();
    }

    static void fail(String message) {
        System.err.println(message);
        System.exit(2);
    }
}
