package dev.incubator.compute.port;

import dev.incubator.compute.Job;
import java.time.Duration;

/**
 * What the compute service tells operators about as it happens: each job's start, end (or return to the queue)
 * and preemption, and each scheduling cycle's figures. The server turns them into log lines and metrics; the
 * domain knows neither.
 */
public interface ComputeEvents {
    /** A scheduling cycle: how long it took, and the queue and cluster right after it. */
    record Cycle(Duration took, int pending, int running, long gpuMillisTotal, long gpuMillisAllocated, int started,
                 int preempted) {
    }

    default void jobStarted(Job job) {
    }

    /** The job left RUNNING: it ended, or went back to the queue (preempted, retried). */
    default void jobEnded(Job job) {
    }

    default void jobPreempting(Job job, String reason, String forJobId) {
    }

    default void cycle(Cycle cycle) {
    }

    ComputeEvents NONE = new ComputeEvents() {
    };

    /** Tells each of {@code listeners}, in order. */
    static ComputeEvents all(ComputeEvents... listeners) {
        java.util.List<ComputeEvents> all = java.util.List.of(listeners);
        return new ComputeEvents() {
            @Override
            public void jobStarted(Job job) {
                all.forEach(listener -> listener.jobStarted(job));
            }

            @Override
            public void jobEnded(Job job) {
                all.forEach(listener -> listener.jobEnded(job));
            }

            @Override
            public void jobPreempting(Job job, String reason, String forJobId) {
                all.forEach(listener -> listener.jobPreempting(job, reason, forJobId));
            }

            @Override
            public void cycle(Cycle cycle) {
                all.forEach(listener -> listener.cycle(cycle));
            }
        };
    }
}
