package dev.incubator.tenancy.port;

import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.tenancy.Ids.UserId;
import dev.incubator.tenancy.User;
import java.util.Optional;

public interface UserRepository {
    /** Inserts a new user; fails with {@code ALREADY_EXISTS} when the name is taken. */
    void insert(User user);

    Optional<User> findById(UserId id);

    Optional<User> findByName(String name);

    Page<User> list(PageRequest page);

    long count();

    /** Marks the user disabled from {@code at}; false when it already was. */
    boolean disable(UserId id, java.time.Instant at);
}
