package dev.incubator.toolkit.metrics;

import static java.util.Objects.requireNonNull;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.common.Violations;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Run tracking: what a job reports of itself (metrics by step, its parameters), kept per job within bounds so no
 * run can fill the store: at most {@link #MAX_POINTS} points, {@link #MAX_NAMES} metric names and
 * {@link #MAX_PARAMS} parameters. Reports come through the API (checked strictly: every problem is an error) or
 * from the job's metrics file (lenient: a line that is not a report is counted and skipped).
 */
public final class RunTracking {
    public static final int MAX_POINTS = 100_000;
    public static final int MAX_NAMES = 64;
    public static final int MAX_PARAMS = 256;
    public static final int MAX_BATCH = 1_000;
    public static final int MAX_PARAM_VALUE = 1_000;
    public static final long MAX_STEP = 1_000_000_000_000L;
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_./-]{0,63}");

    /** A value reported at a step, before it is stored. */
    public record Reported(long step, String name, double value) {
        public Reported {
            requireNonNull(name, "name is null");
        }
    }

    /** One report: values and parameters, as a request or a line of the metrics file carries them. */
    public record Report(List<Reported> values, Map<String, String> params) {
        public Report {
            values = List.copyOf(values);
            params = Map.copyOf(params);
        }
    }

    /** What a report did: points kept, and points left out because the job reached a bound. */
    public record Outcome(int stored, int refused, MetricsStore.Tally tally) {
    }

    private final MetricsStore store;
    private final Clock clock;

    public RunTracking(MetricsStore store, Clock clock) {
        this.store = requireNonNull(store, "store is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** Every problem of a report, under {@code field[i]} names, for the API's strict check. */
    public static Violations check(Report report) {
        Violations violations = new Violations();
        violations.check(report.values().size() <= MAX_BATCH, "metrics", "at most " + MAX_BATCH + " values per "
                + "request; send them in batches");
        for (int i = 0; i < report.values().size(); i++) {
            String field = "metrics[" + i + "]";
            problem(report.values().get(i)).ifPresent(message -> violations.add(field, message));
        }
        violations.check(report.params().size() <= MAX_PARAMS, "params", "at most " + MAX_PARAMS + " parameters");
        report.params().forEach((name, value) -> {
            violations.check(NAME.matcher(name).matches(), "params." + name, "is not a parameter name (a letter, then"
                    + " letters, digits, '_', '.', '/' or '-', at most 64)");
            violations.check(value.length() <= MAX_PARAM_VALUE, "params." + name, "is longer than "
                    + MAX_PARAM_VALUE + " characters");
        });
        return violations;
    }

    /** Why a value can not be kept, if it can not. */
    public static Optional<String> problem(Reported value) {
        if (!NAME.matcher(value.name()).matches()) {
            return Optional.of("'" + value.name() + "' is not a metric name (a letter, then letters, digits, '_', '.',"
                    + " '/' or '-', at most 64), e.g. loss or validation/loss");
        }
        if (!Double.isFinite(value.value())) {
            return Optional.of(value.name() + " is " + value.value() + "; only finite numbers are kept");
        }
        if (value.step() < 0 || value.step() > MAX_STEP) {
            return Optional.of("step " + value.step() + " must be from 0 to " + MAX_STEP);
        }
        return Optional.empty();
    }

    /** Records a report that the API checked; refuses it whole when the job is already at its bound. */
    public Outcome report(String jobId, Report report) {
        check(report).throwIfAny();
        Outcome outcome = store(jobId, report.values(), report.params(), Optional.empty(), 0);
        if (outcome.stored() == 0 && outcome.refused() > 0) {
            throw new IncubatorException(ErrorCode.CONFLICT, "job " + jobId + " keeps at most " + MAX_POINTS
                    + " points and " + MAX_NAMES + " metric names and has reached that; report less often (every N"
                    + " steps) or fewer names");
        }
        return outcome;
    }

    /**
     * Records what the job's metrics file held from {@code fileOffset} to {@code nextOffset}: {@code reports}
     * are its understood lines, {@code ignored} the lines that were not reports.
     */
    public Outcome tailed(String jobId, List<Report> reports, long nextOffset, int ignored) {
        List<Reported> values = new ArrayList<>();
        Map<String, String> params = new LinkedHashMap<>();
        int invalid = ignored;
        for (Report report : reports) {
            for (Reported value : report.values()) {
                if (problem(value).isPresent()) {
                    invalid++;
                } else {
                    values.add(value);
                }
            }
            report.params().forEach((name, value) -> {
                if (NAME.matcher(name).matches()) {
                    params.put(name, value.length() <= MAX_PARAM_VALUE ? value : value.substring(0, MAX_PARAM_VALUE));
                }
            });
        }
        return store(jobId, values, params, Optional.of(nextOffset), invalid);
    }

    private Outcome store(String jobId, List<Reported> values, Map<String, String> params, Optional<Long> offset,
                          int ignored) {
        return store.write(repositories -> {
            MetricsStore.Tally tally = repositories.tally(jobId);
            Set<String> names = new LinkedHashSet<>(tally.names());
            List<MetricPoint> kept = new ArrayList<>();
            long room = MAX_POINTS - tally.points();
            int refused = 0;
            var now = clock.instant();
            for (Reported value : values) {
                boolean known = names.contains(value.name()) || names.size() < MAX_NAMES && names.add(value.name());
                if (known && kept.size() < room) {
                    kept.add(new MetricPoint(0, value.step(), value.name(), value.value(), now));
                } else {
                    refused++;
                }
            }
            if (!params.isEmpty()) {
                Map<String, String> existing = repositories.params(jobId);
                Map<String, String> allowed = new LinkedHashMap<>();
                params.forEach((name, value) -> {
                    if (existing.containsKey(name) || existing.size() + allowed.size() < MAX_PARAMS) {
                        allowed.put(name, value);
                    }
                });
                repositories.putParams(jobId, allowed);
            }
            // Lines of the file left out count as ignored; a refused API report is answered instead.
            repositories.append(jobId, kept, offset.orElse(tally.fileOffset()), tally.ignoredLines() + ignored
                    + (offset.isPresent() ? refused : 0));
            return new Outcome(kept.size(), refused, repositories.tally(jobId));
        });
    }

    public Page<MetricPoint> points(String jobId, Optional<String> name, PageRequest page) {
        return store.read(repositories -> repositories.points(jobId, name, page));
    }

    public Map<String, MetricPoint> latest(String jobId) {
        return store.read(repositories -> repositories.latest(jobId));
    }

    public Map<String, String> params(String jobId) {
        return store.read(repositories -> repositories.params(jobId));
    }

    public MetricsStore.Tally tally(String jobId) {
        return store.read(repositories -> repositories.tally(jobId));
    }
}
