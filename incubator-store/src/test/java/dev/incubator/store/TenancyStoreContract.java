package dev.incubator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.GpuHours;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.common.RequestMeta;
import dev.incubator.common.audit.AuditEvent;
import dev.incubator.common.audit.AuditEvent.Outcome;
import dev.incubator.governance.policy.AccessDecisions;
import dev.incubator.tenancy.Authenticator;
import dev.incubator.tenancy.Caller;
import dev.incubator.tenancy.GrantService;
import dev.incubator.tenancy.GrantService.NewGrant;
import dev.incubator.tenancy.GrantStatus;
import dev.incubator.tenancy.Ids.OrgId;
import dev.incubator.tenancy.LedgerEntry;
import dev.incubator.tenancy.LedgerTotals;
import dev.incubator.tenancy.Organisation;
import dev.incubator.common.access.Roles.OrgKind;
import dev.incubator.tenancy.TenancyService;
import dev.incubator.tenancy.TenancyService.NewOrganisation;
import dev.incubator.tenancy.port.IdempotencyRepository.StoredResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance suite every metadata store passes: same scenarios, same outcomes, on SQLite and PostgreSQL.
 */
public abstract class TenancyStoreContract {
    @TempDir
    protected Path temp;

    protected Database database;
    protected JdbiTenancyStore store;
    protected TenancyService tenancy;
    protected GrantService grants;
    protected Caller operator;
    private final Clock clock = Clock.fixed(Instant.parse("2026-03-10T12:00:00Z"), ZoneOffset.UTC);

    protected abstract StoreConfig config();

    @BeforeEach
    void open() {
        database = Database.open(config());
        store = new JdbiTenancyStore(database);
        tenancy = new TenancyService(store, new AccessDecisions(new JdbiAgreements(database), clock), clock);
        grants = new GrantService(store, tenancy, clock);
        String secret = tenancy.bootstrap().orElseThrow();
        operator = new Caller(new Authenticator(store, clock).authenticate(secret), new RequestMeta("req-1", "127.0.0.1"));
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void bootstrapHappensOnceOnly() {
        assertThat(tenancy.bootstrap()).isEmpty();
        assertThat(operator.principal().user().name()).isEqualTo(TenancyService.BOOTSTRAP_USER);
    }

    @Test
    void organisationNamesAreUnique() {
        createOrg("deep-lab");
        assertThatThrownBy(() -> createOrg("deep-lab"))
                .isInstanceOfSatisfying(IncubatorException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS));
    }

