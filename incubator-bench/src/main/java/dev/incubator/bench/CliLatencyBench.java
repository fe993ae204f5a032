package dev.incubator.bench;

import dev.incubator.server.IncubatorServer;
import dev.incubator.server.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How long a CLI command takes end to end, as a user's shell sees it: {@code ./incubator whoami} and
 * {@code ./incubator queue} against an idle server, each run as a fresh process, against {@code curl} of the same
 * endpoint (the floor: one process that only speaks HTTP). Optionally against another launcher (an older checkout's
 * {@code ./incubator}) in the same run.
 *
 * <pre>
 * ./bench CliLatencyBench [--runs 30] [--launcher ./incubator] [--baseline PATH-TO-OTHER-incubator]
 * </pre>
 */
public final class CliLatencyBench {
    public static void main(String[] args) throws Exception {
        BenchOptions options = BenchOptions.parse("CliLatencyBench", args, BenchOptions.defaults("--runs", "30",
                "--launcher", "./incubator", "--baseline", ""));
        int runs = options.integer("--runs");
        Path dataDir = Files.createTempDirectory("incubator-cli-bench");
        ServerConfig config = ServerConfig.load(java.util.Optional.empty(), Map.of(), Map.of("data-dir",
                dataDir.toString(), "server.port", "0", "server.access-log", "false", "compute.virtual-gpus", "4"));
        try (IncubatorServer server = IncubatorServer.start(config)) {
            String url = server.url().toString();
            String token = Files.readString(dataDir.resolve("bootstrap-token")).strip();
            Map<String, String> environment = Map.of("INCUBATOR_URL", url, "INCUBATOR_TOKEN", token,
                    "XDG_CONFIG_HOME", dataDir.resolve("config").toString());
            Map<String, List<String>> commands = new LinkedHashMap<>();
            Map<String, Map<String, String>> environments = new LinkedHashMap<>();
            commands.put("curl /api/v1/whoami (floor)", List.of("curl", "-sf", "-o", "/dev/null", "-H",
                    "Authorization: Bearer " + token, url + "/api/v1/whoami"));
            commands.put("curl /api/v1/queue (floor)", List.of("curl", "-sf", "-o", "/dev/null", "-H",
                    "Authorization: Bearer " + token, url + "/api/v1/queue"));
            for (String launcher : List.of(options.string("--baseline"), options.string("--launcher"))) {
                if (launcher.isEmpty()) {
                    continue;
                }
                boolean current = launcher.equals(options.string("--launcher"));
                String label = current ? "" : " (baseline)";
                // The first runs may build the jar, its class-data archive, or start the client daemon: not measured.
                time(List.of(launcher, "whoami"), environment);
                Thread.sleep(3000);
                time(List.of(launcher, "whoami"), environment);
                commands.put("incubator whoami" + label, List.of(launcher, "whoami"));
                commands.put("incubator queue" + label, List.of(launcher, "queue"));
                if (current) {
                    Map<String, String> direct = new java.util.HashMap<>(environment);
                    direct.put("INCUBATOR_NO_DAEMON", "1");
                    commands.put("incubator whoami (no daemon: a JVM per run)", List.of(launcher, "whoami"));
                    environments.put("incubator whoami (no daemon: a JVM per run)", direct);
                    commands.put("incubator queue (no daemon: a JVM per run)", List.of(launcher, "queue"));
                    environments.put("incubator queue (no daemon: a JVM per run)", direct);
                }
            }
            System.out.printf(Locale.ROOT, "%d runs each, one fresh process per run, %d cores%n%n", runs,
                    Runtime.getRuntime().availableProcessors());
            System.out.println("| command | median ms | p90 ms | x curl |");
            System.out.println("|---|---:|---:|---:|");
            Map<String, Double> medians = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> command : commands.entrySet()) {
                double[] samples = new double[runs];
                for (int i = 0; i < runs; i++) {
                    samples[i] = time(command.getValue(), environments.getOrDefault(command.getKey(), environment));
                }
                java.util.Arrays.sort(samples);
                double median = samples[runs / 2];
                medians.put(command.getKey(), median);
                String floor = command.getKey().contains("queue") ? "curl /api/v1/queue (floor)"
                        : "curl /api/v1/whoami (floor)";
                System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %.1f |%n", command.getKey(), median,
                        samples[(int) Math.min(runs - 1, Math.ceil(runs * 0.9) - 1)], median / medians.get(floor));
            }
        }
    }

    /** Milliseconds from starting the process to its exit; a failing command stops the benchmark. */
    private static double time(List<String> command, Map<String, String> environment) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true);
        builder.environment().putAll(environment);
        long start = System.nanoTime();
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        int exit = process.waitFor();
        double millis = (System.nanoTime() - start) / 1e6;
        if (exit != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + exit + ": "
                    + new String(output, java.nio.charset.StandardCharsets.UTF_8));
        }
        return millis;
    }
}
