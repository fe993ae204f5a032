package dev.incubator.store;

class SqliteTenancyStoreTest extends NotificationStoreContract {
    @Override
    protected StoreConfig config() {
        return TestDatabases.sqlite(temp);
    }
}
