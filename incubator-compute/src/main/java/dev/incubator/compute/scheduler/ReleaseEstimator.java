package dev.incubator.compute.scheduler;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * When GPUs come free if every running job ends at its time limit: used for reservations and for the
 * estimated start of waiting jobs. Estimates count GPUs of every type and ignore fragmentation and the jobs
 * queued ahead: a lower bound on the start, labelled as an estimate wherever shown.
 *
 * <p>The jobs running at the start of the cycle are sorted once; the few started during the cycle are kept in
 * a second sorted list, so that a start costs a short insertion instead of re-summing every release.
 */
final class ReleaseEstimator {
    record Release(Instant at, Claim claim, long millis) {
    }

    private final Timeline running;
    private final Timeline started = new Timeline(new ArrayList<>());

    /** @param millisOf each running job's GPU thousandths, in the same order */
    ReleaseEstimator(List<RunningJob> runningJobs, long[] millisOf, Instant now) {
        List<Release> releases = new ArrayList<>(runningJobs.size());
        for (int r = 0; r < runningJobs.size(); r++) {
            RunningJob job = runningJobs.get(r);
            Instant end = job.latestEnd().isBefore(now) ? now : job.latestEnd();
            releases.add(new Release(end, job.claim(), millisOf[r]));
        }
        releases.sort(Comparator.comparing(Release::at));
        this.running = new Timeline(releases);
    }

    void started(JobRequest job, Claim claim, Instant now) {
        started.insert(new Release(now.plus(job.timeLimit()), claim,
                claim.gpus().stream().mapToLong(GpuShare::millis).sum()));
    }

    /** Every release in end order; on equal ends, running jobs before those started this cycle. */
    List<Release> releasesInOrder() {
        List<Release> merged = new ArrayList<>(running.releases.size() + started.releases.size());
        int i = 0;
        int j = 0;
        while (i < running.releases.size() || j < started.releases.size()) {
            boolean takeRunning = j == started.releases.size() || (i < running.releases.size()
                    && !running.releases.get(i).at().isAfter(started.releases.get(j).at()));
            merged.add(takeRunning ? running.releases.get(i++) : started.releases.get(j++));
        }
        return merged;
    }

    /** The earliest end after which free plus released GPUs cover the job's demand. */
    Optional<Instant> estimate(JobRequest job, long freeMillis) {
        long needed = job.totalGpuMillis() - freeMillis;
        if (needed <= 0) {
            return Optional.empty();
        }
        // released(t) = running.upTo(t) + started.upTo(t) grows with t: the answer is the smaller of the first end
        // in either list at which it reaches the demand.
        Instant first = running.firstReaching(needed, started);
        Instant second = started.firstReaching(needed, running);
        if (first == null) {
            return Optional.ofNullable(second);
        }
        return Optional.of(second != null && second.isBefore(first) ? second : first);
    }

    /** Releases sorted by end, with running sums. */
    private static final class Timeline {
        private final List<Release> releases;
        private long[] cumulative;

        Timeline(List<Release> sorted) {
            this.releases = sorted;
            this.cumulative = new long[Math.max(16, sorted.size())];
            recount(0);
        }

        void insert(Release release) {
            int at = after(release.at());
            releases.add(at, release);
            if (cumulative.length < releases.size()) {
                cumulative = java.util.Arrays.copyOf(cumulative, releases.size() * 2);
            }
            recount(at);
        }

        private void recount(int from) {
            long sum = from == 0 ? 0 : cumulative[from - 1];
            for (int i = from; i < releases.size(); i++) {
                sum += releases.get(i).millis();
                cumulative[i] = sum;
            }
        }

        /** The number of releases ending no later than {@code time}. */
        private int after(Instant time) {
            int low = 0;
            int high = releases.size();
            while (low < high) {
                int mid = (low + high) >>> 1;
                if (releases.get(mid).at().isAfter(time)) {
                    high = mid;
                } else {
                    low = mid + 1;
                }
            }
            return low;
        }

        /** Millis released by ends no later than {@code time}. */
        long upTo(Instant time) {
            int count = after(time);
            return count == 0 ? 0 : cumulative[count - 1];
        }

        /** The first end in this timeline at which this and {@code other} together release {@code needed}. */
        Instant firstReaching(long needed, Timeline other) {
            int low = 0;
            int high = releases.size();
            while (low < high) {
                int mid = (low + high) >>> 1;
                Instant at = releases.get(mid).at();
                // Everything in this timeline ending at or before 'at' counts, ties included.
                if (upTo(at) + other.upTo(at) >= needed) {
                    high = mid;
                } else {
                    low = mid + 1;
                }
            }
            return low < releases.size() ? releases.get(low).at() : null;
        }
    }
}
