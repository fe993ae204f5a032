package dev.incubator.compute;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/** One metered slice of a job: GPU time on a GPU type and its energy, at the end of the slice. */
public record UsageRecord(String jobId, String orgId, String jobName, Instant at, String gpuType, long gpuMilliseconds,
                          double wattHours, boolean estimated) {
    public UsageRecord {
        requireNonNull(jobId, "jobId is null");
        requireNonNull(orgId, "orgId is null");
        requireNonNull(jobName, "jobName is null");
        requireNonNull(at, "at is null");
        requireNonNull(gpuType, "gpuType is null");
    }
}
