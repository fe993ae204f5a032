package dev.incubator.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incubator.hub.port.StorageAccounts;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store that held content before storage was accounted: the migration charges each chunk to the owner of its
 * domain (an organisation's, a user's, or a private repository's owner) and leaves shared public chunks uncharged.
 */
class StorageMigrationTest {
    @TempDir
    Path temp;

    @Test
    void existingSqliteContentIsChargedToItsOwners() throws Exception {
        chargesExistingContent(TestDatabases.sqlite(temp), "sqlite");
    }

    @Test
    void existingPostgresContentIsChargedToItsOwners() throws Exception {
        chargesExistingContent(TestDatabases.freshPostgres(), "postgresql");
    }

    private void chargesExistingContent(StoreConfig config, String dialect) throws Exception {
        Flyway.configure().dataSource(config.url(), config.user().orElse(null), config.password().orElse(null))
                .locations("classpath:db/migration/" + dialect).target("12").load().migrate();
        try (Connection connection = DriverManager.getConnection(config.url(), config.user().orElse(null),
                config.password().orElse(null)); Statement sql = connection.createStatement()) {
            sql.executeUpdate("INSERT INTO hub_repos (id, kind, namespace, name, lookup, owner_kind, owner_id,"
                    + " visibility, domain, created_by, created_at, updated_at, card, keywords, version) VALUES"
                    + " ('repo_1', 'model', 'lab', 'secret', 'model/lab/secret', 'organisation', 'org_lab', 'private',"
                    + " 'repo-repo_1', 'u', 0, 0, NULL, '', 1)");
            String chunk = "INSERT INTO hub_chunks (domain, hash, pack, offset_bytes, length, raw_length, last_wanted)"
                    + " VALUES ";
            sql.executeUpdate(chunk + "('org-org_lab', 'a', 'p1', 0, 50, 100, 0)");
            sql.executeUpdate(chunk + "('org-org_lab', 'b', 'p1', 50, 50, 200, 0)");
            sql.executeUpdate(chunk + "('repo-repo_1', 'a', 'p2', 0, 50, 100, 0)");
            sql.executeUpdate(chunk + "('user-u_ann', 'c', 'p3', 0, 10, 40, 0)");
            sql.executeUpdate(chunk + "('public', 'd', 'p4', 0, 10, 1000, 0)");
        }
        try (Database database = Database.open(config)) {
            JdbiHubStore store = new JdbiHubStore(database);
            StorageAccounts.Account lab = store.read(repositories -> repositories.storage().find("organisation:org_lab"));
            assertThat(lab.bytes()).as("its own domain and its private repository's").isEqualTo(400);
            assertThat(lab.quotaBytes()).isEmpty();
            assertThat(store.read(repositories -> repositories.storage().find("user:u_ann")).bytes()).isEqualTo(40);
            store.write(repositories -> {
                repositories.storage().setQuota("organisation:org_lab", Optional.of(1000L));
                repositories.chunks().deleteChunks("org-org_lab", java.util.List.of("b"));
                return null;
            });
            lab = store.read(repositories -> repositories.storage().find("organisation:org_lab"));
            assertThat(lab.bytes()).isEqualTo(200);
            assertThat(lab.quotaBytes()).contains(1000L);
        }
    }
}
