package dev.incubator.store;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Where metadata lives. {@code url} is a JDBC URL: {@code jdbc:sqlite:FILE} (the embedded default) or
 * {@code jdbc:postgresql://HOST:PORT/DB}.
 *
 * @param sqliteSynchronous SQLite's {@code synchronous} pragma: FULL (default) makes each commit durable
 *                          against power loss, NORMAL only against a process crash.
 */
public record StoreConfig(String url, Optional<String> user, Optional<String> password, int poolSize,
                          String sqliteSynchronous, int busyTimeoutMillis) {
    public StoreConfig {
        requireNonNull(url, "url is null");
        requireNonNull(user, "user is null");
        requireNonNull(password, "password is null");
        requireNonNull(sqliteSynchronous, "sqliteSynchronous is null");
    }

    public static StoreConfig sqlite(Path file) {
        return new StoreConfig("jdbc:sqlite:" + file, Optional.empty(), Optional.empty(), 8, "FULL", 10_000);
    }

    public static StoreConfig postgres(String url, String user, String password) {
        return new StoreConfig(url, Optional.of(user), Optional.of(password), 8, "FULL", 10_000);
    }

    public Dialect dialect() {
        return Dialect.of(url);
    }

    public enum Dialect {
        SQLITE, POSTGRESQL;

        public static Dialect of(String url) {
            if (url.startsWith("jdbc:sqlite:")) {
                return SQLITE;
            }
            if (url.startsWith("jdbc:postgresql:")) {
                return POSTGRESQL;
            }
            throw new IllegalArgumentException("store.url must start with jdbc:sqlite: or jdbc:postgresql:, not '"
                    + url + "'");
        }
    }
}
