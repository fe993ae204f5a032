package dev.incubator.tenancy.session;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Console sessions in the metadata store. */
public interface SessionStore {
    interface Repositories {
        void insert(Session session);

        Optional<Session> findBySecretHash(String secretHash);

        Optional<Session> find(String id);

        /** Records a use; at most once a minute matters. */
        void touch(String id, Instant at);

        /** Ends a session; false if it was already ended. */
        boolean revoke(String id, Instant at);

        /** A user's sessions, newest first, at most {@code limit}. */
        List<Session> forUser(String userId, int limit);
    }

    <T> T read(Function<Repositories, T> work);

    <T> T write(Function<Repositories, T> work);
}