    @Test
    void optimisticUpdateTouchesExactlyOneRowOrFails() {
        Organisation org = createOrg("deep-lab");
        Organisation renamed = new Organisation(org.id(), org.name(), "Renamed", org.kind(), Optional.of(240),
                org.createdAt(), 2);
        store.write(r -> {
            r.organisations().update(renamed);
            return null;
        });
        Organisation stored = store.read(r -> r.organisations().findById(org.id())).orElseThrow();
        assertThat(stored.version()).isEqualTo(2);
        assertThat(stored.defaultJobTimeLimitMinutes()).contains(240);
        // A second writer that read version 1 must not overwrite version 2.
        assertThatThrownBy(() -> store.write(r -> {
            r.organisations().update(renamed);
            return null;
        })).isInstanceOfSatisfying(IncubatorException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.VERSION_MISMATCH));
    }

    @Test
    void keysetPaginationVisitsEveryItemOnceInOrder() {
        int before = tenancy.listOrganisations(operator, PageRequest.all()).items().size();
        for (int i = 0; i < 7; i++) {
            createOrg("org-" + i);
        }
        List<String> seen = new ArrayList<>();
        Optional<String> cursor = Optional.empty();
        int pages = 0;
        do {
            Page<Organisation> page = tenancy.listOrganisations(operator,
                    PageRequest.parse("3", cursor.orElse(null)));
            page.items().forEach(org -> seen.add(org.name()));
            cursor = page.nextCursor();
            pages++;
        } while (cursor.isPresent());
        assertThat(pages).isEqualTo((before + 7 + 2) / 3);
        assertThat(seen).hasSize(before + 7).doesNotHaveDuplicates().contains("operators", "org-0", "org-6");
    }

    @Test
    void ledgerAndAuditRefuseUpdateAndDelete() {
        Organisation org = createOrg("deep-lab");
        awardAnyHours(org, "100");
        for (String sql : List.of("UPDATE ledger_entries SET milli_gpu_hours = 1", "DELETE FROM ledger_entries",
                "UPDATE audit_events SET actor = 'forged'", "DELETE FROM audit_events")) {
            assertThatThrownBy(() -> database.jdbi().useHandle(handle -> handle.execute(sql)))
                    .as(sql).hasMessageContaining("append-only");
        }
    }

    @Test
    void aFailedTransactionLeavesNeitherChangeNorAuditEvent() {
        long eventsBefore = auditCount();
        assertThatThrownBy(() -> store.write(r -> {
            r.organisations().insert(new Organisation(new OrgId("org_x"), "ghost", "Ghost", OrgKind.LAB,
                    Optional.empty(), clock.instant(), 1));
            r.audit().append(new AuditEvent(0, clock.instant(), "test", "organisation.create", "organisation", "org_x",
                    Optional.empty(), "r", Outcome.SUCCESS, "local", Map.of()));
            throw new IllegalStateException("crash before commit");
        })).hasMessage("crash before commit");
        Optional<Organisation> ghost = store.read(r -> r.organisations().findByName("ghost"));
        assertThat(ghost).isEmpty();
        assertThat(auditCount()).isEqualTo(eventsBefore);
    }

    @Test
    void auditEventsListNewestFirstByActorActionAndTime() {
        java.time.Instant base = clock.instant();
        store.write(r -> {
            for (int i = 0; i < 4; i++) {
                r.audit().append(new AuditEvent(0, base.plusSeconds(i), i % 2 == 0 ? "user:ada" : "user:bob",
                        i < 2 ? "job.start" : "membership.add", "t", "t" + i, Optional.of("org_q"), "r", Outcome.SUCCESS,
                        "local", Map.of()));
            }
            return null;
        });
        var newest = store.read(r -> r.audit().list(new dev.incubator.common.audit.AuditQuery(Optional.of("org_q"),
                Optional.empty(), Optional.empty(), Optional.empty(), true), dev.incubator.common.PageRequest.first(3)));
        assertThat(newest.items()).extracting(AuditEvent::targetId).containsExactly("t3", "t2", "t1");
        var rest = store.read(r -> r.audit().list(new dev.incubator.common.audit.AuditQuery(Optional.of("org_q"),
                Optional.empty(), Optional.empty(), Optional.empty(), true), dev.incubator.common.PageRequest.parse("3",
                newest.nextCursor().orElseThrow())));
        assertThat(rest.items()).extracting(AuditEvent::targetId).containsExactly("t0");
        var filtered = store.read(r -> r.audit().list(new dev.incubator.common.audit.AuditQuery(Optional.of("org_q"),
                Optional.of("user:ada"), Optional.of("job."), Optional.empty(), false),
                dev.incubator.common.PageRequest.first(10)));
        assertThat(filtered.items()).extracting(AuditEvent::targetId).containsExactly("t0");
        var since = store.read(r -> r.audit().list(new dev.incubator.common.audit.AuditQuery(Optional.of("org_q"),
                Optional.empty(), Optional.empty(), Optional.of(base.plusSeconds(2)), false),
                dev.incubator.common.PageRequest.first(10)));
        assertThat(since.items()).extracting(AuditEvent::targetId).containsExactly("t2", "t3");
    }

    @Test
    void nestedWritesJoinTheOuterTransaction() {
        assertThatThrownBy(() -> store.write(outer -> {
            createOrg("inner-org"); // the service opens its own write, which must join this one
            throw new IllegalStateException("outer fails");
        })).hasMessage("outer fails");
        Optional<Organisation> inner = store.read(r -> r.organisations().findByName("inner-org"));
        assertThat(inner).isEmpty();
    }

    @Test
    void grantBalanceIsTheSumOfLedgerEntriesAndThresholdsFireOnce() {
        Organisation org = createOrg("deep-lab");
        GrantStatus awarded = awardAnyHours(org, "100");
        String grantId = awarded.grant().id().value();
        grants.recordUsage(operator, org.name(), grantId, "a100", GpuHours.of(new java.math.BigDecimal("55.5")),
                Optional.of("job-1"));
        GrantStatus status = grants.recordUsage(operator, org.name(), grantId, "a100",
                GpuHours.of(new java.math.BigDecimal("30")), Optional.of("job-2"));
        grants.adjust(operator, org.name(), grantId, "any", GpuHours.of(new java.math.BigDecimal("-1")), "correction");
        status = grants.get(operator, org.name(), grantId);

        List<LedgerEntry> entries = store.read(r -> r.ledger().list(awarded.grant().id(), PageRequest.all()).items());
        LedgerTotals totals = store.read(r -> r.ledger().totals(awarded.grant().id(), Instant.EPOCH, clock.instant()));
        LedgerTotals reference = LedgerTotals.of(entries, Instant.EPOCH, clock.instant());
        assertThat(totals.sums()).containsExactlyInAnyOrderElementsOf(reference.sums());
        assertThat(totals.recentUsage()).isEqualTo(reference.recentUsage());
        long sum = entries.stream().mapToLong(e -> e.amount().milli()).sum();
        assertThat(status.balance().milli()).isEqualTo(sum).isEqualTo(13_500);
        assertThat(status.used()).isEqualTo(GpuHours.of(new java.math.BigDecimal("85.5")));
        assertThat(status.thresholdsCrossed()).containsExactly(50, 80);
        assertThat(auditActions()).filteredOn("grant.threshold_crossed"::equals).hasSize(2);
    }

    @Test
    void idempotencyKeysAreStoredOncePerPrincipal() {
        StoredResponse response = new StoredResponse("user:a", "key-1", "fp", 201, "{}", clock.instant());
        store.write(r -> {
            r.idempotency().save(response);
            return null;
        });
        Optional<StoredResponse> own = store.read(r -> r.idempotency().find("user:a", "key-1"));
        Optional<StoredResponse> other = store.read(r -> r.idempotency().find("user:b", "key-1"));
        assertThat(own).contains(response);
        assertThat(other).isEmpty();
        assertThatThrownBy(() -> store.write(r -> {
            r.idempotency().save(response);
            return null;
        })).isInstanceOfSatisfying(IncubatorException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.IDEMPOTENCY_KEY_IN_USE));
    }

    @Test
    void concurrentWritersNeitherFailNorLoseEntries() throws Exception {
        Organisation org = createOrg("busy-lab");
        String grantId = awardAnyHours(org, "100000").grant().id().value();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int worker = 0; worker < 4; worker++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        grants.recordUsage(operator, org.name(), grantId, "h100", GpuHours.ofMilli(1000), Optional.empty());
                    }
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
        GrantStatus status = grants.get(operator, org.name(), grantId);
        assertThat(status.used()).isEqualTo(GpuHours.ofMilli(100_000));
        assertThat(status.balance()).isEqualTo(GpuHours.ofMilli(100_000_000 - 100_000));
    }

    @Test
    void expiryZeroesTheRemainingBalanceOnce() {
        Organisation org = createOrg("old-lab");
        GrantStatus grant = grants.award(operator, org.name(), new NewGrant("2025 seed", Map.of("any",
                GpuHours.ofMilli(10_000)), LocalDate.parse("2025-01-01"), LocalDate.parse("2025-12-31"), 2,
                Optional.empty()));
        assertThat(grants.expireDue()).isEqualTo(1);
        assertThat(grants.expireDue()).isZero();
        GrantStatus status = grants.get(operator, org.name(), grant.grant().id().value());
        assertThat(status.state()).isEqualTo(GrantStatus.State.EXPIRED);
        assertThat(status.balance()).isEqualTo(GpuHours.ZERO);
        assertThat(status.expired()).isEqualTo(GpuHours.ofMilli(10_000));
    }

    protected Organisation createOrg(String name) {
        return tenancy.createOrganisation(operator, new NewOrganisation(name, "Org " + name, OrgKind.STARTUP,
                Optional.empty()));
    }

    private GrantStatus awardAnyHours(Organisation org, String hours) {
        return grants.award(operator, org.name(), new NewGrant("seed", Map.of("any",
                GpuHours.of(new java.math.BigDecimal(hours))), LocalDate.parse("2026-01-01"),
                LocalDate.parse("2026-12-31"), 4, Optional.empty()));
    }

    private long auditCount() {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM audit_events").mapTo(Long.class).one());
    }

    private List<String> auditActions() {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT action FROM audit_events ORDER BY seq")
                .mapTo(String.class).list());
    }
}
