package dev.incubator.compute.scheduler;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * When GPUs come free if every running job ends at its time limit: used for reservations and for the
 * estimated start of waiting jobs. Estimates count GPUs of every type and ignore fragmentation and the jobs
 * queued ahead: a lower bound on the start, labelled as an estimate wherever shown.
 */
final class ReleaseEstimator {
    record Release(Instant at, List<GpuShare> allocation, long millis) {
    }

    private final List<Release> releases = new ArrayList<>();
    private long[] cumulative;

    ReleaseEstimator(List<RunningJob> running, Instant now) {
        for (RunningJob job : running) {
            Instant end = job.latestEnd().isBefore(now) ? now : job.latestEnd();
            releases.add(new Release(end, job.allocation(), job.gpuMillis()));
        }
    }

    void started(JobRequest job, List<GpuShare> allocation, Instant now) {
        releases.add(new Release(now.plus(job.timeLimit()), allocation,
                allocation.stream().mapToLong(GpuShare::millis).sum()));
        cumulative = null;
    }

    List<Release> releasesInOrder() {
        if (cumulative == null) {
            releases.sort(Comparator.comparing(Release::at));
            cumulative = new long[releases.size()];
            long sum = 0;
            for (int i = 0; i < releases.size(); i++) {
                sum += releases.get(i).millis();
                cumulative[i] = sum;
            }
        }
        return releases;
    }

    /** The first release after which free plus released GPUs cover the job's demand. */
    Optional<Instant> estimate(JobRequest job, long freeMillis) {
        long needed = job.totalGpuMillis() - freeMillis;
        if (needed <= 0) {
            return Optional.empty();
        }
        List<Release> ordered = releasesInOrder();
        int index = Arrays.binarySearch(cumulative, needed);
        if (index < 0) {
            index = -index - 1;
        } else {
            while (index > 0 && cumulative[index - 1] == needed) {
                index--;
            }
        }
        return index < ordered.size() ? Optional.of(ordered.get(index).at()) : Optional.empty();
    }
}
