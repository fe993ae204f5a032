package dev.incubator.compute.predict;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Predicts how long a job will run from the run times of jobs that already finished, never from the job itself:
 * the same user's recent jobs with the same GPU count first, then the user's recent jobs of any size, then recent
 * jobs of that size cluster-wide (Helios QSSF, SC'21, ranks by such history-based estimates). The mean of the
 * last {@code window} run times is the estimate; with no history at all there is none.
 *
 * <p>Not thread-safe: one owner feeds and asks it.
 */
public final class RuntimePredictor {
    private final int window;
    private final Map<String, History> byUserAndSize = new HashMap<>();
    private final Map<String, History> byUser = new HashMap<>();
    private final Map<Integer, History> bySize = new HashMap<>();

    public RuntimePredictor(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("the history window must hold at least one run");
        }
        this.window = window;
    }

    /** Learns from a finished job: its user, its GPU count and how long it actually ran. */
    public void record(String user, int gpus, Duration runtime) {
        requireNonNull(user, "user is null");
        long seconds = Math.max(0, runtime.toSeconds());
        byUserAndSize.computeIfAbsent(user + '\u0000' + gpus, key -> new History(window)).add(seconds);
        byUser.computeIfAbsent(user, key -> new History(window)).add(seconds);
        bySize.computeIfAbsent(gpus, key -> new History(window)).add(seconds);
    }

    /** The expected run time of a job this user submits with this many GPUs, when there is any history. */
    public Optional<Duration> predict(String user, int gpus) {
        History history = byUserAndSize.get(user + '\u0000' + gpus);
        if (history == null) {
            history = byUser.get(user);
        }
        if (history == null) {
            history = bySize.get(gpus);
        }
        return history == null ? Optional.empty() : Optional.of(Duration.ofSeconds(history.mean()));
    }

    /** The last {@code window} run times in seconds, with their running sum. */
    private static final class History {
        private final int window;
        private final Deque<Long> runs = new ArrayDeque<>();
        private long sum;

        History(int window) {
            this.window = window;
        }

        void add(long seconds) {
            runs.addLast(seconds);
            sum += seconds;
            if (runs.size() > window) {
                sum -= runs.removeFirst();
            }
        }

        long mean() {
            return Math.round(sum / (double) runs.size());
        }
    }
}
