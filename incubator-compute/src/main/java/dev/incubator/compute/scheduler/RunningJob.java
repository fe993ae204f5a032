package dev.incubator.compute.scheduler;

import static java.util.Objects.requireNonNull;

import dev.incubator.compute.PriorityClass;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A job holding GPUs. {@code borrowed} jobs run beyond their organisation's guarantee (or without a grant)
 * and may be preempted to give an organisation its guarantee back.
 */
public record RunningJob(String id, String org, PriorityClass priority, List<GpuShare> allocation, Instant startedAt,
                         Duration timeLimit, boolean borrowed, boolean checkpointing, Optional<Instant> lastCheckpoint,
                         boolean terminating, Claim claim) {
    /** A job that holds GPUs alone (no CPUs or memory claimed: simulated traces). */
    public RunningJob(String id, String org, PriorityClass priority, List<GpuShare> allocation, Instant startedAt,
                      Duration timeLimit, boolean borrowed, boolean checkpointing, Optional<Instant> lastCheckpoint,
                      boolean terminating) {
        this(id, org, priority, allocation, startedAt, timeLimit, borrowed, checkpointing, lastCheckpoint, terminating,
                Claim.ofGpus(allocation));
    }

    public RunningJob {
        requireNonNull(id, "id is null");
        requireNonNull(org, "org is null");
        requireNonNull(priority, "priority is null");
        allocation = List.copyOf(allocation);
        requireNonNull(startedAt, "startedAt is null");
        requireNonNull(timeLimit, "timeLimit is null");
        requireNonNull(lastCheckpoint, "lastCheckpoint is null");
        requireNonNull(claim, "claim is null");
        if (!claim.gpus().equals(allocation)) {
            throw new IllegalArgumentException("the claim's GPUs must be the job's allocation");
        }
    }

    public long gpuMillis() {
        long millis = 0;
        for (int i = 0; i < allocation.size(); i++) {
            millis += allocation.get(i).millis();
        }
        return millis;
    }

    /** When the job must have ended at the latest: what backfill and estimates rely on. */
    public Instant latestEnd() {
        return startedAt.plus(timeLimit);
    }

    /** Work that preempting now would lose: time since the last checkpoint, or since the start. */
    public Duration workAtRisk(Instant now) {
        Instant since = checkpointing ? lastCheckpoint.filter(at -> at.isAfter(startedAt)).orElse(startedAt) : startedAt;
        return Duration.between(since, now);
    }
}
