package dev.incubator.sim.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.incubator.sim.PolicyResult;
import dev.incubator.sim.SimOptions;
import dev.incubator.sim.SimPolicy;
import dev.incubator.sim.trace.Trace;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The outcome of a replay: one row per policy in report.md and report.json, and three SVG plots. The same inputs
 * give byte-identical files (no wall-clock times, fixed rounding, ordered maps).
 */
public final class Report {
    private final Trace trace;
    private final SimOptions options;
    private final List<PolicyResult> results;
    private final List<Summary> summaries;

    public Report(Trace trace, SimOptions options, List<PolicyResult> results) {
        this.trace = trace;
        this.options = options;
        this.results = List.copyOf(results);
        this.summaries = results.stream().map(Summary::of).toList();
    }

    public List<Summary> summaries() {
        return summaries;
    }

    /**
     * The share of the gap between FIFO and the SJF oracle in average JCT that a policy closes: 1 means as good as
     * the oracle. Empty unless both references were replayed and differ.
     */
    public Optional<Double> gapClosed(String policy) {
        Optional<Summary> fifo = find(SimPolicy.FIFO.cliName());
        Optional<Summary> oracle = find(SimPolicy.SJF_ORACLE.cliName());
        Optional<Summary> subject = find(policy);
        // Only a reference that beats FIFO makes a gap: otherwise the ratio says nothing (or flips its sign).
        if (fifo.isEmpty() || oracle.isEmpty() || subject.isEmpty()
                || oracle.get().avgJct() >= fifo.get().avgJct()) {
            return Optional.empty();
        }
        return Optional.of((fifo.get().avgJct() - subject.get().avgJct()) / (fifo.get().avgJct() - oracle.get().avgJct()));
    }

    /**
     * The no-wait lower bound: every job's JCT if it started the moment it was submitted (its run time, cut at the
     * time limit every policy kills at). No policy can do better on average; its distance to it is a policy's
     * slowdown.
     */
    public double noWaitAvgJct() {
        return Summary.mean(noWaitJcts());
    }

    public double noWaitP99Jct() {
        double[] sorted = noWaitJcts();
        java.util.Arrays.sort(sorted);
        return Summary.percentile(sorted, 99);
    }

    private double[] noWaitJcts() {
        return trace.jobs().stream().mapToDouble(job -> Math.min(job.durationMillis(), job.submission()
                .requestedLimit().orElse(options.defaultLimit()).toMillis()) / 1000.0).toArray();
    }

    /** A policy's average JCT over the no-wait lower bound (1.0: nobody waited). */
    public double slowdown(Summary summary) {
        double bound = noWaitAvgJct();
        return bound <= 0 ? 1 : summary.avgJct() / bound;
    }

    private Optional<Summary> find(String policy) {
        return summaries.stream().filter(summary -> summary.policy().equals(policy)).findFirst();
    }

    public void write(Path directory) throws IOException {
        Files.createDirectories(directory);
        Files.writeString(directory.resolve("report.json"), json(), StandardCharsets.UTF_8);
        Files.writeString(directory.resolve("report.md"), markdown(), StandardCharsets.UTF_8);
        Files.writeString(directory.resolve("jct-cdf.svg"), jctCdf(), StandardCharsets.UTF_8);
        Files.writeString(directory.resolve("queue-length.svg"), overTime("Jobs waiting over time", 1), StandardCharsets.UTF_8);
        Files.writeString(directory.resolve("gpu-allocation.svg"), overTime("GPUs allocated over time", 2),
                StandardCharsets.UTF_8);
    }

