package dev.incubator.store;

import dev.incubator.common.audit.AuditLog;
import dev.incubator.tenancy.port.GrantRepository;
import dev.incubator.tenancy.port.IdempotencyRepository;
import dev.incubator.tenancy.port.LedgerRepository;
import dev.incubator.tenancy.port.MembershipRepository;
import dev.incubator.tenancy.port.OrganisationRepository;
import dev.incubator.tenancy.port.TenancyRepositories;
import dev.incubator.tenancy.port.TenancyStore;
import dev.incubator.tenancy.port.TokenRepository;
import dev.incubator.tenancy.port.UserRepository;
import org.jdbi.v3.core.Handle;

/** {@link TenancyStore} on a {@link Database}: SQLite or PostgreSQL, the same SQL for both. */
public final class JdbiTenancyStore extends JdbiStore<TenancyRepositories> implements TenancyStore {
    public JdbiTenancyStore(Database database) {
        super(database, Repositories::new);
    }

    private record Repositories(Handle handle) implements TenancyRepositories {
        @Override
        public OrganisationRepository organisations() {
            return new JdbiOrganisations(handle);
        }

        @Override
        public UserRepository users() {
            return new JdbiUsers(handle);
        }

        @Override
        public MembershipRepository memberships() {
            return new JdbiMemberships(handle);
        }

        @Override
        public TokenRepository tokens() {
            return new JdbiTokens(handle);
        }

        @Override
        public GrantRepository grants() {
            return new JdbiGrants(handle);
        }

        @Override
        public LedgerRepository ledger() {
            return new JdbiLedger(handle);
        }

        @Override
        public AuditLog audit() {
            return new JdbiAuditLog(handle);
        }

        @Override
        public IdempotencyRepository idempotency() {
            return new JdbiIdempotency(handle);
        }
    }
}
