package dev.incubator.store;

class PostgresTenancyStoreTest extends MetricsStoreContract {
    @Override
    protected StoreConfig config() {
        return TestDatabases.freshPostgres();
    }
}
