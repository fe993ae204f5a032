package dev.incubator.sim;

import dev.incubator.compute.predict.RuntimePredictor;
import dev.incubator.sim.trace.Submission;
import dev.incubator.sim.trace.TraceJob;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a policy may know of a job's run time when it schedules it. Asked with the {@link Submission} only, so a
 * policy cannot reach a job's recorded duration; learns only from jobs that have finished. The one exception is
 * the labelled oracle, built explicitly from the trace.
 */
public interface RunTimeKnowledge {
    Optional<Duration> predict(Submission submission);

    /** A job finished after really running {@code ran}: history-based knowledge learns from it. */
    void finished(Submission submission, Duration ran);

    /**
     * The time limit to use when the user gave none: empty for real policies (the platform default applies);
     * the oracle uses the true run time, so that its backfill is exact too.
     */
    default Optional<Duration> limit(Submission submission) {
        return Optional.empty();
    }

    static RunTimeKnowledge none() {
        return new RunTimeKnowledge() {
            @Override
            public Optional<Duration> predict(Submission submission) {
                return Optional.empty();
            }

            @Override
            public void finished(Submission submission, Duration ran) {
            }
        };
    }

    /** The production predictor: the user's own finished jobs (same size first), then the size cluster-wide. */
    static RunTimeKnowledge history(int window) {
        RuntimePredictor predictor = new RuntimePredictor(window);
        return new RunTimeKnowledge() {
            @Override
            public Optional<Duration> predict(Submission submission) {
                return predictor.predict(submission.user(), submission.gpus());
            }

            @Override
            public void finished(Submission submission, Duration ran) {
                predictor.record(submission.user(), submission.gpus(), ran);
            }
        };
    }

    /**
     * REFERENCE ONLY: the recorded run times, as no real scheduler knows them. Shortest-job-first ranks by run
     * time (as the Helios artifact's SJF does), while the shortest-first policy ranks by predicted GPU-time
     * (run time x GPUs): the oracle's prediction is therefore the run time divided by the job's GPUs, so that
     * the policy's key is exactly the true run time. Its time limit is the true run time.
     */
    static RunTimeKnowledge oracle(List<TraceJob> jobs) {
        Map<String, Duration> truth = new HashMap<>();
        jobs.forEach(job -> truth.put(job.submission().id(), Duration.ofMillis(job.durationMillis())));
        return new RunTimeKnowledge() {
            @Override
            public Optional<Duration> predict(Submission submission) {
                return Optional.ofNullable(truth.get(submission.id())).map(run -> run.multipliedBy(1000)
                        .dividedBy(Math.max(1, submission.totalGpuMillis())));
            }

            @Override
            public void finished(Submission submission, Duration ran) {
            }

            @Override
            public Optional<Duration> limit(Submission submission) {
                return Optional.ofNullable(truth.get(submission.id())).map(run -> run.isZero() ? Duration.ofSeconds(1)
                        : run);
            }
        };
    }
}
