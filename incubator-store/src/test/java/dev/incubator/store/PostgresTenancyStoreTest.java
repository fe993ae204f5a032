package dev.incubator.store;

class PostgresTenancyStoreTest extends ComputeStoreContract {
    @Override
    protected StoreConfig config() {
        return TestDatabases.freshPostgres();
    }
}
