package dev.incubator.server;

import dev.incubator.store.StoreConfig;
import dev.incubator.store.TestDatabases;
import java.util.Optional;

/** The compute scenarios with PostgreSQL as the metadata store. */
class PostgresComputeApiTest extends ComputeApiTest {
    @Override
    protected Optional<StoreConfig> store() {
        return Optional.of(TestDatabases.freshPostgres());
    }
}
