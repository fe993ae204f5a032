package dev.incubator.compute;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;

/**
 * Which of an organisation's jobs a listing shows, newest first: in a state, submitted by a user (their name,
 * e.g. {@code ada}), submitted at or after a time, with a name (exactly, as {@code squeue --name}).
 */
public record JobQuery(Optional<JobState> state, Optional<String> submittedBy, Optional<Instant> since,
                       Optional<String> name) {
    public static final JobQuery ALL = new JobQuery(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty());

    public JobQuery(Optional<JobState> state, Optional<String> submittedBy, Optional<Instant> since) {
        this(state, submittedBy, since, Optional.empty());
    }

    public JobQuery {
        requireNonNull(state, "state is null");
        requireNonNull(submittedBy, "submittedBy is null");
        requireNonNull(since, "since is null");
        requireNonNull(name, "name is null");
    }

    public static JobQuery inState(JobState state) {
        return new JobQuery(Optional.of(state), Optional.empty(), Optional.empty(), Optional.empty());
    }
}
