package dev.incubator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.incubator.common.IncubatorException;
import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.toolkit.metrics.MetricPoint;
import dev.incubator.toolkit.metrics.RunTracking;
import dev.incubator.toolkit.metrics.RunTracking.Reported;
import dev.incubator.toolkit.metrics.RunTracking.Report;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Run tracking on a real metadata store: points in order, paged and filtered, tallies in step, bounds held. */
public abstract class MetricsStoreContract extends NotificationStoreContract {
    private final Clock fixed = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);

    private RunTracking tracking() {
        return new RunTracking(new JdbiMetrics(database), fixed);
    }

    private static Report step(long step, Map<String, Double> values) {
        List<Reported> reported = new ArrayList<>();
        values.forEach((name, value) -> reported.add(new Reported(step, name, value)));
        return new Report(reported, Map.of());
    }

    @Test
    void pointsComeBackInTheOrderReportedPagedAndFilteredByName() {
        RunTracking tracking = tracking();
        for (int step = 10; step <= 100; step += 10) {
            tracking.report("job_a", step(step, new java.util.TreeMap<>(Map.of("loss", 5.0 - step / 50.0,
                    "learning_rate", 0.001))));
        }
        tracking.report("job_b", step(10, Map.of("loss", 9.0)));
        List<MetricPoint> losses = new ArrayList<>();
        Optional<String> cursor = Optional.empty();
        do {
            Page<MetricPoint> page = tracking.points("job_a", Optional.of("loss"), new PageRequest(3, cursor.map(dev.incubator.common.Cursor::decode)));
            losses.addAll(page.items());
            cursor = page.nextCursor();
        } while (cursor.isPresent());
        assertThat(losses).extracting(MetricPoint::step).containsExactly(10L, 20L, 30L, 40L, 50L, 60L, 70L, 80L, 90L,
                100L);
        assertThat(losses.get(9).value()).isEqualTo(3.0);
        assertThat(tracking.points("job_a", Optional.empty(), new PageRequest(500, Optional.empty())).items())
                .hasSize(20);
        assertThat(tracking.latest("job_a").get("loss").step()).isEqualTo(100);
        assertThat(tracking.latest("job_b").get("loss").value()).as("another job's points stay its own").isEqualTo(9.0);
        assertThat(tracking.tally("job_a").names()).containsExactly("learning_rate", "loss");
    }

    @Test
    void theMetricsFileOffsetMovesWithItsPointsAndIgnoredLinesAreCounted() {
        RunTracking tracking = tracking();
        tracking.tailed("job_tail", List.of(step(1, Map.of("loss", 2.0)), new Report(List.of(), Map.of("seed", "0"))),
                120, 1);
        tracking.tailed("job_tail", List.of(step(2, Map.of("loss", Double.NaN))), 180, 0);
        var tally = tracking.tally("job_tail");
        assertThat(tally.fileOffset()).isEqualTo(180);
        assertThat(tally.points()).isEqualTo(1);
        assertThat(tally.ignoredLines()).as("the unreadable line and the NaN").isEqualTo(2);
        assertThat(tracking.params("job_tail")).containsEntry("seed", "0");
        tracking.report("job_tail", new Report(List.of(), Map.of("seed", "1")));
        assertThat(tracking.params("job_tail")).as("a parameter set again takes the new value")
                .containsEntry("seed", "1").hasSize(1);
    }

    @Test
    void concurrentReportsOfOneJobNeverShareASequenceNumber() throws Exception {
        RunTracking tracking = tracking();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int writer = 0; writer < 4; writer++) {
                int w = writer;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        tracking.report("job_busy", step(w * 100 + i, Map.of("loss", (double) i)));
                    }
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        } finally {
            pool.shutdown();
        }
        List<MetricPoint> points = tracking.points("job_busy", Optional.empty(), new PageRequest(500,
                Optional.empty())).items();
        Set<Long> sequences = new TreeSet<>();
        points.forEach(point -> sequences.add(point.sequence()));
        assertThat(points).hasSize(100);
        assertThat(sequences).hasSize(100);
        assertThat(tracking.tally("job_busy").points()).isEqualTo(100);
    }

    @Test
    void aJobKeepsAtMostItsMetricNames() {
        RunTracking tracking = tracking();
        java.util.Map<String, Double> many = new java.util.TreeMap<>();
        for (int i = 0; i < RunTracking.MAX_NAMES; i++) {
            many.put("m" + i, 1.0);
        }
        assertThat(tracking.report("job_names", step(1, many)).stored()).isEqualTo(RunTracking.MAX_NAMES);
        assertThatThrownBy(() -> tracking.report("job_names", step(2, Map.of("one_more", 1.0))))
                .isInstanceOf(IncubatorException.class).hasMessageContaining("report less often");
        assertThat(tracking.report("job_names", step(2, Map.of("m0", 0.5))).stored()).as("known names still count")
                .isEqualTo(1);
    }
}
