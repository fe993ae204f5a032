package dev.incubator.store;

class PostgresTenancyStoreTest extends TenancyStoreContract {
    @Override
    protected StoreConfig config() {
        return TestDatabases.freshPostgres();
    }
}
