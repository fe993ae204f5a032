package dev.incubator.store;

class SqliteTenancyStoreTest extends ComputeStoreContract {
    @Override
    protected StoreConfig config() {
        return TestDatabases.sqlite(temp);
    }
}
