package dev.incubator.compute.port;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.compute.Job;
import java.nio.file.Path;

/**
 * Materialises the hub repositories a job mounts ({@code JobSpec.mounts}) under its directory before it starts,
 * read as the job's submitter from inside the job, so the access-policy engine decides each (data-use agreements
 * included: compute-only grants allow it) every time an attempt starts. Throws with the mount and the reason when
 * one is refused; the job then fails with reason {@code MOUNT_REFUSED}.
 */
@FunctionalInterface
public interface Mounts {
    /** The directory under the job's directory that holds the mounts ({@code $INCUBATOR_MOUNTS}). */
    String DIRECTORY = "mounts";

    void prepare(Job job, Path target);

    /**
     * Checks at submit that every mount can be read by the job as it would be at start (the repository exists for
     * the submitter, the revision resolves, an agreement allows it); throws with the mount and the reason if not.
     */
    default void check(Job job) {
    }

    /** No hub on this platform: a job that mounts anything can not start. */
    Mounts NONE = new Mounts() {
        @Override
        public void prepare(Job job, Path target) {
            check(job);
        }

        @Override
        public void check(Job job) {
            throw new IncubatorException(ErrorCode.UNAVAILABLE, "this platform has no hub to mount "
                    + String.join(", ", job.spec().hubReads()) + " from");
        }
    };
}
