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

    /** In end order (ties in insertion order); {@code cumulative[i]}: millis released by releases 0..i. */
    private final List<Release> releases = new ArrayList<>();
    private long[] cumulative;

    ReleaseEstimator(List<RunningJob> running, Instant now) {
        for (RunningJob job : running) {
            Instant end = job.latestEnd().isBefore(now) ? now : job.latestEnd();
            releases.add(new Release(end, job.allocation(), job.gpuMillis()));
        }
        releases.sort(Comparator.comparing(Release::at));
        cumulative = new long[Math.max(16, releases.size() * 2)];
        recount(0);
    }

    void started(JobRequest job, List<GpuShare> allocation, Instant now) {
        Release release = new Release(now.plus(job.timeLimit()), allocation,
                allocation.stream().mapToLong(GpuShare::millis).sum());
        // After every release that ends no later: the order a stable sort of the appended list would give.
        int low = 0;
        int high = releases.size();
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (releases.get(mid).at().isAfter(release.at())) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        releases.add(low, release);
        if (cumulative.length < releases.size()) {
            cumulative = Arrays.copyOf(cumulative, releases.size() * 2);
        }
        recount(low);
    }

    private void recount(int from) {
        long sum = from == 0 ? 0 : cumulative[from - 1];
        for (int i = from; i < releases.size(); i++) {
            sum += releases.get(i).millis();
            cumulative[i] = sum;
        }
    }

    List<Release> releasesInOrder() {
        return releases;
    }

    /** The first release after which free plus released GPUs cover the job's demand. */
    Optional<Instant> estimate(JobRequest job, long freeMillis) {
        long needed = job.totalGpuMillis() - freeMillis;
        if (needed <= 0) {
            return Optional.empty();
        }
        int index = Arrays.binarySearch(cumulative, 0, releases.size(), needed);
        if (index < 0) {
            index = -index - 1;
        } else {
            while (index > 0 && cumulative[index - 1] == needed) {
                index--;
            }
        }
        return index < releases.size() ? Optional.of(releases.get(index).at()) : Optional.empty();
    }
}
