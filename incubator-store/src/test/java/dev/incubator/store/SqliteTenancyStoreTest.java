package dev.incubator.store;

class SqliteTenancyStoreTest extends ReviewStoreContract {
    @Override
    protected StoreConfig config() {
        return TestDatabases.sqlite(temp);
    }
}
