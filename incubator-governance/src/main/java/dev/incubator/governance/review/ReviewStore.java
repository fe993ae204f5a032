package dev.incubator.governance.review;

import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.common.audit.AuditLog;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Applications and their reviews in the metadata store, with the audit log of the same transaction. */
public interface ReviewStore {
    interface Repositories {
        void insertApplication(Application application);

        /** Replaces the application if its stored version is {@code application.version() - 1}. */
        boolean updateApplication(Application application);

        Optional<Application> application(String orgId, String name);

        Optional<Application> applicationById(String id);

        Page<Application> applications(String orgId, PageRequest page);

        /** The applications a deployment (ORG/NAME) serves. */
        List<Application> servedBy(String deployment);

        /** An organisation's applications that name a dataset (datasets/ORG/NAME), oldest first. */
        List<Application> naming(String orgId, String dataset);

        void insertReview(Review review);

        /** Replaces the review if its stored version is {@code review.version() - 1}. */
        boolean updateReview(Review review);

        Optional<Review> review(String id);

        /** An application's reviews, newest first. */
        List<Review> reviews(String applicationId);

        /** Reviews in a state (every state when empty), oldest first: the committee's queue. */
        Page<Review> queue(Optional<Review.State> state, PageRequest page);

        AuditLog audit();
    }

    <T> T write(Function<Repositories, T> work);

    <T> T read(Function<Repositories, T> work);
}
