package dev.incubator.store;

class SqliteTenancyStoreTest extends ServingStoreContract {
    @Override
    protected StoreConfig config() {
        return TestDatabases.sqlite(temp);
    }
}
