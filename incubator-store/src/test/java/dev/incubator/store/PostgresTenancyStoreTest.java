package dev.incubator.store;

class PostgresTenancyStoreTest extends ReviewStoreContract {
    @Override
    protected StoreConfig config() {
        return TestDatabases.freshPostgres();
    }
}
