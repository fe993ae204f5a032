package dev.incubator.toolkit.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.incubator.common.FieldError;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class RunTrackingTest {
    /** The store in memory: enough to test the bounds. */
    private static final class MemoryStore implements MetricsStore, MetricsStore.Repositories {
        final Map<String, List<MetricPoint>> points = new HashMap<>();
        final Map<String, Map<String, String>> params = new HashMap<>();
        final Map<String, long[]> files = new HashMap<>();

        @Override
        public Tally tally(String jobId) {
            List<MetricPoint> kept = points.getOrDefault(jobId, List.of());
            long[] file = files.getOrDefault(jobId, new long[2]);
            return new Tally(kept.size(), kept.stream().map(MetricPoint::name).distinct().sorted().toList(), file[0],
                    file[1]);
        }

        @Override
        public void append(String jobId, List<MetricPoint> appended, long fileOffset, long ignoredLines) {
            points.computeIfAbsent(jobId, id -> new ArrayList<>()).addAll(appended);
            files.put(jobId, new long[] {fileOffset, ignoredLines});
        }

        @Override
        public Page<MetricPoint> points(String jobId, Optional<String> name, PageRequest page) {
            return new Page<>(points.getOrDefault(jobId, List.of()), Optional.empty());
        }

        @Override
        public Map<String, MetricPoint> latest(String jobId) {
            Map<String, MetricPoint> latest = new TreeMap<>();
            points.getOrDefault(jobId, List.of()).forEach(point -> latest.put(point.name(), point));
            return latest;
        }

        @Override
        public Map<String, String> params(String jobId) {
            return params.getOrDefault(jobId, Map.of());
        }

        @Override
        public void putParams(String jobId, Map<String, String> values) {
            params.computeIfAbsent(jobId, id -> new LinkedHashMap<>()).putAll(values);
        }

        @Override
        public <T> T write(Function<Repositories, T> work) {
            return work.apply(this);
        }

        @Override
        public <T> T read(Function<Repositories, T> work) {
            return work.apply(this);
        }
    }

    private final MemoryStore store = new MemoryStore();
    private final RunTracking tracking = new RunTracking(store, Clock.systemUTC());

    private static RunTracking.Report values(long step, int count) {
        List<RunTracking.Reported> reported = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            reported.add(new RunTracking.Reported(step, "loss", i));
        }
        return new RunTracking.Report(reported, Map.of());
    }

    @Test
    void aJobKeepsAtMostItsPointsAndTheFileBeyondThemIsCountedNotStored() {
        for (int i = 0; i < RunTracking.MAX_POINTS / RunTracking.MAX_BATCH; i++) {
            tracking.report("job", values(i, RunTracking.MAX_BATCH));
        }
        assertThatThrownBy(() -> tracking.report("job", values(1, 1))).isInstanceOf(IncubatorException.class)
                .hasMessageContaining("keeps at most 100000 points");
        RunTracking.Outcome tailed = tracking.tailed("job", List.of(values(2, 5)), 4096, 1);
        assertThat(tailed.stored()).isZero();
        assertThat(tailed.refused()).isEqualTo(5);
        assertThat(store.tally("job").points()).isEqualTo(RunTracking.MAX_POINTS);
        assertThat(store.tally("job").ignoredLines()).isEqualTo(6);
        assertThat(store.tally("job").fileOffset()).as("the file is still read past them").isEqualTo(4096);
    }

    @Test
    void theApiCheckReportsEveryBadValueByIndex() {
        var report = new RunTracking.Report(List.of(new RunTracking.Reported(1, "loss", 1.0),
                new RunTracking.Reported(1, "9lives", 1.0), new RunTracking.Reported(-1, "lr", 1.0),
                new RunTracking.Reported(1, "loss", Double.POSITIVE_INFINITY)), Map.of("bad name", "x"));
        assertThatThrownBy(() -> tracking.report("job", report)).isInstanceOfSatisfying(IncubatorException.class,
                e -> assertThat(e.fieldErrors()).extracting(FieldError::field).containsExactly("metrics[1]",
                        "metrics[2]", "metrics[3]", "params.bad name"));
        assertThat(store.tally("job").points()).as("nothing of a refused report is kept").isZero();
    }

    @Test
    void theFileIsReadLenientlyKeepingWhatIsValid() {
        var lines = List.of(new RunTracking.Report(List.of(new RunTracking.Reported(1, "loss", 2.0),
                new RunTracking.Reported(1, "loss", Double.NaN)), Map.of("seed", "1".repeat(5000))));
        RunTracking.Outcome outcome = tracking.tailed("job", lines, 100, 2);
        assertThat(outcome.stored()).isEqualTo(1);
        assertThat(store.tally("job").ignoredLines()).isEqualTo(3);
        assertThat(tracking.params("job").get("seed")).hasSize(RunTracking.MAX_PARAM_VALUE);
    }
}
