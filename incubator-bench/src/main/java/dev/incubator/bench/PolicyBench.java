package dev.incubator.bench;

import dev.incubator.common.RequestMeta;
import dev.incubator.common.access.Action;
import dev.incubator.common.access.Decision;
import dev.incubator.common.access.Resource;
import dev.incubator.common.access.Roles.OrgRole;
import dev.incubator.common.access.Roles.Scope;
import dev.incubator.common.access.Subject;
import dev.incubator.common.audit.AuditEvent;
import dev.incubator.governance.access.Agreement;
import dev.incubator.governance.access.AgreementService;
import dev.incubator.governance.access.Purpose;
import dev.incubator.governance.policy.AccessDecisions;
import dev.incubator.governance.policy.PolicyEngine;
import dev.incubator.store.Database;
import dev.incubator.store.JdbiAgreements;
import dev.incubator.store.JdbiTenancyStore;
import dev.incubator.store.StoreConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * The access-policy engine: pure decisions per second for an organisation action, a repository read and a gated
 * read under an agreement, against the least work any role check does (a role looked up in a map and compared);
 * then a gated read as the platform makes it (agreement looked up in SQLite, the read audited durably) against the
 * durable audit append alone, its physical floor.
 *
 * <pre>
 * ./bench PolicyBench [--decisions 2000000] [--reads 5000] [--rounds 5]
 * </pre>
 */
public final class PolicyBench {
    private static final RequestMeta META = new RequestMeta("req_bench", "127.0.0.1");

    public static void main(String[] args) throws Exception {
        BenchOptions options = BenchOptions.parse("PolicyBench", args, BenchOptions.defaults("--decisions", "2000000", "--reads",
                "5000", "--rounds", "5"));
        int decisions = options.integer("--decisions");
        int reads = options.integer("--reads");
        int rounds = options.integer("--rounds");
        pure(decisions, rounds);
        Path dir = Files.createTempDirectory("policy-bench");
        try (Database database = Database.open(StoreConfig.sqlite(dir.resolve("incubator.db")))) {
            platform(database, reads, rounds);
        }
    }

    private static void pure(int decisions, int rounds) {
        PolicyEngine engine = new PolicyEngine();
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        List<Subject> members = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            Map<String, OrgRole> roles = new HashMap<>();
            for (int org = 0; org < 8; org++) {
                roles.put("org_" + (i + org) % 32, OrgRole.values()[(i + org) % OrgRole.values().length]);
            }
            members.add(Subject.user("user_" + i, "user:u" + i, Set.of(), roles, EnumSet.allOf(Scope.class), META));
        }
        Resource lab = Resource.organisation("org_3", "lab");
        Resource.Repository corpus = new Resource.Repository("repo_1", "datasets/lab/corpus",
                Resource.OwnerKind.ORGANISATION, "org_3", Resource.Exposure.ORGANISATION, "user_1");
        Resource.Repository gated = new Resource.Repository("repo_2", "datasets/hospital/notes",
                Resource.OwnerKind.ORGANISATION, "org_hospital", Resource.Exposure.GATED, "user_1");
        Optional<Agreement> agreement = Optional.of(new Agreement("dua_1", "repo_2", "datasets/hospital/notes",
                "user_1", "ada", Purpose.GENERAL_RESEARCH, "a cohort study of sleep and memory",
                Agreement.State.APPROVED, Set.of(Purpose.GENERAL_RESEARCH), Optional.of(today.plusDays(30)),
                Agreement.Mode.DOWNLOAD, true, Optional.empty(), Optional.of("user:steward"), Optional.of(Instant.now()),
                Optional.empty(), Instant.now(), 2));
        PolicyEngine.Context plain = PolicyEngine.Context.of(today);
        PolicyEngine.Context withAgreement = PolicyEngine.Context.of(today, agreement);

