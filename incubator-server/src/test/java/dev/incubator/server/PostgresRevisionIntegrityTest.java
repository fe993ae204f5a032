package dev.incubator.server;

import dev.incubator.store.TestDatabases;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/** The revision property on PostgreSQL (INCUBATOR_TEST_PG_URL; skipped without it outside CI). */
class PostgresRevisionIntegrityTest extends RevisionIntegrityTest {
    @Override
    protected TestServer startServer(Path directory) {
        return TestServer.start(directory, Clock.systemUTC(), Optional.of(TestDatabases.freshPostgres()));
    }
}
