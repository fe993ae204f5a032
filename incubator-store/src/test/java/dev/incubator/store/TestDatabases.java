package dev.incubator.store;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Real databases for tests: a fresh SQLite file, or a fresh database on the PostgreSQL that
 * {@code scripts/postgres.sh} starts (or that {@code INCUBATOR_TEST_PG_URL} names). Without PostgreSQL the
 * PostgreSQL tests are skipped on a developer machine and fail under CI, where it must be there.
 */
public final class TestDatabases {
    private static Optional<String> serverUrl;

    private TestDatabases() {
    }

    public static StoreConfig sqlite(Path directory) {
        return StoreConfig.sqlite(directory.resolve("incubator.db"));
    }

    /** A new, empty PostgreSQL database. */
    public static synchronized StoreConfig freshPostgres() {
        if (serverUrl == null) {
            serverUrl = locateServer();
        }
        if (serverUrl.isEmpty()) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException("PostgreSQL is required under CI: run scripts/postgres.sh start "
                        + "or set INCUBATOR_TEST_PG_URL");
            }
            assumeTrue(false, "PostgreSQL not available: install it or set INCUBATOR_TEST_PG_URL");
        }
        String admin = serverUrl.get();
        String name = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16).toLowerCase(Locale.ROOT);
        try (Connection connection = DriverManager.getConnection(admin)) {
            connection.createStatement().execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create test database on " + admin, e);
        }
        String url = admin.replaceFirst("/[^/?]+(\\?|$)", "/" + name + "$1");
        return new StoreConfig(url, Optional.empty(), Optional.empty(), 8, "FULL", 10_000);
    }

    private static Optional<String> locateServer() {
        String configured = System.getenv("INCUBATOR_TEST_PG_URL");
        if (configured != null && !configured.isBlank()) {
            return Optional.of(configured);
        }
        Path script = projectRoot().resolve("scripts/postgres.sh");
        if (!Files.isExecutable(script)) {
            return Optional.empty();
        }
        try {
            Process process = new ProcessBuilder("bash", script.toString(), "start").redirectErrorStream(false).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                System.err.println("scripts/postgres.sh start failed: " + err);
                return Optional.empty();
            }
            return Optional.of(out.lines().reduce((first, second) -> second).orElseThrow());
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    public static Path projectRoot() {
        String root = System.getProperty("incubator.project.root");
        Path path = root != null ? Path.of(root) : Path.of("").toAbsolutePath();
        while (path != null && !Files.exists(path.resolve("mvnw"))) {
            path = path.getParent();
        }
        return path == null ? Path.of("").toAbsolutePath() : path;
    }
}
