package dev.incubator.tenancy;

import static dev.incubator.common.access.Action.GRANT_MANAGE;
import static dev.incubator.common.access.Action.GRANT_READ;
import static java.util.Objects.requireNonNull;

import dev.incubator.common.GpuHours;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.common.RequestMeta;
import dev.incubator.common.Violations;
import dev.incubator.tenancy.Ids.GrantId;
import dev.incubator.tenancy.Ids.OrgId;
import dev.incubator.tenancy.LedgerEntry.Kind;
import dev.incubator.tenancy.port.TenancyRepositories;
import dev.incubator.tenancy.port.TenancyStore;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;

/**
 * Compute grants and their append-only ledger. Every change is a ledger entry plus an audit event in one
 * transaction; balances and burn-down are always recomputed from the entries.
 */
public final class GrantService {
    public static final int MAX_GUARANTEED_GPUS = 100_000;

    private final TenancyStore store;
    private final TenancyService tenancy;
    private final Clock clock;

    public GrantService(TenancyStore store, TenancyService tenancy, Clock clock) {
        this.store = requireNonNull(store, "store is null");
        this.tenancy = requireNonNull(tenancy, "tenancy is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** An award: GPU-hours per GPU type ({@link Grant#ANY_GPU_TYPE} for any), a period and a guarantee. */
    public record NewGrant(String programme, Map<String, GpuHours> gpuHours, LocalDate startsOn, LocalDate endsOn,
                           int guaranteedGpus, Optional<String> note) {
        public NewGrant {
            gpuHours = Map.copyOf(gpuHours);
        }
    }

    /** Changes to a grant's period or guarantee; empty fields stay as they are. */
    public record GrantChange(Optional<LocalDate> endsOn, Optional<Integer> guaranteedGpus) {
    }

    public GrantStatus award(Caller caller, String orgName, NewGrant request) {
        Violations violations = new Violations();
        Names.text(violations, "programme", request.programme(), 100);
        violations.check(!request.gpuHours().isEmpty(), "gpu_hours",
                "must award hours for at least one GPU type, e.g. {\"any\": 1000}");
        request.gpuHours().forEach((type, hours) -> {
            violations.check(Names.isGpuType(type), "gpu_hours." + type, Names.GPU_TYPE_RULE);
            violations.check(hours.isPositive(), "gpu_hours." + type, "must be a positive number of GPU-hours");
        });
        violations.check(request.startsOn() != null, "starts_on", "is required, as a date such as 2026-01-31");
        violations.check(request.endsOn() != null, "ends_on", "is required, as a date such as 2026-12-31");
        if (request.startsOn() != null && request.endsOn() != null) {
            violations.check(!request.endsOn().isBefore(request.startsOn()), "ends_on", "must not be before starts_on");
        }
        checkGuarantee(violations, request.guaranteedGpus());
        request.note().ifPresent(note -> Names.text(violations, "note", note, 500));
        return store.write(repositories -> {
            Organisation organisation = tenancy.visibleOrganisation(repositories, caller, orgName, GRANT_MANAGE);
            violations.throwIfAny();
            Instant now = clock.instant();
            Grant grant = new Grant(new GrantId(dev.incubator.common.Ids.next("grt", clock)), organisation.id(),
                    request.programme(), request.startsOn(), request.endsOn(), request.guaranteedGpus(), now,
                    caller.principal().actor(), 1);
            repositories.grants().insert(grant);
            request.gpuHours().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(award ->
                    repositories.ledger().append(new LedgerEntry(0, grant.id(), organisation.id(), Kind.AWARD,
                            award.getKey(), award.getValue(), now, Optional.empty(), request.note(),
                            caller.principal().actor())));
            Audits.success(repositories.audit(), caller, now, "grant.award", "grant", grant.id().value(),
                    Optional.of(organisation.id()), Map.of("programme", grant.programme(),
                            "gpu_hours", request.gpuHours().toString(), "guaranteed_gpus",
                            Integer.toString(grant.guaranteedGpus()), "period", grant.startsOn() + ".." + grant.endsOn()));
            return status(repositories, grant, now);
        });
    }

    public GrantStatus get(Caller caller, String orgName, String grantId) {
        return store.read(repositories -> status(repositories, visibleGrant(repositories, caller, orgName, grantId,
                GRANT_READ), clock.instant()));
    }

    public Page<GrantStatus> list(Caller caller, String orgName, PageRequest page) {
        return store.read(repositories -> {
            Organisation organisation = tenancy.visibleOrganisation(repositories, caller, orgName, GRANT_READ);
            Instant now = clock.instant();
            return repositories.grants().listByOrg(organisation.id(), page).map(grant -> status(repositories, grant, now));
        });
    }

    public Page<LedgerEntry> ledger(Caller caller, String orgName, String grantId, PageRequest page) {
        return store.read(repositories -> repositories.ledger().list(
                visibleGrant(repositories, caller, orgName, grantId, GRANT_READ).id(), page));
    }

    /** An operator's correction: a signed number of GPU-hours on one GPU type, with a mandatory note. */
    public GrantStatus adjust(Caller caller, String orgName, String grantId, String gpuType, GpuHours amount, String note) {
        Violations violations = new Violations();
        violations.check(Names.isGpuType(gpuType), "gpu_type", Names.GPU_TYPE_RULE);
        violations.check(amount.milli() != 0, "gpu_hours", "must not be zero; use a negative number to take hours away");
        Names.text(violations, "note", note, 500);
        return store.write(repositories -> {
            Grant grant = visibleGrant(repositories, caller, orgName, grantId, GRANT_MANAGE);
            violations.throwIfAny();
            Instant now = clock.instant();
            LedgerTotals before = totals(repositories, grant, now);
            LedgerEntry entry = repositories.ledger().append(new LedgerEntry(0, grant.id(), grant.orgId(),
                    Kind.ADJUSTMENT, gpuType, amount, now, Optional.empty(), Optional.of(note), caller.principal().actor()));
            Audits.success(repositories.audit(), caller, now, "grant.adjust", "grant", grant.id().value(),
                    Optional.of(grant.orgId()), Map.of("gpu_type", gpuType, "gpu_hours", amount.toString(), "note", note));
            return afterChange(repositories, grant, before.plus(entry), caller.principal().actor(), caller.request(), now);
        });
    }

    /**
     * Debits GPU-hours used on {@code gpuType}: from that type's award when the grant has one, otherwise from
     * its "any" award. The compute metering calls this; operators may record usage by hand (e.g. imports).
     */
    public GrantStatus recordUsage(Caller caller, String orgName, String grantId, String gpuType, GpuHours hours,
                                   Optional<String> reference) {
        Violations violations = new Violations();
        violations.check(Names.isGpuType(gpuType) && !Grant.ANY_GPU_TYPE.equals(gpuType), "gpu_type",
                "must name the GPU type used, e.g. 'a100-80g'");
        violations.check(hours.isPositive(), "gpu_hours", "must be a positive number of GPU-hours used");
        reference.ifPresent(value -> Names.text(violations, "reference", value, 200));
        return store.write(repositories -> {
            Grant grant = visibleGrant(repositories, caller, orgName, grantId, GRANT_MANAGE);
            violations.throwIfAny();
            Instant now = clock.instant();
            LedgerTotals before = totals(repositories, grant, now);
            String bucket = before.hasAwardFor(gpuType) ? gpuType : Grant.ANY_GPU_TYPE;
            LedgerEntry entry = repositories.ledger().append(new LedgerEntry(0, grant.id(), grant.orgId(), Kind.USAGE,
                    bucket, hours.negate(), now, reference, Optional.of("used on " + gpuType), caller.principal().actor()));
            Audits.success(repositories.audit(), caller, now, "grant.usage", "grant", grant.id().value(),
                    Optional.of(grant.orgId()), Map.of("gpu_type", gpuType, "gpu_hours", hours.toString(),
                            "reference", reference.orElse("")));
            return afterChange(repositories, grant, before.plus(entry), caller.principal().actor(), caller.request(), now);
        });
    }

    /**
     * Debits usage measured by the platform (job metering) to the organisation's grant: the active grant with
     * hours left for that GPU type (else for any type), ending first. Returns empty when the organisation has
     * no active grant: its jobs then ran as borrowed, preemptible work and there is nothing to debit.
     */
    public Optional<GrantStatus> debitMeteredUsage(OrgId orgId, String gpuType, GpuHours hours, String reference) {
        if (!hours.isPositive()) {
            return Optional.empty();
        }
        return store.write(repositories -> {
            Instant now = clock.instant();
            LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
            Optional<GrantStatus> target = repositories.grants().listByOrg(orgId, PageRequest.all()).items().stream()
                    .filter(grant -> grant.isActiveOn(today))
                    .map(grant -> status(repositories, grant, now))
                    .filter(status -> status.balance().isPositive())
                    .min(java.util.Comparator.comparing((GrantStatus status) ->
                                    !status.balanceByGpuType().containsKey(gpuType))
                            .thenComparing(status -> status.grant().endsOn()));
            if (target.isEmpty()) {
                return Optional.<GrantStatus>empty();
            }
            Grant grant = target.get().grant();
            LedgerTotals before = totals(repositories, grant, now);
            String bucket = before.hasAwardFor(gpuType) ? gpuType : Grant.ANY_GPU_TYPE;
            LedgerEntry entry = repositories.ledger().append(new LedgerEntry(0, grant.id(), grant.orgId(), Kind.USAGE,
                    bucket, hours.negate(), now, Optional.of(reference), Optional.of("metered on " + gpuType), "system"));
            Audits.success(repositories.audit(), "system", RequestMeta.SYSTEM, now, "grant.usage", "grant",
                    grant.id().value(), Optional.of(grant.orgId()), Map.of("gpu_type", gpuType, "gpu_hours",
                            hours.toString(), "reference", reference));
            return Optional.of(afterChange(repositories, grant, before.plus(entry), "system", RequestMeta.SYSTEM, now));
        });
    }

    /** What the scheduler needs of an organisation's grants: GPUs guaranteed by grants active today with hours
     *  left, and whether any such grant exists. */
    public record Entitlement(int guaranteedGpus, boolean grantActive) {
    }

    /**
     * What a member submitting work should know of the organisation's grants: those active today that are 80 % or
     * more used, and, when none has hours left, that new work runs only as borrowed, preemptible work.
     */
    public java.util.List<String> warnings(OrgId orgId) {
        return store.read(repositories -> {
            Instant now = clock.instant();
            LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
            java.util.List<String> warnings = new java.util.ArrayList<>();
            boolean hoursLeft = false;
            boolean anyActive = false;
            for (Grant grant : repositories.grants().listByOrg(orgId, PageRequest.all()).items()) {
                if (!grant.isActiveOn(today)) {
                    continue;
                }
                anyActive = true;
                GrantStatus status = status(repositories, grant, now);
                hoursLeft |= status.balance().isPositive();
                if (status.usedPercent().compareTo(java.math.BigDecimal.valueOf(80)) >= 0) {
                    warnings.add("grant " + grant.id().value() + " (" + grant.programme() + ") is "
                            + status.usedPercent().setScale(0, java.math.RoundingMode.DOWN) + " % used, "
                            + status.balance() + " GPU-hours left"
                            + status.projectedExhaustion().map(day -> ", projected to run out on " + day).orElse(""));
                }
            }
            if (!hoursLeft) {
                warnings.add((anyActive ? "every active grant of the organisation is used up"
                        : "the organisation has no active grant")
                        + ": this job runs only as borrowed, preemptible work on idle GPUs; ask an operator for a"
                        + " grant or more hours");
            }
            return java.util.List.copyOf(warnings);
        });
    }

    public Entitlement entitlement(OrgId orgId) {
        return store.read(repositories -> {
            Instant now = clock.instant();
            LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
            int guaranteed = 0;
            boolean active = false;
            for (Grant grant : repositories.grants().listByOrg(orgId, PageRequest.all()).items()) {
                if (grant.isActiveOn(today) && status(repositories, grant, now).balance().isPositive()) {
                    guaranteed += grant.guaranteedGpus();
                    active = true;
                }
            }
            return new Entitlement(guaranteed, active);
        });
    }

    /** Extends or shortens a grant, or changes its guarantee; optimistic on the grant's version. */
    public GrantStatus update(Caller caller, String orgName, String grantId, Optional<Long> expectedVersion,
                              GrantChange change) {
        Violations violations = new Violations();
        change.guaranteedGpus().ifPresent(gpus -> checkGuarantee(violations, gpus));
        return store.write(repositories -> {
            Grant current = visibleGrant(repositories, caller, orgName, grantId, GRANT_MANAGE);
            LocalDate endsOn = change.endsOn().orElse(current.endsOn());
            violations.check(!endsOn.isBefore(current.startsOn()), "ends_on", "must not be before starts_on ("
                    + current.startsOn() + ")");
            violations.throwIfAny();
            TenancyService.requireVersion(expectedVersion, current.version(), "grant '" + grantId + "'");
            Grant updated = new Grant(current.id(), current.orgId(), current.programme(), current.startsOn(), endsOn,
                    change.guaranteedGpus().orElse(current.guaranteedGpus()), current.createdAt(), current.createdBy(),
                    current.version() + 1);
            repositories.grants().update(updated);
            Instant now = clock.instant();
            Audits.success(repositories.audit(), caller, now, "grant.update", "grant", current.id().value(),
                    Optional.of(current.orgId()), Map.of("ends_on", endsOn.toString(),
                            "guaranteed_gpus", Integer.toString(updated.guaranteedGpus())));
            return status(repositories, updated, now);
        });
    }

    /**
     * Appends expiry entries that zero the remaining positive balance of every grant past its last day.
     * Idempotent: a grant with an expiry entry is not expired twice. Returns how many grants expired.
     */
    /** A grant in effect with its organisation's name, for the platform's metrics. */
    public record InEffect(String organisation, GrantStatus status) {
    }

    /** Every grant in effect today with its status; for metrics, not for callers (no access check). */
    public java.util.List<InEffect> inEffect() {
        Instant now = clock.instant();
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        return store.read(repositories -> repositories.grants().listInEffect(today).stream().map(grant ->
                new InEffect(repositories.organisations().findById(grant.orgId()).map(Organisation::name)
                        .orElse(grant.orgId().value()), status(repositories, grant, now))).toList());
    }

    public int expireDue() {
        Instant now = clock.instant();
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        return store.write(repositories -> {
            int expired = 0;
            for (Grant grant : repositories.grants().listEndedWithoutExpiry(today)) {
                GrantStatus status = status(repositories, grant, now);
                for (Map.Entry<String, GpuHours> bucket : status.balanceByGpuType().entrySet()) {
                    if (bucket.getValue().isPositive()) {
                        repositories.ledger().append(new LedgerEntry(0, grant.id(), grant.orgId(), Kind.EXPIRY,
                                bucket.getKey(), bucket.getValue().negate(), now, Optional.empty(),
                                Optional.of("grant ended on " + grant.endsOn()), "system"));
                    }
                }
                repositories.grants().markExpired(grant.id(), now);
                Audits.success(repositories.audit(), "system", RequestMeta.SYSTEM, now, "grant.expire", "grant",
                        grant.id().value(), Optional.of(grant.orgId()), Map.of("expired_gpu_hours",
                                status.balance().toString()));
                expired++;
            }
            return expired;
        });
    }

    /** Records newly crossed usage thresholds (once each, with an audit event) and returns the grant's status. */
    private GrantStatus afterChange(TenancyRepositories repositories, Grant grant, LedgerTotals totals, String actor,
                                    RequestMeta request, Instant now) {
        GrantStatus status = GrantStatus.of(grant, totals, repositories.ledger().thresholds(grant.id()), now);
        java.util.List<Integer> crossed = status.newlyCrossedThresholds();
        if (crossed.isEmpty()) {
            return status;
        }
        for (int threshold : crossed) {
            if (repositories.ledger().recordThreshold(grant.id(), threshold, now)) {
                Audits.success(repositories.audit(), actor, request, now, "grant.threshold_crossed", "grant",
                        grant.id().value(), Optional.of(grant.orgId()), Map.of("percent", Integer.toString(threshold),
                                "used_percent", status.usedPercent().toPlainString()));
            }
        }
        return GrantStatus.of(grant, totals, repositories.ledger().thresholds(grant.id()), now);
    }

    private static GrantStatus status(TenancyRepositories repositories, Grant grant, Instant now) {
        return GrantStatus.of(grant, totals(repositories, grant, now), repositories.ledger().thresholds(grant.id()), now);
    }

    private static LedgerTotals totals(TenancyRepositories repositories, Grant grant, Instant now) {
        return repositories.ledger().totals(grant.id(), now.minus(GrantStatus.BURN_WINDOW), now);
    }

    private Grant visibleGrant(TenancyRepositories repositories, Caller caller, String orgName, String grantId,
                               dev.incubator.common.access.Action action) {
        Organisation organisation = tenancy.visibleOrganisation(repositories, caller, orgName, action);
        return repositories.grants().findById(new GrantId(grantId))
                .filter(grant -> grant.orgId().equals(organisation.id()))
                .orElseThrow(() -> IncubatorException.notFound("grant", grantId));
    }

    private static void checkGuarantee(Violations violations, int guaranteedGpus) {
        violations.check(guaranteedGpus >= 0 && guaranteedGpus <= MAX_GUARANTEED_GPUS, "guaranteed_gpus",
                "must be between 0 and " + MAX_GUARANTEED_GPUS);
    }
}
