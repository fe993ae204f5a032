package dev.incubator.server;

import dev.incubator.store.TestDatabases;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/** The API scenarios with PostgreSQL as the metadata store. */
class PostgresTenancyApiTest extends TenancyApiTest {
    @Override
    protected TestServer startServer(Path directory) {
        return TestServer.start(directory, Clock.systemUTC(), Optional.of(TestDatabases.freshPostgres()));
    }
}
