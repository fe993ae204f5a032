package dev.incubator.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.incubator.common.IncubatorException;
import dev.incubator.store.StoreConfig.Dialect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigTest {
    @TempDir
    Path temp;

    @Test
    void defaultsArePinned() {
        ServerConfig config = ServerConfig.load(Optional.empty(), Map.of(), Map.of());
        assertThat(config.dataDir()).isEqualTo(Path.of(System.getProperty("user.home"), ".incubator"));
        assertThat(config.host()).isEqualTo("127.0.0.1");
        assertThat(config.port()).isEqualTo(8420);
        assertThat(config.limits()).isEqualTo(new ServerConfig.Limits(1_048_576, 32L << 20, 64L << 20, 120_000,
                600_000));
        assertThat(config.accessLog()).isTrue();
        assertThat(config.store().url()).isEqualTo("jdbc:sqlite:" + config.dataDir().resolve("incubator.db"));
        assertThat(config.store().dialect()).isEqualTo(Dialect.SQLITE);
        assertThat(config.store().poolSize()).isEqualTo(8);
        assertThat(config.store().busyTimeoutMillis()).isEqualTo(10_000);
        assertThat(config.store().sqliteSynchronous()).isEqualTo("FULL");
        assertThat(config.grantExpiryInterval()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.idempotencyRetention()).isEqualTo(Duration.ofHours(24));
        assertThat(config.compute()).isEqualTo(new ServerConfig.Compute(0, "FAIR_SHARE", Duration.ofSeconds(2),
                Duration.ofSeconds(60), 0.5703, Duration.ofHours(168), Optional.empty()));
        assertThat(config.compute().local()).isEqualTo(new ServerConfig.Local(0, 1024, 61000, 61999, false));
        assertThat(config.compute().jobRetention()).isEqualTo(Duration.ofDays(7));
        assertThat(config.compute().archiveLogs()).isTrue();
        assertThat(config.hub()).isEqualTo(new ServerConfig.Hub(Optional.empty(), config.dataDir().resolve("blobs"),
                Optional.empty(), config.dataDir().resolve("hub-master.key"), 64L * 1024 * 1024, Duration.ofHours(24),
                1L << 40, 50L << 30));
    }

    @Test
    void anS3BlobStoreNeedsABucketAndBothKeysOrNeither() {
        assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of(), Map.of("data-dir", temp.toString(),
                "hub.blob-store", "s3", "hub.s3.access-key", "k", "hub.s3.endpoint", "minio:9000")))
                .hasMessageContaining("hub.s3.bucket is required")
                .hasMessageContaining("hub.s3.access-key and hub.s3.secret-key go together")
                .hasMessageContaining("hub.s3.endpoint must be an http(s) URL");
        ServerConfig config = ServerConfig.load(Optional.empty(), Map.of("INCUBATOR_HUB_S3_BUCKET", "models"),
                Map.of("data-dir", temp.toString(), "hub.blob-store", "s3", "hub.s3.endpoint", "http://minio:9000",
                        "hub.s3.path-style", "true"));
        assertThat(config.hub().s3()).hasValueSatisfying(s3 -> {
            assertThat(s3.bucket()).isEqualTo("models");
            assertThat(s3.pathStyle()).isTrue();
            assertThat(s3.endpoint()).hasValue(java.net.URI.create("http://minio:9000"));
        });
        assertThat(ServerConfig.load(Optional.empty(), Map.of(), Map.of("data-dir", temp.toString(), "server.public-url",
                "https://incubator.example.org/")).publicUrl()).hasValue(java.net.URI.create(
                "https://incubator.example.org"));
        assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of(), Map.of("data-dir", temp.toString(),
                "server.public-url", "incubator:8420"))).hasMessageContaining("server.public-url must be an http(s) URL");
        assertThat(ServerConfig.load(Optional.empty(), Map.of(), Map.of("data-dir", temp.toString(),
                "server.trusted-proxies", "10.0.0.5, ::1")).trustedProxies()).containsExactly("10.0.0.5", "::1");
        assertThat(ServerConfig.load(Optional.empty(), Map.of(), Map.of("data-dir", temp.toString()))
                .trustedProxies()).as("no proxy is trusted unless named").isEmpty();
        assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of(), Map.of("data-dir", temp.toString(),
                "server.trusted-proxies", "proxy.example"))).hasMessageContaining("server.trusted-proxies");
        ServerConfig sized = ServerConfig.load(Optional.empty(), Map.of("INCUBATOR_HUB_QUOTA_ORGANISATION", "500GB"),
                Map.of("data-dir", temp.toString(), "hub.quota.user", "unlimited", "server.limits.json-commit", "8MiB"));
        assertThat(sized.hub().organisationQuotaBytes()).isEqualTo(500_000_000_000L);
        assertThat(sized.hub().userQuotaBytes()).isEqualTo(Long.MAX_VALUE);
        assertThat(sized.limits().jsonCommitBytes()).isEqualTo(8L << 20);
        assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of(), Map.of("data-dir", temp.toString(),
                "hub.quota.organisation", "lots", "server.limits.ndjson-commit", "unlimited")))
                .hasMessageContaining("hub.quota.organisation must be a size such as 64MiB or 2TB, or unlimited")
                .hasMessageContaining("server.limits.ndjson-commit must be a size");
        assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of("INCUBATOR_HUB_MASTER_KEY", "not-base64!"),
                Map.of("data-dir", temp.toString()))).hasMessageContaining("hub.master-key is not base64");
    }

    @Test
    void anInstitutionSetsItsOwnRiskTableAndCommitteeAndEveryMistakeInThemIsNamed() throws Exception {
        java.nio.file.Path rules = temp.resolve("rules.yaml");
        java.nio.file.Files.writeString(rules, """
                rules:
                  - name: clinical
                    domains: [medical, biometrics]
                    risk: high
                    reason: patient data and clinical advice
                  - name: kids
                    minors: true
                    risk: high
                    expert_re_review: true
                    reason: minors, reviewed by experts here
                """);
        ServerConfig config = ServerConfig.load(Optional.empty(), Map.of("INCUBATOR_REVIEW_COMMITTEE_QUORUM", "3"),
                Map.of("data-dir", temp.toString(), "review.rules-file", rules.toString(),
                        "review.committee.minimum-members", "5"));
        assertThat(config.review().committee()).isEqualTo(new dev.incubator.governance.review.Committee(5, 3, 12));
        var rulesTable = config.review().rules();
        var kids = rulesTable.classify(dev.incubator.governance.review.Application.Domain.OTHER,
                dev.incubator.governance.review.Application.Audience.INTERNAL, true);
        assertThat(kids.expertReReview()).isTrue();
        assertThat(kids.reasons()).containsExactly("kids: minors, reviewed by experts here");
        assertThat(rulesTable.classify(dev.incubator.governance.review.Application.Domain.NEWS_OPINION,
                dev.incubator.governance.review.Application.Audience.PUBLIC, false).high()).as("not in this table")
                .isFalse();
        assertThat(ServerConfig.defaults(temp).review().rules()).isEqualTo(dev.incubator.governance.review.RiskRules
                .DEFAULT);

        java.nio.file.Files.writeString(rules, "- name: clinical\n  domains: [medicine]\n  risk: severe\n"
                + "  colour: red\n");
        assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of(), Map.of("data-dir", temp.toString(),
                "review.rules-file", rules.toString(), "review.committee.quorum", "9")))
                .hasMessageContaining("[0]: unknown field 'colour'")
                .hasMessageContaining("[0].domains: 'medicine' is not one of [medical")
                .hasMessageContaining("[0].risk: 'severe' is not one of [low, elevated, high]")
                .hasMessageContaining("[0].reason: say why")
                .hasMessageContaining("review.committee.quorum (9) must not exceed review.committee.minimum-members");
    }

    @Test
    void everyKeyHasItsEnvironmentVariable() {
        assertThat(ServerConfig.SETTINGS).extracting(ServerConfig.Setting::key).containsExactly("data-dir",
                "server.host", "server.port", "server.max-body-bytes", "server.limits.json-commit",
                "server.limits.ndjson-commit", "server.access-log", "server.rate-limit-per-minute",
                "server.rate-limit-per-organisation-per-minute", "server.trusted-proxies",
                "server.public-url",
                "tenancy.bootstrap-token-hours", "store.url", "store.user",
                "store.password", "store.pool-size", "store.busy-timeout-ms", "store.sqlite.synchronous",
                "grants.expiry-interval-seconds", "idempotency.retention-hours", "compute.virtual-gpus",
                "compute.policy", "compute.cycle-interval-ms", "compute.metering-interval-seconds",
                "compute.grid-factor-kg-per-kwh", "compute.fair-share.half-life-hours", "compute.local.cpus",
                "compute.local.reserved-memory-mib", "compute.local.uid-range", "compute.local.single-tenant",
                "compute.job-retention-days", "compute.job-logs-after-retention", "compute.backend",
                "compute.slurm.url", "compute.slurm.api-version", "compute.slurm.user", "compute.slurm.jwt-key-file",
                "compute.slurm.token", "compute.slurm.partition", "compute.slurm.account", "compute.slurm.jobs-dir",
                "hub.blob-store", "hub.blob-dir", "hub.master-key", "hub.master-key-file", "hub.pack-size-mib",
                "hub.quota.organisation", "hub.quota.user", "hub.gc-grace-hours", "hub.s3.endpoint", "hub.s3.region", "hub.s3.bucket", "hub.s3.prefix",
                "hub.s3.path-style", "hub.s3.access-key", "hub.s3.secret-key", "hub.s3.part-size-mib",
                "review.committee.minimum-members", "review.committee.quorum", "review.committee.validity-months",
                "review.rules-file", "notify.interval-ms", "notify.webhook.url", "notify.webhook.secret", "notify.webhook.secret-file",
                "notify.webhook.max-attempts");
        assertThat(ServerConfig.SETTINGS.get(2).environmentVariable()).isEqualTo("INCUBATOR_SERVER_PORT");
        assertThat(ServerConfig.SETTINGS.get(17).environmentVariable()).isEqualTo("INCUBATOR_STORE_SQLITE_SYNCHRONOUS");
    }

    @Test
    void flagsBeatEnvironmentWhichBeatsTheFileWhichBeatsDefaults() throws Exception {
        Path file = temp.resolve("incubator.yaml");
        Files.writeString(file, """
                server:
                  port: 9000
                  host: 0.0.0.0
                store:
                  pool-size: 4
                """);
        ServerConfig config = ServerConfig.load(Optional.of(file),
                Map.of("INCUBATOR_SERVER_PORT", "9100", "INCUBATOR_STORE_URL", "jdbc:postgresql://db:5432/inc"),
                Map.of("server.port", "9200"));
        assertThat(config.port()).isEqualTo(9200);
        assertThat(config.host()).isEqualTo("0.0.0.0");
        assertThat(config.store().poolSize()).isEqualTo(4);
        assertThat(config.store().dialect()).isEqualTo(Dialect.POSTGRESQL);
    }

    @Test
    void everyProblemIsReportedAtOnce() throws Exception {
        Path file = temp.resolve("bad.yaml");
        Files.writeString(file, "server:\n  colour: blue\n");
        assertThatThrownBy(() -> ServerConfig.load(Optional.of(file),
                Map.of("INCUBATOR_SERVER_PORT", "eighty", "INCUBATOR_STORE_URL", "mysql://x"),
                Map.of("store.pool-size", "0")))
                .isInstanceOf(IncubatorException.class)
                .hasMessageContaining("unknown setting 'server.colour'")
                .hasMessageContaining("server.port must be an integer")
                .hasMessageContaining("store.pool-size must be an integer from 1")
                .hasMessageContaining("store.url must start with jdbc:sqlite: or jdbc:postgresql:");
    }

    @Test
    void theSlurmBackendNeedsItsUrlUserAndKeyAndSaysWhich() throws Exception {
        assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of(), Map.of("compute.backend", "slurm",
                "compute.slurm.url", "slurm-head:6820", "compute.slurm.jwt-key-file", "/nonexistent/jwt.key")))
                .isInstanceOf(IncubatorException.class)
                .hasMessageContaining("compute.slurm.url must be an http(s) URL")
                .hasMessageContaining("compute.slurm.user is required")
                .hasMessageContaining("/nonexistent/jwt.key does not exist");
        assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of(), Map.of("compute.backend", "kubernetes")))
                .hasMessageContaining("compute.backend must be local or slurm");
        Path key = temp.resolve("jwt.key");
        Files.write(key, new byte[32]);
        ServerConfig config = ServerConfig.load(Optional.empty(), Map.of("INCUBATOR_COMPUTE_BACKEND", "slurm",
                "INCUBATOR_COMPUTE_SLURM_URL", "http://slurm-head:6820", "INCUBATOR_COMPUTE_SLURM_USER", "incubator",
                "INCUBATOR_COMPUTE_SLURM_JWT_KEY_FILE", key.toString(), "INCUBATOR_COMPUTE_SLURM_PARTITION", "gpu"),
                Map.of());
        ServerConfig.Slurm slurm = config.compute().slurm().orElseThrow();
        assertThat(slurm.url()).hasToString("http://slurm-head:6820");
        assertThat(slurm.partition()).contains("gpu");
        assertThat(slurm.apiVersion()).isEqualTo("v0.0.38");
        assertThat(slurm.jobsDir()).isEqualTo(config.dataDir().resolve("jobs"));
    }
}
