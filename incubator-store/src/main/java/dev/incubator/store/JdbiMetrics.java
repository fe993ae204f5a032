package dev.incubator.store;

import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.toolkit.metrics.MetricPoint;
import dev.incubator.toolkit.metrics.MetricsStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;

/** {@link MetricsStore} on the metadata store: a tally row per job, its points and its parameters. */
public final class JdbiMetrics extends JdbiStore<MetricsStore.Repositories> implements MetricsStore {
    private static final String POINT_COLUMNS = "sequence, step, name, value, at";

    public JdbiMetrics(Database database) {
        super(database, Repos::new);
    }

    private record Repos(Handle handle) implements Repositories {
        @Override
        public Tally tally(String jobId) {
            Optional<Tally> row = handle.createQuery("SELECT points, file_offset, ignored_lines FROM job_runs WHERE"
                            + " job_id = :job").bind("job", jobId)
                    .map((rs, ctx) -> new Tally(rs.getLong("points"), List.of(), rs.getLong("file_offset"),
                            rs.getLong("ignored_lines"))).findOne();
            if (row.isEmpty()) {
                return Tally.EMPTY;
            }
            List<String> names = handle.createQuery("SELECT DISTINCT name FROM job_metrics WHERE job_id = :job ORDER"
                    + " BY name").bind("job", jobId).mapTo(String.class).list();
            return new Tally(row.get().points(), names, row.get().fileOffset(), row.get().ignoredLines());
        }

        @Override
        public void append(String jobId, List<MetricPoint> points, long fileOffset, long ignoredLines) {
            handle.createUpdate("INSERT INTO job_runs (job_id, points, next_sequence, file_offset, ignored_lines)"
                    + " VALUES (:job, 0, 1, 0, 0) ON CONFLICT (job_id) DO NOTHING").bind("job", jobId).execute();
            // The row lock of this update orders concurrent reports of one job: sequence numbers never repeat.
            long next = handle.createQuery("UPDATE job_runs SET next_sequence = next_sequence + :n, points = points +"
                            + " :n, file_offset = :offset, ignored_lines = :ignored WHERE job_id = :job RETURNING"
                            + " next_sequence").bind("n", points.size()).bind("offset", fileOffset)
                    .bind("ignored", ignoredLines).bind("job", jobId).mapTo(Long.class).one();
            if (points.isEmpty()) {
                return;
            }
            long sequence = next - points.size();
            var batch = handle.prepareBatch("INSERT INTO job_metrics (job_id, sequence, step, name, value, at) VALUES"
                    + " (:job, :sequence, :step, :name, :value, :at)");
            for (MetricPoint point : points) {
                batch.bind("job", jobId).bind("sequence", sequence++).bind("step", point.step())
                        .bind("name", point.name()).bind("value", point.value())
                        .bind("at", point.at().toEpochMilli()).add();
            }
            batch.execute();
        }

        @Override
        public Page<MetricPoint> points(String jobId, Optional<String> name, PageRequest page) {
            String select = "SELECT " + POINT_COLUMNS + " FROM job_metrics WHERE job_id = :job"
                    + (name.isPresent() ? " AND name = :name" : "");
            return Paging.page(handle, select, "sequence", true, page, query -> {
                query.bind("job", jobId);
                name.ifPresent(value -> query.bind("name", value));
                return query;
            }, (rs, ctx) -> point(rs), point -> Long.toString(point.sequence()));
        }

        @Override
        public Map<String, MetricPoint> latest(String jobId) {
            Map<String, MetricPoint> latest = new TreeMap<>();
            handle.createQuery("SELECT m.sequence, m.step, m.name, m.value, m.at FROM job_metrics m JOIN (SELECT name,"
                            + " MAX(sequence) AS last FROM job_metrics WHERE job_id = :job GROUP BY name) l ON"
                            + " m.name = l.name AND m.sequence = l.last WHERE m.job_id = :job").bind("job", jobId)
                    .map((rs, ctx) -> point(rs)).forEach(point -> latest.put(point.name(), point));
            return latest;
        }

        @Override
        public Map<String, String> params(String jobId) {
            Map<String, String> params = new LinkedHashMap<>();
            handle.createQuery("SELECT name, value FROM job_params WHERE job_id = :job ORDER BY name")
                    .bind("job", jobId).map((rs, ctx) -> Map.entry(rs.getString("name"), rs.getString("value")))
                    .forEach(entry -> params.put(entry.getKey(), entry.getValue()));
            return params;
        }

        @Override
        public void putParams(String jobId, Map<String, String> params) {
            if (params.isEmpty()) {
                return;
            }
            var batch = handle.prepareBatch("INSERT INTO job_params (job_id, name, value) VALUES (:job, :name, :value)"
                    + " ON CONFLICT (job_id, name) DO UPDATE SET value = excluded.value");
            params.forEach((name, value) -> batch.bind("job", jobId).bind("name", name).bind("value", value).add());
            batch.execute();
        }

        private static MetricPoint point(ResultSet rs) throws SQLException {
            return new MetricPoint(rs.getLong("sequence"), rs.getLong("step"), rs.getString("name"),
                    rs.getDouble("value"), Instant.ofEpochMilli(rs.getLong("at")));
        }
    }
}
