package dev.incubator.store;

class SqliteTenancyStoreTest extends TenancyStoreContract {
    @Override
    protected StoreConfig config() {
        return TestDatabases.sqlite(temp);
    }
}
