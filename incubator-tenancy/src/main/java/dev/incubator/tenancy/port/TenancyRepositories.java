package dev.incubator.tenancy.port;

import dev.incubator.common.audit.AuditLog;

/** The repositories of one transaction. */
public interface TenancyRepositories {
    OrganisationRepository organisations();

    UserRepository users();

    MembershipRepository memberships();

    TokenRepository tokens();

    GrantRepository grants();

    LedgerRepository ledger();

    AuditLog audit();

    IdempotencyRepository idempotency();
}
