package dev.incubator.sim.trace;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.incubator.compute.scheduler.GpuShare;
import dev.incubator.compute.scheduler.Node;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads published GPU-cluster traces into {@link Trace}s. Every reader keeps only GPU jobs, states in the trace's
 * notes how it mapped the source (tenants, limits, skipped rows), and never passes a recorded run time to the
 * policy: recorded durations go to {@link TraceJob#durationMillis()} only.
 */
public final class TraceReaders {
    private static final Pattern POOL_SIZES = Pattern.compile("pool sizes \\(nodes, (\\d+) GPU/node\\):\\s*(.+)");
    private static final Pattern POOL = Pattern.compile("([A-Za-z0-9_-]+)=(\\d+)");
    private static final DateTimeFormatter SPACED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss[.SSSSSS][.SSS]");

    private TraceReaders() {
    }

    /**
     * Reads a trace file.
     *
     * @param cluster    nodes from --cluster, overriding what the trace implies
     * @param guarantees tenant guarantees from --guarantees, overriding what the trace implies
     */
    public static Trace read(TraceFormat format, Path file, Optional<List<Node>> cluster,
                             Optional<Map<String, Integer>> guarantees) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("trace file " + file + " does not exist or is not a file");
        }
        if ((format == TraceFormat.HELIOS_RAW || format == TraceFormat.ACME) && cluster.isEmpty()) {
            throw new IllegalArgumentException("a " + format.cliName() + " trace does not say what cluster it ran on:"
                    + " give --cluster, e.g. 128x8");
        }
        return switch (format) {
            case HELIOS -> helios(file, cluster, guarantees);
            case HELIOS_RAW -> heliosRaw(file, cluster, guarantees);
            case ACME -> acme(file, cluster, guarantees);
            case ALIBABA_OPENB -> alibaba(file, cluster, guarantees);
            case SYNTHETIC -> throw new IllegalArgumentException("a synthetic trace is generated, not read");
        };
    }

    // ---- Helios slice -------------------------------------------------------------------------------------------

    static Trace helios(Path file, Optional<List<Node>> cluster, Optional<Map<String, Integer>> guarantees) {
        Map<String, Integer> pools = new TreeMap<>();
        int gpusPerNode = 8;
        try {
            for (String line : Files.readAllLines(file)) {
                if (!line.startsWith("#")) {
                    break;
                }
                Matcher sizes = POOL_SIZES.matcher(line);
                if (sizes.find()) {
                    gpusPerNode = Integer.parseInt(sizes.group(1));
                    Matcher pool = POOL.matcher(sizes.group(2));
                    while (pool.find()) {
                        pools.put(pool.group(1), Integer.parseInt(pool.group(2)));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> notes = new ArrayList<>();
        List<TraceJob> jobs = new ArrayList<>();
        int[] skipped = new int[1];
        for (Map<String, String> row : rows(file, TraceFormat.HELIOS, List.of("job_id", "user", "tenant", "num_chips",
                "num_nodes", "submit_time", "duration_s"))) {
            int gpus = integer(row, "num_chips", file);
            int nodes = Math.max(1, integer(row, "num_nodes", file));
            if (gpus <= 0) {
                skipped[0]++;
                continue;
            }
            long submitMillis = Math.round(number(row, "submit_time", file) / 1000.0);
            long duration = Math.round(number(row, "duration_s", file) * 1000);
            String chip = row.getOrDefault("chip_type", "");
            jobs.add(new TraceJob(new Submission(row.get("job_id"), row.get("user"), row.get("tenant"), submitMillis,
                    nodes, perNodeMillis(gpus, nodes), chip.isBlank() ? Optional.empty() : Optional.of(chip),
                    Optional.empty()), duration, row.getOrDefault("final_status", "")));
        }
        final int perNode = gpusPerNode;
        Map<String, Integer> poolGpus = new TreeMap<>();
        pools.forEach((tenant, nodes) -> poolGpus.put(tenant, nodes * perNode));
        notes.add("Tenants are the trace's virtual clusters; each tenant's guarantee is its pool size from the header "
                + poolGpus + " GPUs, and the cluster is the pools together unless --cluster says otherwise.");
        notes.add("walltime_limit_s equals the recorded duration (an oracle, not a user estimate): it is not given to"
                + " any policy. Jobs have no user time limit; backfill uses the platform default limit.");
        if (skipped[0] > 0) {
            notes.add(skipped[0] + " rows without GPUs were skipped.");
        }
        List<Node> nodes = cluster.orElseGet(() -> {
            int total = pools.values().stream().mapToInt(Integer::intValue).sum();
            if (total == 0) {
                throw new IllegalArgumentException("the Helios header names no pool sizes: give --cluster");
            }
            return ClusterSpec.parse(total + "x" + perNode);
        });
        requireJobs(file, TraceFormat.HELIOS, jobs);
        return new Trace(file.getFileName().toString(), TraceFormat.HELIOS.cliName(), jobs, nodes,
                guarantees.orElse(poolGpus), notes);
    }

    // ---- Helios raw cluster_log.csv ------------------------------------------------------------------------------

    static Trace heliosRaw(Path file, Optional<List<Node>> cluster, Optional<Map<String, Integer>> guarantees) {
        List<TraceJob> jobs = new ArrayList<>();
        int skipped = logJobs(file, TraceFormat.HELIOS_RAW, "vc", jobs);
        List<String> notes = new ArrayList<>();
        notes.add("Tenants are the trace's virtual clusters (vc); " + skipped + " CPU-only rows were skipped.");
        notes.add("The raw log has no user time limits; backfill uses the platform default limit.");
        return finish(file, TraceFormat.HELIOS_RAW, jobs, cluster, guarantees, notes);
    }

    // ---- Acme trace_*.csv ----------------------------------------------------------------------------------------

    static Trace acme(Path file, Optional<List<Node>> cluster, Optional<Map<String, Integer>> guarantees) {
        List<TraceJob> jobs = new ArrayList<>();
        int skipped = logJobs(file, TraceFormat.ACME, "user", jobs);
        List<String> notes = new ArrayList<>();
        notes.add("Acme has no tenant column: each user is a tenant. " + skipped + " CPU-only rows were skipped.");
        notes.add("Acme records no user time limits; backfill uses the platform default limit.");
        return finish(file, TraceFormat.ACME, jobs, cluster, guarantees, notes);
    }

    /**
     * The job log schema Helios' cluster_log.csv and Acme's trace_*.csv share (job_id, user, gpu_num, node_num,
     * state, submit_time, duration): GPU jobs into {@code jobs}, submit times from the first GPU job's; returns how
     * many rows without GPUs were skipped.
     */
    private static int logJobs(Path file, TraceFormat format, String tenantColumn, List<TraceJob> jobs) {
        List<Map<String, String>> rows = rows(file, format, List.of("job_id", "user", tenantColumn, "gpu_num",
                "submit_time", "duration"));
        long origin = Long.MAX_VALUE;
        for (Map<String, String> row : rows) {
            if (integer(row, "gpu_num", file) > 0) {
                origin = Math.min(origin, epochMillis(row.get("submit_time"), file));
            }
        }
        int skipped = 0;
        for (Map<String, String> row : rows) {
            int gpus = integer(row, "gpu_num", file);
            if (gpus <= 0) {
                skipped++;
                continue;
            }
            int nodes = Math.max(1, optionalInteger(row, "node_num").orElse((gpus + 7) / 8));
            long duration = Math.round(number(row, "duration", file) * 1000);
            jobs.add(new TraceJob(new Submission(row.get("job_id"), row.get("user"), row.get(tenantColumn),
                    epochMillis(row.get("submit_time"), file) - origin, nodes, perNodeMillis(gpus, nodes),
                    Optional.empty(), Optional.empty()), duration, row.getOrDefault("state", "")));
        }
        return skipped;
    }

    // ---- Alibaba openb -------------------------------------------------------------------------------------------

    static Trace alibaba(Path file, Optional<List<Node>> cluster, Optional<Map<String, Integer>> guarantees) {
        List<TraceJob> jobs = new ArrayList<>();
        int cpuOnly = 0;
        int neverScheduled = 0;
        int alternatives = 0;
        for (Map<String, String> row : rows(file, TraceFormat.ALIBABA_OPENB, List.of("name", "qos", "num_gpu",
                "gpu_milli", "creation_time", "scheduled_time", "deletion_time"))) {
            int gpus = integer(row, "num_gpu", file);
            if (gpus <= 0) {
                cpuOnly++;
                continue;
            }
            String scheduled = row.getOrDefault("scheduled_time", "");
            String deleted = row.getOrDefault("deletion_time", "");
            if (scheduled.isBlank() || deleted.isBlank()) {
                neverScheduled++;
                continue;
            }
            int millis = gpus == 1 ? integer(row, "gpu_milli", file) : gpus * GpuShare.WHOLE;
            if (millis <= 0) {
                millis = gpus * GpuShare.WHOLE;
            }
            String spec = row.getOrDefault("gpu_spec", "");
            // Alternatives such as V100M16|V100M32 stay a set: the pod runs on any one of those models.
            Optional<String> type = spec.isBlank() ? Optional.empty() : Optional.of(spec.toLowerCase(Locale.ROOT));
            if (spec.contains("|")) {
                alternatives++;
            }
            long duration = Math.max(0, Math.round((number(row, "deletion_time", file)
                    - number(row, "scheduled_time", file)) * 1000));
            jobs.add(new TraceJob(new Submission(row.get("name"), row.get("qos"), row.get("qos"),
                    Math.round(number(row, "creation_time", file) * 1000), 1, millis, type, Optional.empty()),
                    duration, row.getOrDefault("pod_phase", "")));
        }
        List<String> notes = new ArrayList<>();
        notes.add("openb has no tenant or user column: the qos classes (LS, BE, Burstable, Guaranteed) are the"
                + " tenants and the users.");
        notes.add("Run time is deletion_time - scheduled_time; pods still running at the end of the trace are cut"
                + " there. " + neverScheduled + " pods never scheduled (no run time) and " + cpuOnly
                + " CPU-only pods were skipped.");
        if (alternatives > 0) {
            notes.add(alternatives + " pods name GPU models as alternatives (e.g. V100M16|V100M32): each runs on any one"
                    + " of them.");
        }
        Optional<List<Node>> nodes = cluster;
        Path nodeList = file.resolveSibling("openb_node_list_gpu_node.csv");
        if (nodes.isEmpty() && Files.isRegularFile(nodeList)) {
            List<Node> list = new ArrayList<>();
            for (Map<String, String> row : rows(nodeList)) {
                int gpus = integer(row, "gpu", nodeList);
                if (gpus > 0) {
                    list.add(ClusterSpec.node(row.get("sn"), gpus, row.getOrDefault("model", "gpu")
                            .toLowerCase(Locale.ROOT)));
                }
            }
            notes.add("The cluster is " + nodeList.getFileName() + ": " + list.size() + " GPU nodes.");
            nodes = Optional.of(list);
        }
        return finish(file, TraceFormat.ALIBABA_OPENB, jobs, nodes, guarantees, notes);
    }

    // ---- shared --------------------------------------------------------------------------------------------------

    /**
     * The cluster from --cluster (required when the trace implies none) and guarantees from --guarantees, else
     * each tenant's share of the trace's GPU-time demand, rounded down.
     */
    private static Trace finish(Path file, TraceFormat format, List<TraceJob> jobs, Optional<List<Node>> cluster,
                                Optional<Map<String, Integer>> guarantees, List<String> notes) {
        requireJobs(file, format, jobs);
        List<Node> nodes = cluster.orElseThrow(() -> new IllegalArgumentException("a " + format.cliName()
                + " trace does not say what cluster it ran on: give --cluster, e.g. 128x8"));
        Map<String, Integer> shares = guarantees.orElseGet(() -> {
            notes.add("No --guarantees: each tenant is guaranteed its share of the trace's GPU-time demand.");
            return demandShares(jobs, nodes.stream().mapToInt(node -> node.gpus().size()).sum());
        });
        return new Trace(file.getFileName().toString(), format.cliName(), jobs, nodes, shares, notes);
    }

    /** Each tenant's share of the total GPU-time demand, in GPUs of the cluster, rounded down. */
    public static Map<String, Integer> demandShares(List<TraceJob> jobs, int totalGpus) {
        Map<String, Double> demand = new TreeMap<>();
        double total = 0;
        for (TraceJob job : jobs) {
            double gpuSeconds = job.submission().totalGpuMillis() / (double) GpuShare.WHOLE * job.durationMillis();
            demand.merge(job.submission().tenant(), gpuSeconds, Double::sum);
            total += gpuSeconds;
        }
        Map<String, Integer> shares = new TreeMap<>();
        for (Map.Entry<String, Double> entry : demand.entrySet()) {
            shares.put(entry.getKey(), total == 0 ? 0 : (int) Math.floor(totalGpus * entry.getValue() / total));
        }
        return shares;
    }

    /** Whole GPUs spread over nodes: the per-node share, rounded up when they do not divide evenly. */
    private static int perNodeMillis(int gpus, int nodes) {
        return (gpus + nodes - 1) / nodes * GpuShare.WHOLE;
    }

    /**
     * The rows of a trace file that must have {@code columns} (the format's own): a file without them is refused,
     * naming what is missing, rather than read as a trace of no jobs.
     */
    static List<Map<String, String>> rows(Path file, TraceFormat format, List<String> columns) {
        List<Map<String, String>> rows = rows(file);
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(file.getFileName() + " holds no rows: not a " + format.cliName()
                    + " trace");
        }
        List<String> missing = columns.stream().filter(column -> !rows.get(0).containsKey(column)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(file.getFileName() + " is not a " + format.cliName() + " trace: it has"
                    + " no column " + String.join(", ", missing) + " (it has " + String.join(", ", rows.get(0).keySet())
                    + ")");
        }
        return rows;
    }

    private static void requireJobs(Path file, TraceFormat format, List<TraceJob> jobs) {
        if (jobs.isEmpty()) {
            throw new IllegalArgumentException(file.getFileName() + " holds no GPU job that ran (every row was"
                    + " CPU-only or never scheduled): nothing to replay as a " + format.cliName() + " trace");
        }
    }

    static List<Map<String, String>> rows(Path file) {
        CsvMapper mapper = new CsvMapper();
        mapper.enable(CsvParser.Feature.ALLOW_COMMENTS);
        mapper.enable(CsvParser.Feature.TRIM_SPACES);
        CsvSchema schema = CsvSchema.emptySchema().withHeader().withComments();
        try (Reader reader = Files.newBufferedReader(file);
             MappingIterator<Map<String, String>> iterator = mapper.readerFor(Map.class).with(schema)
                     .readValues(reader)) {
            List<Map<String, String>> rows = new ArrayList<>();
            while (iterator.hasNext()) {
                rows.add(new LinkedHashMap<>(iterator.next()));
            }
            return rows;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + " as CSV: " + e.getMessage(), e);
        }
    }

    private static int integer(Map<String, String> row, String column, Path file) {
        return (int) Math.round(number(row, column, file));
    }

    private static Optional<Integer> optionalInteger(Map<String, String> row, String column) {
        String value = row.get(column);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of((int) Math.round(Double.parseDouble(value)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static double number(Map<String, String> row, String column, Path file) {
        String value = row.get(column);
        if (value == null) {
            throw new IllegalArgumentException(file.getFileName() + " has no column '" + column + "'; columns: "
                    + row.keySet());
        }
        try {
            return value.isBlank() ? 0 : Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file.getFileName() + ": column '" + column + "' holds '" + value
                    + "', not a number");
        }
    }

    /** Epoch seconds, or a date-time like 2020-09-01 00:00:00 (UTC unless it carries an offset). */
    static long epochMillis(String value, Path file) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(file.getFileName() + ": a job has no submit time");
        }
        String text = value.trim();
        try {
            return Math.round(Double.parseDouble(text) * 1000);
        } catch (NumberFormatException notANumber) {
            // a date-time
        }
        try {
            return LocalDateTime.parse(text, SPACED).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException notSpaced) {
            // try ISO forms
        }
        try {
            return OffsetDateTime.parse(text).toInstant().toEpochMilli();
        } catch (DateTimeParseException notOffset) {
            try {
                return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC).toEpochMilli();
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(file.getFileName() + ": submit time '" + value
                        + "' is neither epoch seconds nor a date-time like 2020-09-01 00:00:00");
            }
        }
    }

    /** Parses {@code TENANT=GPUS,...}. */
    public static Map<String, Integer> parseGuarantees(String spec) {
        Map<String, Integer> guarantees = new HashMap<>();
        for (String part : spec.split(",")) {
            Matcher matcher = POOL.matcher(part.trim());
            if (!matcher.matches()) {
                throw new IllegalArgumentException("guarantee '" + part.trim() + "' is not TENANT=GPUS");
            }
            guarantees.put(matcher.group(1), Integer.parseInt(matcher.group(2)));
        }
        return guarantees;
    }
}
