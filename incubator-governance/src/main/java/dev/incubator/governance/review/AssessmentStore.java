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

        /** Records a reviewer's verdict on an item, replacing an earlier one on the same item. */
        void putOverride(String id, dev.incubator.eval.SafetyAssessment.Override override);

        /** The reviewers' verdicts on an assessment's items, by item id. */
        List<dev.incubator.eval.SafetyAssessment.Override> overrides(String id);

        /**
         * Replaces a succeeded assessment's report, passing and audit sequence (after overrides) if its stored report
         * is still the one with SHA-256 {@code previousSha256}; false if it changed meanwhile.
         */
        boolean amend(Assessment amended, String previousSha256);
    }

    <T> T read(Function<Repositories, T> work);

    <T> T write(Function<Repositories, T> work);
}
