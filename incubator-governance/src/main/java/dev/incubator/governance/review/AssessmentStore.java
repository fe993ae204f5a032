package dev.incubator.governance.review;

import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Safety assessments and their per-question results, in the metadata store's transactions. */
public interface AssessmentStore {
    interface Repositories {
        void insert(Assessment assessment);

        /** Replaces the row unless it is already final; false if it was. */
        boolean update(Assessment assessment);

        Optional<Assessment> find(String id);

        /** An application's assessments, newest first. */
        Page<Assessment> forApplication(String applicationId, PageRequest page);

        /** The newest assessment of a deployment that succeeded, per application. */
        Optional<Assessment> latestSucceeded(String applicationId, String deployment);

        List<Assessment> unfinished();

        void putResults(String id, List<String> lines);

        Page<String> results(String id, PageRequest page);
    }

    <T> T read(Function<Repositories, T> work);

    <T> T write(Function<Repositories, T> work);
}
