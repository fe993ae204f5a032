package dev.incubator.store;

class PostgresTenancyStoreTest extends ServingStoreContract {
    @Override
    protected StoreConfig config() {
        return TestDatabases.freshPostgres();
    }
}
