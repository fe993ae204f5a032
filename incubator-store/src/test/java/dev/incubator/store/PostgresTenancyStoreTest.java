package dev.incubator.store;

class PostgresTenancyStoreTest extends EvalStoreContract {
    @Override
    protected StoreConfig config() {
        return TestDatabases.freshPostgres();
    }
}
