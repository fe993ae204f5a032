package dev.incubator.compute.scheduler;

import static java.util.Objects.requireNonNull;

/**
 * An organisation as the scheduler sees it.
 *
 * @param guaranteedGpus GPUs guaranteed by its active grants (0 when it has none)
 * @param weight         fair-share weight (1.0 by default)
 * @param decayedUsage   past GPU usage in GPU-seconds, decayed with the configured half-life
 * @param grantActive    false when the grant is exhausted, expired or missing: its jobs then run only as
 *                       preemptible work on otherwise idle GPUs
 */
public record OrgShare(String org, int guaranteedGpus, double weight, double decayedUsage, boolean grantActive) {
    public OrgShare {
        requireNonNull(org, "org is null");
        if (guaranteedGpus < 0 || weight <= 0 || decayedUsage < 0) {
            throw new IllegalArgumentException("guarantee and usage must not be negative, weight must be positive");
        }
    }

    public static OrgShare withoutGrant(String org) {
        return new OrgShare(org, 0, 1.0, 0, false);
    }

    /** The guarantee the scheduler honours: none without an active grant. */
    public long guaranteedMillis() {
        return grantActive ? (long) guaranteedGpus * GpuShare.WHOLE : 0;
    }
}
