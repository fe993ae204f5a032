package dev.incubator.store;

import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.tenancy.Ids.UserId;
import dev.incubator.common.access.Roles;
import dev.incubator.common.access.Roles.PlatformRole;
import dev.incubator.tenancy.User;
import dev.incubator.tenancy.port.UserRepository;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

final class JdbiUsers implements UserRepository {
    private static final String COLUMNS = "id, name, display_name, email, platform_roles, created_at, version,"
            + " disabled_at";
    private static final RowMapper<User> MAPPER = (rs, ctx) -> {
        long disabled = rs.getLong("disabled_at");
        Optional<java.time.Instant> disabledAt = rs.wasNull() ? Optional.empty()
                : Optional.of(java.time.Instant.ofEpochMilli(disabled));
        return new User(new UserId(rs.getString("id")), rs.getString("name"), rs.getString("display_name"),
                rs.getString("email"), Sets.parse(PlatformRole.class, rs.getString("platform_roles")),
                Sql.instant(rs, "created_at"), rs.getLong("version"), disabledAt);
    };

    private final Handle handle;

    JdbiUsers(Handle handle) {
        this.handle = handle;
    }

    @Override
    public void insert(User user) {
        Sql.insertUnique(() -> handle.createUpdate("""
                        INSERT INTO users (id, name, display_name, email, platform_roles, created_at, version)
                        VALUES (:id, :name, :displayName, :email, :platformRoles, :createdAt, :version)""")
                .bind("id", user.id().value())
                .bind("name", user.name())
                .bind("displayName", user.displayName())
                .bind("email", user.email())
                .bind("platformRoles", Sets.format(user.platformRoles()))
                .bind("createdAt", user.createdAt().toEpochMilli())
                .bind("version", user.version())
                .execute(), "a user named '" + user.name() + "' already exists; choose another name");
    }

    @Override
    public Optional<User> findById(UserId id) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM users WHERE id = :id").bind("id", id.value())
                .map(MAPPER).findOne();
    }

    @Override
    public Optional<User> findByName(String name) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM users WHERE name = :name").bind("name", name)
                .map(MAPPER).findOne();
    }

    @Override
    public Page<User> list(PageRequest page) {
        return Paging.page(handle, "SELECT " + COLUMNS + " FROM users WHERE 1 = 1", "id", false, page, query -> query,
                MAPPER, user -> user.id().value());
    }

    @Override
    public long count() {
        return handle.createQuery("SELECT COUNT(*) FROM users").mapTo(Long.class).one();
    }

    /** Sets of enums stored as comma-separated wire names. */
    static final class Sets {
        private Sets() {
        }

        static <E extends Enum<E>> Set<E> parse(Class<E> type, String value) {
            if (value == null || value.isEmpty()) {
                return Set.of();
            }
            return Arrays.stream(value.split(",")).map(name -> Roles.parse(type, name).orElseThrow(() ->
                    new IllegalStateException("unknown " + type.getSimpleName() + " '" + name + "' in the store")))
                    .collect(Collectors.toUnmodifiableSet());
        }

        static String format(Set<? extends Enum<?>> values) {
            return values.stream().map(Roles::wire).sorted().collect(Collectors.joining(","));
        }
    }

    @Override
    public boolean disable(UserId id, java.time.Instant at) {
        return handle.createUpdate("UPDATE users SET disabled_at = :at, version = version + 1 WHERE id = :id"
                        + " AND disabled_at IS NULL")
                .bind("at", at.toEpochMilli()).bind("id", id.value()).execute() == 1;
    }
}
