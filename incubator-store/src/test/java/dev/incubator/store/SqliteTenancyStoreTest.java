package dev.incubator.store;

class SqliteTenancyStoreTest extends MetricsStoreContract {
    @Override
    protected StoreConfig config() {
        return TestDatabases.sqlite(temp);
    }
}
