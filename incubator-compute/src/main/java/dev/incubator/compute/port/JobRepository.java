package dev.incubator.compute.port;

import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.compute.Job;
import dev.incubator.compute.JobState;
import java.util.List;
import java.util.Optional;

public interface JobRepository {
    void insert(Job job);

    Optional<Job> find(String id);

    /** Stores {@code updated} if the stored version is {@code updated.version() - 1}; MUST change one row. */
    void update(Job updated);

    /** An organisation's jobs, newest first by id order reversed is not guaranteed: ordered by id. */
    /** An organisation's jobs that match {@code query}, newest first. */
    Page<Job> listByOrg(String orgId, dev.incubator.compute.JobQuery query, PageRequest page);

    /** Jobs that are not final: pending, admitted, running, preempted. */
    List<Job> listActive();

    /** The most recently finished jobs that ran (they have a start), newest first: history for predictions. */
    List<Job> listRecentlyFinished(int limit);

    /** The next queue position number; strictly increasing. */
    long nextSubmitOrder();
}
