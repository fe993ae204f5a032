package dev.incubator.toolkit.metrics;

import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** Runs' metrics and parameters, per job, in the metadata store's transactions. */
public interface MetricsStore {
    /** A job's tally: points kept, metric names, lines of its metrics file read (bytes) and lines ignored. */
    record Tally(long points, List<String> names, long fileOffset, long ignoredLines) {
        public static final Tally EMPTY = new Tally(0, List.of(), 0, 0);

        public Tally {
            names = List.copyOf(names);
        }
    }

    interface Repositories {
        Tally tally(String jobId);

        /**
         * Appends points (their sequence numbers are assigned here, after every point the job already has), and
         * MUST record {@code fileOffset} and {@code ignoredLines} in the same transaction, so a restart neither
         * loses nor repeats a line of the metrics file.
         */
        void append(String jobId, List<MetricPoint> points, long fileOffset, long ignoredLines);

        /** A job's points in the order reported, optionally of one name. */
        Page<MetricPoint> points(String jobId, Optional<String> name, PageRequest page);

        /** The latest value of each name. */
        Map<String, MetricPoint> latest(String jobId);

        Map<String, String> params(String jobId);

        /** Sets parameters (a name set again takes the new value). */
        void putParams(String jobId, Map<String, String> params);
    }

    <T> T write(Function<Repositories, T> work);

    <T> T read(Function<Repositories, T> work);
}
