package dev.incubator.cli;

import dev.incubator.sim.PolicyResult;
import dev.incubator.sim.SimOptions;
import dev.incubator.sim.SimPolicy;
import dev.incubator.sim.Simulator;
import dev.incubator.sim.report.Report;
import dev.incubator.sim.report.Summary;
import dev.incubator.sim.trace.ClusterSpec;
import dev.incubator.sim.trace.SyntheticTrace;
import dev.incubator.sim.trace.Trace;
import dev.incubator.sim.trace.TraceFormat;
import dev.incubator.sim.trace.TraceReaders;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "sim", mixinStandardHelpOptions = true, subcommands = SimCommand.Replay.class,
        description = "Replay GPU-cluster traces against the production scheduler and compare policies.")
final class SimCommand implements Runnable {
    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "give a subcommand: replay");
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = {"Replay a trace under one or more policies; writes report.json, report.md and SVG plots"
                    + " (JCT CDF, queue length and GPU allocation over time) to --out.",
                    "Policies: fifo, fifo-backfill, qssf, sjf-oracle (a labelled lower bound that sees true run"
                            + " times), incubator (the default policy).",
                    "Examples:",
                    "  incubator sim replay --trace ../shared/traces/helios/helios_venus_2vc_sept_days01-13.csv"
                            + " --format helios --policy fifo,fifo-backfill,qssf,sjf-oracle,incubator --out sim-helios",
                    "  incubator sim replay --format synthetic --jobs 100000 --gpus 1024 --tenants 50 --policy"
                            + " incubator --out sim-synthetic"})
    static final class Replay implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--trace", description = "Trace file (not for --format synthetic)")
        Path trace;

        @Option(names = "--format", required = true,
                description = "helios, helios-raw, acme, alibaba-openb or synthetic")
        String format;

        @Option(names = "--policy", defaultValue = "fifo,fifo-backfill,qssf,sjf-oracle,incubator",
                description = "Comma-separated policies (default: all five)")
        String policies;

        @Option(names = "--cluster", description = "Cluster as NODESxGPUS[:TYPE],... e.g. 128x8:a100 (required for"
                + " helios-raw and acme; otherwise from the trace)")
        String cluster;

        @Option(names = "--guarantees", description = "TENANT=GPUS,... (default: from the trace, else each"
                + " tenant's share of the demand)")
        String guarantees;

        @Option(names = "--out", required = true, description = "Directory for the report")
        Path out;

        @Option(names = {"-o", "--output"}, description = "Output format: ${COMPLETION-CANDIDATES} (default: table)",
                defaultValue = "table")
        Output.Format output;

        @Option(names = "--cycle-seconds", defaultValue = "10", description = "Scheduler period (default 10)")
        long cycleSeconds;

        @Option(names = "--grace-seconds", defaultValue = "30", description = "Preemption grace (default 30)")
        long graceSeconds;

        @Option(names = "--checkpoint-minutes", paramLabel = "N", description = "Assume every job checkpoints every N"
                + " minutes: a preempted job resumes from its last checkpoint (default: none; traces record no"
                + " checkpoints, so a preempted job starts over)")
        Long checkpointMinutes;

        @Option(names = "--seed", defaultValue = "1", description = "Synthetic: seed (default 1)")
        long seed;

        @Option(names = "--jobs", defaultValue = "10000", description = "Synthetic: jobs (default 10000)")
        int jobs;

        @Option(names = "--gpus", defaultValue = "1024", description = "Synthetic: GPUs, a multiple of 8 (default 1024)")
        int gpus;

        @Option(names = "--tenants", defaultValue = "20", description = "Synthetic: tenants (default 20)")
        int tenants;

        @Option(names = "--load", defaultValue = "0.9", description = "Synthetic: offered load (default 0.9)")
        double load;

        @Option(names = "--quiet", description = "No progress on standard error")
        boolean quiet;

        @Override
        public Integer call() throws Exception {
            List<SimPolicy> chosen;
            Trace loaded;
            SimOptions options;
            try {
                chosen = Arrays.stream(policies.split(",")).filter(name -> !name.isBlank())
                        .map(SimPolicy::fromCliName).distinct().toList();
                if (chosen.isEmpty()) {
                    throw new IllegalArgumentException("give at least one policy");
                }
                TraceFormat traceFormat = TraceFormat.fromCliName(format);
                options = new SimOptions(Duration.ofSeconds(cycleSeconds), Duration.ofSeconds(graceSeconds),
                        SimOptions.defaults().defaultLimit(), SimOptions.defaults().halfLife(),
                        SimOptions.defaults().history());
                if (checkpointMinutes != null) {
                    if (checkpointMinutes < 1) {
                        throw new IllegalArgumentException("--checkpoint-minutes must be at least 1");
                    }
                    options = options.withCheckpoints(Duration.ofMinutes(checkpointMinutes));
                }
                if (traceFormat == TraceFormat.SYNTHETIC) {
                    loaded = SyntheticTrace.generate(seed, jobs, gpus, tenants, load);
                } else {
                    if (trace == null) {
                        throw new IllegalArgumentException("--trace is required for format " + format);
                    }
                    loaded = TraceReaders.read(traceFormat, trace,
                            Optional.ofNullable(cluster).map(ClusterSpec::parse),
                            Optional.ofNullable(guarantees).map(TraceReaders::parseGuarantees));
                }
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage());
            }
            PrintWriter err = spec.commandLine().getErr();
            err.printf(Locale.ROOT, "Replaying %s: %d jobs on %d GPUs, %d tenants%n", loaded.name(),
                    loaded.jobs().size(), loaded.totalGpus(), loaded.guarantees().size());
            Simulator simulator = new Simulator(options);
            // A bar redrawn with carriage returns only on a terminal; a log file gets one line per policy.
            boolean bar = !quiet && System.console() != null;
            List<PolicyResult> results = new ArrayList<>();
            for (SimPolicy policy : chosen) {
                long started = System.nanoTime();
                PolicyResult result = simulator.run(loaded, policy, fraction -> {
                    if (bar) {
                        int width = 30;
                        int filled = (int) Math.round(fraction * width);
                        err.printf(Locale.ROOT, "\r  %-14s [%s%s] %3.0f %%", policy.cliName(), "#".repeat(filled),
                                " ".repeat(width - filled), 100 * fraction);
                        err.flush();
                    }
                });
                double seconds = (System.nanoTime() - started) / 1e9;
                err.printf(Locale.ROOT, "%s  %-14s done in %.1f s, %d scheduling cycles%s%n", bar ? "\r" : "",
                        policy.cliName(), seconds, result.cycles(), bar ? " ".repeat(20) : "");
                results.add(result);
            }
            Report report = new Report(loaded, options, results);
            report.write(out);
            PrintWriter stdout = spec.commandLine().getOut();
            if (output == Output.Format.json) {
                com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper()
                        .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE);
                com.fasterxml.jackson.databind.node.ObjectNode result = json.createObjectNode();
                result.put("trace", loaded.name());
                result.put("report", out.resolve("report.md").toString());
                com.fasterxml.jackson.databind.node.ArrayNode policies = result.putArray("policies");
                for (Summary summary : report.summaries()) {
                    com.fasterxml.jackson.databind.node.ObjectNode node = json.valueToTree(summary);
                    report.gapClosed(summary.policy()).ifPresent(gap -> node.put("gap_closed", gap));
                    policies.add(node);
                }
                Output.json(stdout, result);
                err.flush();
                return 0;
            }
            stdout.printf(Locale.ROOT, "%-14s %10s %10s %10s %9s %9s %8s%n", "policy", "avg JCT s", "p99 JCT s",
                    "avg queue", "alloc", "viol. s", "gap");
            for (Summary summary : report.summaries()) {
                stdout.printf(Locale.ROOT, "%-14s %10.0f %10.0f %10.0f %8.1f%% %9.0f %8s%n", summary.policy(),
                        summary.avgJct(), summary.p99Jct(), summary.avgQueue(), 100 * summary.allocation(),
                        summary.guaranteeViolationSeconds(), report.gapClosed(summary.policy())
                                .map(gap -> String.format(Locale.ROOT, "%.0f%%", 100 * gap)).orElse("-"));
            }
            stdout.println("Report: " + out.resolve("report.md"));
            stdout.flush();
            err.flush();
            return 0;
        }
    }
}
