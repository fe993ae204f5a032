package dev.incubator.compute;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;

/**
 * Which of an organisation's jobs a listing shows, newest first: in a state, submitted by a user (their name,
 * e.g. {@code ada}), submitted at or after a time.
 */
public record JobQuery(Optional<JobState> state, Optional<String> submittedBy, Optional<Instant> since) {
    public static final JobQuery ALL = new JobQuery(Optional.empty(), Optional.empty(), Optional.empty());

    public JobQuery {
        requireNonNull(state, "state is null");
        requireNonNull(submittedBy, "submittedBy is null");
        requireNonNull(since, "since is null");
    }

    public static JobQuery inState(JobState state) {
        return new JobQuery(Optional.of(state), Optional.empty(), Optional.empty());
    }
}
