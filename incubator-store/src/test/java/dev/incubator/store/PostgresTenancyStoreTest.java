package dev.incubator.store;

class PostgresTenancyStoreTest extends HubStoreContract {
    @Override
    protected StoreConfig config() {
        return TestDatabases.freshPostgres();
    }
}