    String json() throws IOException {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        ObjectNode traceNode = root.putObject("trace");
        traceNode.put("name", trace.name());
        traceNode.put("format", trace.format());
        traceNode.put("jobs", trace.jobs().size());
        traceNode.put("gpus", trace.totalGpus());
        traceNode.put("nodes", trace.nodes().size());
        ObjectNode guarantees = traceNode.putObject("guarantees");
        trace.guarantees().forEach(guarantees::put);
        ArrayNode notes = traceNode.putArray("notes");
        trace.notes().forEach(notes::add);
        ObjectNode optionsNode = root.putObject("options");
        optionsNode.put("cycle_seconds", options.cycle().toSeconds());
        optionsNode.put("grace_seconds", options.grace().toSeconds());
        optionsNode.put("default_limit_seconds", options.defaultLimit().toSeconds());
        optionsNode.put("half_life_seconds", options.halfLife().toSeconds());
        optionsNode.put("history_window", options.history());
        options.checkpointEvery().ifPresent(every -> optionsNode.put("checkpoint_every_s", every.toSeconds()));
        ObjectNode bound = root.putObject("no_wait_lower_bound");
        bound.put("avg_jct_s", round(noWaitAvgJct()));
        bound.put("p99_jct_s", round(noWaitP99Jct()));
        ArrayNode policies = root.putArray("policies");
        for (Summary summary : summaries) {
            ObjectNode node = policies.addObject();
            node.put("policy", summary.policy());
            node.put("description", summary.description());
            node.put("jobs", summary.jobs());
            node.put("unfinished", summary.unfinished());
            node.put("avg_jct_s", round(summary.avgJct()));
            node.put("median_jct_s", round(summary.medianJct()));
            node.put("p95_jct_s", round(summary.p95Jct()));
            node.put("p99_jct_s", round(summary.p99Jct()));
            node.put("avg_queue_s", round(summary.avgQueue()));
            node.put("median_queue_s", round(summary.medianQueue()));
            node.put("p95_queue_s", round(summary.p95Queue()));
            node.put("gpu_allocation", round(summary.allocation()));
            node.put("makespan_h", round(summary.makespanHours()));
            node.put("jain_entitlement", round(summary.jain()));
            node.put("guarantee_violation_s", round(summary.guaranteeViolationSeconds()));
            node.put("tenants_violated", summary.tenantsViolated());
            node.put("preemptions", summary.preemptions());
            node.put("lost_gpu_h", round(summary.lostGpuHours()));
            node.put("lost_share", round(summary.lostShare()));
            node.put("lost_gpu_h_without_checkpoints", round(summary.lostGpuHoursWithoutCheckpoints()));
            node.put("timeouts", summary.timeouts());
            node.put("slowdown_vs_no_wait", round(slowdown(summary)));
            if (summary.fragmentation() >= 0) {
                node.put("fragmentation", round(summary.fragmentation()));
            }
            gapClosed(summary.policy()).ifPresent(gap -> node.put("fifo_to_sjf_gap_closed", round(gap)));
            node.put("cycles", summary.cycles());
            ObjectNode tenants = node.putObject("tenants");
            for (String tenant : trace.guarantees().keySet()) {
                ObjectNode tenantNode = tenants.putObject(tenant);
                tenantNode.put("guarantee_gpus", trace.guarantees().get(tenant));
                tenantNode.put("gpu_time_share", round(summary.gpuHoursShare().getOrDefault(tenant, 0.0)));
                tenantNode.put("entitlement_held", round(summary.entitlement().getOrDefault(tenant, 1.0)));
            }
        }
        return mapper.writeValueAsString(root) + "\n";
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Trace replay: ").append(trace.name()).append("\n\n");
        md.append(String.format(Locale.ROOT, "%d jobs (%s format) on %d GPUs in %d nodes; %d tenants.%n%n",
                trace.jobs().size(), trace.format(), trace.totalGpus(), trace.nodes().size(), trace.guarantees().size()));
        for (String note : trace.notes()) {
            md.append("- ").append(note).append('\n');
        }
        String restart = options.checkpointEvery().map(every -> "then resumed from its last checkpoint (every job"
                + " was assumed to checkpoint every " + every.toMinutes() + " min: traces record no checkpoints; the"
                + " work preemption would have cost without them is in report.json,"
                + " lost_gpu_h_without_checkpoints)").orElse("then restarted from the beginning (traces record no"
                + " checkpoints)");
        md.append(String.format(Locale.ROOT, "- The scheduler ran at most every %d s; a preempted job kept its GPUs"
                        + " for %d s of grace, " + restart.replace("%", "%%") + "; jobs"
                        + " without a user limit had the platform limit of %d h; fair share decays usage with a"
                        + " half-life of %d h; predictions average each user's last %d finished runs.%n%n",
                options.cycle().toSeconds(), options.grace().toSeconds(), options.defaultLimit().toHours(),
                options.halfLife().toHours(), options.history()));
        md.append(String.format(Locale.ROOT, "No-wait lower bound (every job starts when submitted): avg JCT %.0f s,"
                + " p99 JCT %.0f s.%n%n", noWaitAvgJct(), noWaitP99Jct()));
        boolean fragmentation = summaries.stream().anyMatch(summary -> summary.fragmentation() >= 0);
        md.append("| policy | avg JCT s | median JCT s | p95 JCT s | p99 JCT s | x no-wait | avg queue s | median queue s"
                + " | p95 queue s | GPU alloc | makespan h | Jain | guarantee viol. s | preempt. | lost GPU-h | lost %"
                + " | timeouts" + (fragmentation ? " | frag." : "") + " | gap closed |\n");
        md.append("|---|" + "---:|".repeat(fragmentation ? 18 : 17) + "\n");
        for (Summary s : summaries) {
            md.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.0f | %.2f | %.0f | %.0f | %.0f | %.1f %%"
                            + " | %.1f | %.3f | %.0f | %d | %.1f | %.2f %% | %d%s | %s |%n", s.policy(), s.avgJct(),
                    s.medianJct(), s.p95Jct(), s.p99Jct(), slowdown(s), s.avgQueue(), s.medianQueue(), s.p95Queue(),
                    100 * s.allocation(), s.makespanHours(), s.jain(), s.guaranteeViolationSeconds(), s.preemptions(),
                    s.lostGpuHours(), 100 * s.lostShare(), s.timeouts(),
                    fragmentation ? String.format(Locale.ROOT, " | %.1f %%", 100 * Math.max(0, s.fragmentation())) : "",
                    gapClosed(s.policy()).map(gap -> String.format(Locale.ROOT, "%.0f %%", 100 * gap)).orElse("-")));
        }
        md.append("\nWhat the columns mean:\n");
        md.append("- **JCT** (job completion time): finish minus submission, over finished jobs; average, median and"
                + " 95th/99th percentiles (nearest rank).\n");
        md.append("- **queue**: first start minus submission.\n");
        md.append("- **GPU alloc**: GPU-seconds allocated divided by the cluster's GPUs times the makespan.\n");
        md.append("- **makespan**: from the first submission to the last completion.\n");
        md.append("- **Jain**: Jain's fairness index over tenants of the time-weighted fraction of its guarantee a"
                + " tenant held while it had jobs waiting (1.000: every waiting tenant held its guarantee, or as much"
                + " as it asked for).\n");
        md.append("- **guarantee viol.**: seconds, summed over tenants, that a tenant could have started a waiting job"
                + " within its guarantee but waited longer than one scheduling cycle plus the grace period.\n");
        md.append("- **x no-wait**: avg JCT over the no-wait lower bound (1.00: nobody waited).\n");
        md.append("- **preempt.**, **lost GPU-h** and **lost %**: preemptions, GPU-hours of work thrown away by them, and"
                + " that as a share of all GPU-hours allocated.\n");
        md.append("- **timeouts**: jobs killed at their time limit (the user's, else the platform's; the same for"
                + " every policy, the oracle too).\n");
        if (fragmentation) {
            md.append("- **frag.**: time-weighted share of all GPU capacity that was free but on GPUs too full for the"
                    + " smallest waiting request (the FGD, ATC'23 notion), while jobs waited.\n");
        }
        md.append("- **gap closed**: (FIFO avg JCT - policy avg JCT) / (FIFO avg JCT - SJF oracle avg JCT), shown only"
                + " when the oracle beats FIFO.\n\n");
        md.append("Policies:\n");
        for (PolicyResult result : results) {
            md.append("- **").append(result.policy().cliName()).append("**: ").append(result.policy().description())
                    .append('\n');
        }
        if (summaries.stream().anyMatch(summary -> summary.unfinished() > 0)) {
            md.append("\nUnfinished jobs (they never fit the cluster) are left out of every average.\n");
        }
        md.append("\nPlots: jct-cdf.svg, queue-length.svg, gpu-allocation.svg.\n");
        return md.toString();
    }

    private String jctCdf() {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (PolicyResult result : results) {
            double[] sorted = result.jct().clone();
            Arrays.sort(sorted);
            List<double[]> points = new ArrayList<>();
            int steps = Math.min(400, sorted.length);
            for (int i = 1; i <= steps; i++) {
                int index = (int) Math.ceil(i * (double) sorted.length / steps) - 1;
                points.add(new double[] {Math.max(1, sorted[index]), (index + 1) / (double) sorted.length});
            }
            series.put(result.policy().cliName(), points);
        }
        return SvgChart.lines("JCT CDF per policy", "job completion time, s (log scale)", "fraction of jobs",
                series, true);
    }

    /** A series over time, averaged into at most 400 buckets; {@code field} 1: waiting jobs, 2: GPUs. */
    private String overTime(String title, int field) {
        double end = results.stream().mapToDouble(PolicyResult::makespanSeconds).max().orElse(1) / 3600;
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        int buckets = 400;
        for (PolicyResult result : results) {
            double[] sum = new double[buckets];
            int[] count = new int[buckets];
            for (PolicyResult.Sample sample : result.series()) {
                int bucket = (int) Math.min(buckets - 1, Math.max(0, sample.seconds() / 3600 / Math.max(end, 1e-9) * buckets));
                sum[bucket] += field == 1 ? sample.pending() : sample.allocatedGpus();
                count[bucket]++;
            }
            List<double[]> points = new ArrayList<>();
            for (int b = 0; b < buckets; b++) {
                if (count[b] > 0) {
                    points.add(new double[] {end * (b + 0.5) / buckets, sum[b] / count[b]});
                }
            }
            series.put(result.policy().cliName(), points);
        }
        return SvgChart.lines(title, "simulated time, h", field == 1 ? "jobs waiting" : "GPUs allocated", series, false);
    }

    private static double round(double value) {
        return BigDecimal.valueOf(value).setScale(3, RoundingMode.HALF_EVEN).doubleValue();
    }
}
