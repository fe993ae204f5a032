package dev.incubator.store;

class SqliteTenancyStoreTest extends EvalStoreContract {
    @Override
    protected StoreConfig config() {
        return TestDatabases.sqlite(temp);
    }
}
