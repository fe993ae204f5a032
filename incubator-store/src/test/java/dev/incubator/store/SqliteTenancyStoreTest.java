package dev.incubator.store;

class SqliteTenancyStoreTest extends HubStoreContract {
    @Override
    protected StoreConfig config() {
        return TestDatabases.sqlite(temp);
    }
}
