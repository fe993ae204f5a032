package dev.incubator.store;

class PostgresTenancyStoreTest extends NotificationStoreContract {
    @Override
    protected StoreConfig config() {
        return TestDatabases.freshPostgres();
    }
}