        Map<String, IntPredicate> cases = new java.util.LinkedHashMap<>();
        cases.put("baseline: role looked up in a map and compared", i -> members.get(i & 63).roleIn("org_3")
                .map(role -> role.atLeast(OrgRole.MEMBER)).orElse(false));
        cases.put("engine: submit a job (role table)", i -> engine.decide(members.get(i & 63), Action.JOB_SUBMIT, lab,
                plain).allowed());
        cases.put("engine: read an organisation's repository", i -> engine.decide(members.get(i & 63),
                Action.REPO_READ, corpus, plain).allowed());
        cases.put("engine: read gated data under an agreement", i -> engine.decide(members.get(i & 63),
                Action.REPO_READ, gated, withAgreement).allowed());
        double baseline = 0;
        for (Map.Entry<String, IntPredicate> entry : cases.entrySet()) {
            double rate = median(rounds, () -> {
                int allowed = 0;
                long started = System.nanoTime();
                for (int i = 0; i < decisions; i++) {
                    if (entry.getValue().test(i)) {
                        allowed++;
                    }
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                if (allowed < 0) {
                    throw new IllegalStateException();
                }
                return decisions / seconds;
            });
            if (baseline == 0) {
                baseline = rate;
            }
            System.out.printf(Locale.ROOT, "%-50s %,14.0f decisions/s  (%.2f× the baseline's time)%n",
                    entry.getKey(), rate, baseline / rate);
        }
    }

    private static void platform(Database database, int reads, int rounds) {
        Clock clock = Clock.systemUTC();
        JdbiAgreements store = new JdbiAgreements(database);
        AgreementService agreements = new AgreementService(store, clock);
        AgreementService.Subject notes = new AgreementService.Subject("repo_2", "datasets/hospital/notes",
                Optional.of("org_hospital"));
        Agreement asked = agreements.request(new AgreementService.Actor("user_ada", "ada", "user:ada", META), notes,
                "general-research", "a cohort study of sleep and memory in three provinces");
        agreements.approve(new AgreementService.Actor("user_steward", "steward", "user:steward", META), notes,
                asked.id(), List.of(), LocalDate.now(ZoneOffset.UTC).plusDays(30), "download", true, Optional.empty());
        AccessDecisions access = new AccessDecisions(store, clock);
        Subject ada = Subject.user("user_ada", "user:ada", Set.of(), Map.of(), EnumSet.allOf(Scope.class), META);
        Resource.Repository gated = new Resource.Repository("repo_2", "datasets/hospital/notes",
                Resource.OwnerKind.ORGANISATION, "org_hospital", Resource.Exposure.GATED, "user_steward");
        JdbiTenancyStore audit = new JdbiTenancyStore(database);

        double floor = median(rounds, () -> {
            long started = System.nanoTime();
            for (int i = 0; i < reads; i++) {
                AuditEvent event = new AuditEvent(0, clock.instant(), "user:ada", "hub.read.gated", "repository",
                        "repo_2", Optional.of("org_hospital"), "req_" + i, AuditEvent.Outcome.SUCCESS, "127.0.0.1",
                        Map.of("agreement", asked.id(), "channel", "download"));
                audit.write(repositories -> repositories.audit().append(event));
            }
            return reads / ((System.nanoTime() - started) / 1e9);
        });
        double engine = median(rounds, () -> {
            long started = System.nanoTime();
            for (int i = 0; i < reads; i++) {
                Decision decision = access.decide(ada, Action.REPO_READ, gated);
                if (!decision.gatedRead()) {
                    throw new IllegalStateException("expected an audited gated read: " + decision.reason());
                }
            }
            return reads / ((System.nanoTime() - started) / 1e9);
        });
        System.out.printf(Locale.ROOT, "%-50s %,14.0f /s%n", "floor: durable audit append, one per transaction",
                floor);
        System.out.printf(Locale.ROOT, "%-50s %,14.0f /s  (%.2f× the floor's time)%n",
                "gated read decided and audited (SQLite)", engine, floor / engine);
    }

    private static double median(int rounds, java.util.function.DoubleSupplier round) {
        round.getAsDouble(); // warm-up
        double[] rates = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            rates[r] = round.getAsDouble();
        }
        java.util.Arrays.sort(rates);
        return rates[rounds / 2];
    }
}
