package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the scripts in hf-client-test that drive official clients, and checks they ran to their end. */
final class ClientScripts {
    private ClientScripts() {
    }

    /** The project's root: the folder that holds hf-client-test. */
    static Path projectRoot() {
        Path path = Path.of("").toAbsolutePath();
        while (path != null && !Files.exists(path.resolve("hf-client-test"))) {
            path = path.getParent();
        }
        return path == null ? Path.of("").toAbsolutePath() : path;
    }

    /**
     * Starts the process, echoes its lines under {@code label}, and returns them once it exited 0 within
     * {@code minutes} having printed its {@code done} step ({@code doneMarker}, as the script's JSON writes it).
     */
    static List<String> run(ProcessBuilder builder, String label, int minutes, String doneMarker)
            throws IOException, InterruptedException {
        Process process = builder.redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (var reader = process.inputReader(StandardCharsets.UTF_8)) {
            reader.lines().forEach(line -> {
                lines.add(line);
                System.out.println("[" + label + "] " + line);
            });
        }
        assertThat(process.waitFor(minutes, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(String.join("\n", lines)).isZero();
        assertThat(lines).anySatisfy(line -> assertThat(line).contains(doneMarker));
        return lines;
    }
}
