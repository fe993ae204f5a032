package dev.incubator.store;

import static java.util.Objects.requireNonNull;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.incubator.store.StoreConfig.Dialect;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/** A pooled, migrated database: the JDBC side of every store adapter. */
public final class Database implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    private final Dialect dialect;
    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final Transactions transactions;

    private Database(Dialect dialect, HikariDataSource dataSource) {
        this.dialect = dialect;
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource);
        this.transactions = new Transactions(jdbi, dialect == Dialect.SQLITE);
    }

    /** Opens the pool and migrates the schema to the latest version. {@code customiser} may add metrics. */
    public static Database open(StoreConfig config, Consumer<HikariConfig> customiser) {
        requireNonNull(config, "config is null");
        Dialect dialect = config.dialect();
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("incubator-store");
        hikari.setMaximumPoolSize(config.poolSize());
        hikari.setDataSource(dataSource(config));
        hikari.setConnectionTimeout(Math.max(config.busyTimeoutMillis(), 5_000));
        customiser.accept(hikari);
        HikariDataSource pool = new HikariDataSource(hikari);
        try {
            Flyway.configure()
                    .dataSource(pool)
                    .locations("classpath:db/migration/" + dialect.name().toLowerCase(java.util.Locale.ROOT))
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        LOG.info("metadata store ready: {} ({})", redact(config.url()), dialect.name().toLowerCase(java.util.Locale.ROOT));
        return new Database(dialect, pool);
    }

    public static Database open(StoreConfig config) {
        return open(config, hikari -> { });
    }

    private static DataSource dataSource(StoreConfig config) {
        if (config.dialect() == Dialect.SQLITE) {
            SQLiteConfig sqlite = new SQLiteConfig();
            sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
            sqlite.setSynchronous(SQLiteConfig.SynchronousMode.valueOf(config.sqliteSynchronous()));
            sqlite.setBusyTimeout(config.busyTimeoutMillis());
            sqlite.enforceForeignKeys(true);
            // Writers take the lock when the transaction begins, so two writers never deadlock upgrading a
            // read lock: the second waits (busy timeout) instead of failing with SQLITE_BUSY.
            sqlite.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
            SQLiteDataSource dataSource = new SQLiteDataSource(sqlite);
            dataSource.setUrl(config.url());
            return dataSource;
        }
        org.postgresql.ds.PGSimpleDataSource dataSource = new org.postgresql.ds.PGSimpleDataSource();
        dataSource.setURL(config.url());
        config.user().ifPresent(dataSource::setUser);
        config.password().ifPresent(dataSource::setPassword);
        return dataSource;
    }

    private static String redact(String url) {
        return url.replaceAll("password=[^&]*", "password=***");
    }

    public Dialect dialect() {
        return dialect;
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public Transactions transactions() {
        return transactions;
    }

    /** True when a connection can be had and answers a trivial query. */
    public boolean isHealthy() {
        try {
            return jdbi.withHandle(handle -> handle.createQuery("SELECT 1").mapTo(Integer.class).one()) == 1;
        } catch (RuntimeException e) {
            return false;
        }
    }

    public HikariDataSource dataSource() {
        return dataSource;
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
