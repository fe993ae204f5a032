package dev.incubator.server.config;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.store.StoreConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Every setting of {@code incubator serve}, with its key, default and environment variable. Sources, later
 * ones winning: the defaults below, the YAML file ({@code --config}), {@code INCUBATOR_*} environment
 * variables (key upper-cased, '.' and '-' as '_', e.g. {@code INCUBATOR_SERVER_PORT}), command-line flags.
 * Every problem is collected before failing, so one start-up reports all of them.
 */
public record ServerConfig(
        Path dataDir,
        String host,
        int port,
        Limits limits,
        boolean accessLog,
        StoreConfig store,
        Duration grantExpiryInterval,
        Duration idempotencyRetention,
        Compute compute,
        Hub hub,
        Optional<java.net.URI> publicUrl,
        List<String> trustedProxies,
        Optional<Duration> bootstrapTokenLifetime,
        Notify notifications,
        Review review) {

    /** Ethical review: the rule table that classifies applications' risk, and the committee's rules. */
    public record Review(dev.incubator.governance.review.RiskRules rules,
                         dev.incubator.governance.review.Committee committee) {
    }

    /**
     * Notifications: how often audited events are routed into inboxes and due webhook deliveries tried; the
     * operator's webhook (absent: none), its signing secret and how many attempts a delivery gets.
     */
    public record Notify(Duration interval, Optional<java.net.URI> webhookUrl, Optional<String> webhookSecret,
                         Path webhookSecretFile, int webhookMaxAttempts) {
        public Notify withWebhook(java.net.URI url, String secret, int maxAttempts) {
            return new Notify(interval, Optional.of(url), Optional.of(secret), webhookSecretFile, maxAttempts);
        }

        public Notify withInterval(Duration newInterval) {
            return new Notify(newInterval, webhookUrl, webhookSecret, webhookSecretFile, webhookMaxAttempts);
        }
    }

    /**
     * What one request and one caller may send: the largest ordinary JSON body, native JSON commit and Hugging Face
     * NDJSON commit (each refused with 413 before it is read), and requests per minute per token and per
     * organisation (0: no limit).
     */
    public record Limits(int maxBodyBytes, long jsonCommitBytes, long ndjsonCommitBytes, int perTokenPerMinute,
                         int perOrganisationPerMinute) {
        public Limits withRates(int perToken, int perOrganisation) {
            return new Limits(maxBodyBytes, jsonCommitBytes, ndjsonCommitBytes, perToken, perOrganisation);
        }
    }

    /**
     * Settings of the hub: where packs go, the master key, pack size, the garbage collector's grace and the default
     * storage quotas of organisations and users ({@link Long#MAX_VALUE}: none).
     */
    public record Hub(Optional<S3> s3, Path blobDir, Optional<String> masterKey, Path masterKeyFile, long packBytes,
                      Duration gcGrace, long organisationQuotaBytes, long userQuotaBytes) {
        public Hub withQuotas(long organisation, long user) {
            return new Hub(s3, blobDir, masterKey, masterKeyFile, packBytes, gcGrace, organisation, user);
        }
    }

    /** An S3-compatible blob store, present when hub.blob-store is s3. */
    public record S3(Optional<java.net.URI> endpoint, String region, String bucket, String prefix, boolean pathStyle,
                     Optional<String> accessKey, Optional<String> secretKey, long partBytes) {
    }

    /** Settings of the compute capability. */
    public record Compute(int virtualGpus, String policy, Duration cycleInterval, Duration meteringInterval,
                          double gridFactor, Duration usageHalfLife, Optional<Slurm> slurm, Local local,
                          Duration jobRetention, boolean archiveLogs) {
        /** With the local executor's defaults and a week's retention of job directories. */
        public Compute(int virtualGpus, String policy, Duration cycleInterval, Duration meteringInterval,
                       double gridFactor, Duration usageHalfLife, Optional<Slurm> slurm) {
            this(virtualGpus, policy, cycleInterval, meteringInterval, gridFactor, usageHalfLife, slurm, Local.DEFAULTS,
                    Duration.ofDays(7), true);
        }

        public Compute withLocal(Local newLocal) {
            return new Compute(virtualGpus, policy, cycleInterval, meteringInterval, gridFactor, usageHalfLife, slurm,
                    newLocal, jobRetention, archiveLogs);
        }
    }

    /**
     * The local executor: CPUs offered to jobs (0: the machine's), memory kept back for the service and the system,
     * the uid range of the organisations' job accounts, and whether jobs may run as the service's own user.
     */
    public record Local(int cpus, long reservedMemoryMib, int firstUid, int lastUid, boolean singleTenant) {
        public static final Local DEFAULTS = new Local(0, 1024, 61000, 61999, false);
    }

    /** The Slurm back end, present when compute.backend is slurm. */
    /** {@code jwtKeyFile} or, when it is absent, {@code token} authenticates the service to slurmrestd. */
    public record Slurm(java.net.URI url, String apiVersion, String user, Path jwtKeyFile, Optional<String> partition,
                        Optional<String> account, Path jobsDir, Optional<String> token) {
        public Slurm(java.net.URI url, String apiVersion, String user, Path jwtKeyFile, Optional<String> partition,
                     Optional<String> account, Path jobsDir) {
            this(url, apiVersion, user, jwtKeyFile, partition, account, jobsDir, Optional.empty());
        }
    }

    /** One setting: key, default (null when derived or absent) and documentation. */
    public record Setting(String key, String defaultValue, String description) {
        public String environmentVariable() {
            return "INCUBATOR_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
        }
    }

    public static final List<Setting> SETTINGS = List.of(
            new Setting("data-dir", "~/.incubator", "Directory for the embedded database, keys and the bootstrap token"),
            new Setting("server.host", "127.0.0.1", "Address to listen on; 0.0.0.0 to accept remote clients"),
            new Setting("server.port", "8420", "HTTP port"),
            new Setting("server.max-body-bytes", "1048576", "Largest accepted JSON request body (other than commits)"),
            new Setting("server.limits.json-commit", "32MiB", "Largest native JSON commit request (about 400,000"
                    + " chunk references); larger pushes are split by the CLI"),
            new Setting("server.limits.ndjson-commit", "64MiB", "Largest Hugging Face NDJSON commit request (inline"
                    + " files included; large files go through LFS or Xet uploads)"),
            new Setting("server.access-log", "true", "Log one line per request"),
            new Setting("server.rate-limit-per-minute", "120000", "Requests one token (or, without one, one client"
                    + " address) may make per minute; more get 429 with Retry-After; 0 for no limit"),
            new Setting("server.rate-limit-per-organisation-per-minute", "600000", "Requests the members and jobs of"
                    + " one organisation may make together per minute (a member's request counts for each of their"
                    + " organisations); 0 for no limit"),
            new Setting("server.trusted-proxies", "", "Comma-separated addresses of reverse proxies whose"
                    + " X-Forwarded-Host and X-Forwarded-Proto are believed (in links such as upload URLs); others are"
                    + " ignored"),
            new Setting("server.public-url", null, "How jobs and other machines reach this server, e.g."
                    + " https://incubator.example.org (default http://<host>:<port>; set it for Slurm clusters)"),
            new Setting("tenancy.bootstrap-token-hours", "72", "Hours the operator's first token (written to"
                    + " <data-dir>/bootstrap-token) stays valid; 0 for ever; renew it with incubator token"
                    + " rotate-bootstrap"),
            new Setting("store.url", null, "JDBC URL of the metadata store; default jdbc:sqlite:<data-dir>/incubator.db,"
                    + " or jdbc:postgresql://HOST:PORT/DB"),
            new Setting("store.user", null, "Database user (PostgreSQL)"),
            new Setting("store.password", null, "Database password (PostgreSQL)"),
            new Setting("store.pool-size", "8", "Maximum database connections"),
            new Setting("store.busy-timeout-ms", "10000", "How long a writer waits for a lock before failing"),
            new Setting("store.sqlite.synchronous", "FULL", "SQLite synchronous pragma: FULL (durable on power loss)"
                    + " or NORMAL (durable on process crash only)"),
            new Setting("grants.expiry-interval-seconds", "60", "How often ended grants are expired"),
            new Setting("idempotency.retention-hours", "24", "How long responses to idempotent requests are kept"),
            new Setting("compute.virtual-gpus", "0", "Virtual GPUs to offer on a machine without GPUs (0: use nvidia-smi)"),
            new Setting("compute.policy", "FAIR_SHARE", "Scheduling policy: FAIR_SHARE, FIFO, FIFO_BACKFILL or SHORTEST_FIRST"),
            new Setting("compute.cycle-interval-ms", "2000", "How often the scheduler runs"),
            new Setting("compute.metering-interval-seconds", "60", "How often running jobs' GPU time is debited"),
            new Setting("compute.grid-factor-kg-per-kwh", "0.5703", "Grid emission factor for CO2e (default: China's"
                    + " 2022 national average)"),
            new Setting("compute.fair-share.half-life-hours", "168", "Half-life of past usage in fair share"),
            new Setting("compute.local.cpus", "0", "CPUs the local node offers to jobs (0: the machine's; more to"
                    + " oversubscribe)"),
            new Setting("compute.local.reserved-memory-mib", "1024", "Memory of this machine kept back from jobs for"
                    + " the service and the system"),
            new Setting("compute.local.uid-range", "61000-61999", "Uids of the OS accounts the service creates, one per"
                    + " organisation, to run local jobs as (when it runs as root)"),
            new Setting("compute.local.single-tenant", "false", "Let local jobs run as the service's own user when it"
                    + " can not switch accounts (not root): only where every user may read all the service can"),
            new Setting("compute.job-retention-days", "7", "Days a finished job's directory is kept before it is"
                    + " removed"),
            new Setting("compute.job-logs-after-retention", "archive", "What becomes of a removed job directory's"
                    + " logs: archive (gzip under <data-dir>/job-logs) or drop"),
            new Setting("compute.backend", "local", "Where admitted jobs run: local (processes on this machine) or"
                    + " slurm (batch jobs through slurmrestd)"),
            new Setting("compute.slurm.url", null, "slurmrestd base URL, e.g. http://slurm-head:6820 (backend slurm)"),
            new Setting("compute.slurm.api-version", "v0.0.38", "slurmrestd OpenAPI version (Slurm 22.05: v0.0.38)"),
            new Setting("compute.slurm.user", null, "Slurm user the service submits as (the JWT's user)"),
            new Setting("compute.slurm.jwt-key-file", null, "The cluster's JWT key (AuthAltParameters=jwt_key=...);"
                    + " the service signs short-lived tokens with it"),
            new Setting("compute.slurm.token", null, "Instead of the key: a token from `scontrol token` (it expires;"
                    + " the key is preferred)"),
            new Setting("compute.slurm.partition", null, "Partition for submitted jobs (default: the cluster's)"),
            new Setting("compute.slurm.account", null, "Slurm account for submitted jobs"),
            new Setting("compute.slurm.jobs-dir", null, "Job directories (logs, checkpoints), shared with the compute"
                    + " nodes (default <data-dir>/jobs)"),
            new Setting("hub.blob-store", "file", "Where hub packs are stored: file (hub.blob-dir) or s3 (hub.s3.*)"),
            new Setting("hub.blob-dir", null, "Directory of hub packs with hub.blob-store=file (default <data-dir>/blobs)"),
            new Setting("hub.master-key", null, "Master key wrapping the hub's data keys, base64 of 32 bytes; keep it in"
                    + " the environment (INCUBATOR_HUB_MASTER_KEY), not in a file beside the data"),
            new Setting("hub.master-key-file", null, "File holding the master key when hub.master-key is not set;"
                    + " created with a random key on first start (default <data-dir>/hub-master.key)"),
            new Setting("hub.pack-size-mib", "64", "Target size of a pack of chunks"),
            new Setting("hub.quota.organisation", "1TiB", "What an organisation may store in the hub, counted after"
                    + " deduplication, unless an operator set its own (incubator org quota); e.g. 500GiB, or unlimited"),
            new Setting("hub.quota.user", "50GiB", "What a user may store in their own namespace, counted after"
                    + " deduplication; or unlimited"),
            new Setting("hub.gc-grace-hours", "24", "Garbage collection spares content wanted this recently (uploads"
                    + " in flight)"),
            new Setting("hub.s3.endpoint", null, "S3 endpoint URL for S3-compatible stores (default: AWS)"),
            new Setting("hub.s3.region", "us-east-1", "S3 region"),
            new Setting("hub.s3.bucket", null, "S3 bucket (required with hub.blob-store=s3; created if absent)"),
            new Setting("hub.s3.prefix", "incubator", "Key prefix inside the bucket"),
            new Setting("hub.s3.path-style", "false", "Path-style addressing (most S3-compatible servers need true)"),
            new Setting("hub.s3.access-key", null, "S3 access key (default: the AWS default credential chain)"),
            new Setting("hub.s3.secret-key", null, "S3 secret key"),
            new Setting("hub.s3.part-size-mib", "64", "Multipart upload part size for packs"),
            new Setting("review.committee.minimum-members", "7", "Reviewers without a conflict of interest the ethics"
                    + " committee needs before it decides"),
            new Setting("review.committee.quorum", "5", "Votes (for, against or abstaining) a decision needs"),
            new Setting("review.committee.validity-months", "12", "How long an approval holds (at most 12: a"
                    + " follow-up review at least yearly)"),
            new Setting("review.rules-file", null, "A YAML file with the risk rule table (a list of rules: name,"
                    + " domains, audience, minors, risk, expert_re_review, reason); absent: the default table of"
                    + " docs/governance.md"),
            new Setting("notify.interval-ms", "2000", "How often audited events become inbox notices and due webhook"
                    + " deliveries are tried"),
            new Setting("notify.webhook.url", null, "An http(s) URL that receives every notice as a signed JSON POST"
                    + " (Standard Webhooks headers webhook-id, webhook-timestamp, webhook-signature); none by default"),
            new Setting("notify.webhook.secret", null, "The webhook's signing secret, whsec_ + base64 of 16 to 64"
                    + " bytes (default: read from notify.webhook.secret-file)"),
            new Setting("notify.webhook.secret-file", null, "File holding the signing secret; created with a random"
                    + " one on first start (default <data-dir>/webhook-secret)"),
            new Setting("notify.webhook.max-attempts", "8", "Attempts per delivery before it is given up: 10 s, 30 s,"
                    + " 90 s, ... apart (x3 each time, at most 6 h)"));

    public ServerConfig {
        requireNonNull(dataDir, "dataDir is null");
        requireNonNull(host, "host is null");
        requireNonNull(store, "store is null");
        requireNonNull(grantExpiryInterval, "grantExpiryInterval is null");
        requireNonNull(idempotencyRetention, "idempotencyRetention is null");
        requireNonNull(compute, "compute is null");
        trustedProxies = List.copyOf(trustedProxies);
    }

    /** Defaults only, with the given data directory: what tests and embedded uses start from. */
    public static ServerConfig defaults(Path dataDir) {
        return load(Optional.empty(), Map.of(), Map.of("data-dir", dataDir.toString()));
    }

    /**
     * Resolves the configuration from a YAML file (optional), the environment and explicit overrides (flags).
     */
    public static ServerConfig load(Optional<Path> configFile, Map<String, String> environment,
                                    Map<String, String> overrides) {
        List<String> problems = new ArrayList<>();
        Map<String, String> values = new LinkedHashMap<>();
        for (Setting setting : SETTINGS) {
            if (setting.defaultValue() != null) {
                values.put(setting.key(), setting.defaultValue());
            }
        }
        configFile.ifPresent(file -> readYaml(file, values, problems));
        for (Setting setting : SETTINGS) {
            String fromEnvironment = environment.get(setting.environmentVariable());
            if (fromEnvironment != null && !fromEnvironment.isEmpty()) {
                values.put(setting.key(), fromEnvironment);
            }
        }
        overrides.forEach((key, value) -> {
            if (SETTINGS.stream().noneMatch(setting -> setting.key().equals(key))) {
                problems.add("unknown setting '" + key + "'");
            } else if (value != null) {
                values.put(key, value);
            }
        });

        Path dataDir = expandHome(values.get("data-dir"));
        String host = values.get("server.host");
        int port = integer(values, "server.port", 0, 65535, problems);
        int maxBody = integer(values, "server.max-body-bytes", 1024, 64 * 1024 * 1024, problems);
        boolean accessLog = bool(values, "server.access-log", problems);
        int poolSize = integer(values, "store.pool-size", 1, 200, problems);
        int busyTimeout = integer(values, "store.busy-timeout-ms", 0, 600_000, problems);
        String synchronous = values.get("store.sqlite.synchronous").toUpperCase(Locale.ROOT);
        if (!List.of("FULL", "NORMAL", "EXTRA").contains(synchronous)) {
            problems.add("store.sqlite.synchronous must be FULL, NORMAL or EXTRA, not '" + synchronous + "'");
        }
        int expirySeconds = integer(values, "grants.expiry-interval-seconds", 1, 86_400, problems);
        int retentionHours = integer(values, "idempotency.retention-hours", 1, 24 * 365, problems);
        int virtualGpus = integer(values, "compute.virtual-gpus", 0, 1024, problems);
        String policy = values.get("compute.policy").toUpperCase(Locale.ROOT);
        if (!List.of("FAIR_SHARE", "FIFO", "FIFO_BACKFILL", "SHORTEST_FIRST").contains(policy)) {
            problems.add("compute.policy must be FAIR_SHARE, FIFO, FIFO_BACKFILL or SHORTEST_FIRST, not '" + policy + "'");
        }
        int cycleMillis = integer(values, "compute.cycle-interval-ms", 50, 600_000, problems);
        int meteringSeconds = integer(values, "compute.metering-interval-seconds", 1, 86_400, problems);
        double gridFactor = parse(values, "compute.grid-factor-kg-per-kwh", problems, "a number from 0 to 5",
                text -> {
                    double value = Double.parseDouble(text.trim());
                    return value >= 0 && value <= 5 ? value : null;
                }, 0.5703);
        int halfLifeHours = integer(values, "compute.fair-share.half-life-hours", 1, 24 * 365, problems);
        int localCpus = integer(values, "compute.local.cpus", 0, 1_000_000, problems);
        int reservedMemory = integer(values, "compute.local.reserved-memory-mib", 0, Integer.MAX_VALUE, problems);
        boolean singleTenant = bool(values, "compute.local.single-tenant", problems);
        int retentionDays = integer(values, "compute.job-retention-days", 1, 3650, problems);
        String logsAfter = values.get("compute.job-logs-after-retention").trim().toLowerCase(Locale.ROOT);
        if (!List.of("archive", "drop").contains(logsAfter)) {
            problems.add("compute.job-logs-after-retention must be archive or drop, not '" + logsAfter + "'");
        }
        int[] uids = {61000, 61999};
        String range = values.get("compute.local.uid-range").trim();
        try {
            String[] bounds = range.split("-", 2);
            uids = new int[] {Integer.parseInt(bounds[0].trim()), Integer.parseInt(bounds[1].trim())};
            if (uids[0] < 1000 || uids[1] < uids[0]) {
                problems.add("compute.local.uid-range must be FIRST-LAST with 1000 <= FIRST <= LAST, not '" + range
                        + "'");
            }
        } catch (RuntimeException e) {
            problems.add("compute.local.uid-range must be FIRST-LAST such as 61000-61999, not '" + range + "'");
        }
        Optional<Slurm> slurm = slurm(values, dataDir, problems);
        Hub hub = hub(values, dataDir, problems);
        Notify notifications = notifications(values, dataDir, problems);
        Review review = review(values, problems);
        Optional<java.net.URI> publicUrl = httpUrl(values, "server.public-url", "https://incubator.example.org",
                problems).map(uri -> java.net.URI.create(uri.toString().replaceAll("/+$", "")));
        int rateLimit = integer(values, "server.rate-limit-per-minute", 0, 100_000_000, problems);
        int organisationRateLimit = integer(values, "server.rate-limit-per-organisation-per-minute", 0, 100_000_000,
                problems);
        long jsonCommit = size(values, "server.limits.json-commit", 1024, 1L << 30, false, problems);
        long ndjsonCommit = size(values, "server.limits.ndjson-commit", 1024, 1L << 30, false, problems);
        int bootstrapHours = integer(values, "tenancy.bootstrap-token-hours", 0, 24 * 365, problems);
        List<String> trustedProxies = java.util.Arrays.stream(Optional.ofNullable(values.get("server.trusted-proxies"))
                .orElse("").split(",")).map(String::trim).filter(value -> !value.isEmpty()).toList();
        trustedProxies.stream().filter(value -> !value.matches("[0-9A-Fa-f.:]+")).forEach(value -> problems.add(
                "server.trusted-proxies must list IP addresses such as 10.0.0.5, not '" + value + "'"));
        String url = Optional.ofNullable(values.get("store.url")).filter(value -> !value.isBlank())
                .orElse("jdbc:sqlite:" + dataDir.resolve("incubator.db"));
        try {
            StoreConfig.Dialect.of(url);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new IncubatorException(ErrorCode.VALIDATION_FAILED, "invalid configuration:\n  - "
                    + String.join("\n  - ", problems));
        }
        StoreConfig store = new StoreConfig(url, Optional.ofNullable(values.get("store.user")),
                Optional.ofNullable(values.get("store.password")), poolSize, synchronous, busyTimeout);
        Limits limits = new Limits(maxBody, jsonCommit, ndjsonCommit, rateLimit, organisationRateLimit);
        return new ServerConfig(dataDir, host, port, limits, accessLog, store, Duration.ofSeconds(expirySeconds),
                Duration.ofHours(retentionHours), new Compute(virtualGpus, policy, Duration.ofMillis(cycleMillis),
                        Duration.ofSeconds(meteringSeconds), gridFactor, Duration.ofHours(halfLifeHours), slurm,
                        new Local(localCpus, reservedMemory, uids[0], uids[1], singleTenant),
                        Duration.ofDays(retentionDays), logsAfter.equals("archive")), hub,
                publicUrl, trustedProxies, bootstrapHours == 0 ? Optional.empty()
                        : Optional.of(Duration.ofHours(bootstrapHours)), notifications, review);
    }

    private static Review review(Map<String, String> values, List<String> problems) {
        int members = integer(values, "review.committee.minimum-members", 1, 1000, problems);
        int quorum = integer(values, "review.committee.quorum", 1, 1000, problems);
        int months = integer(values, "review.committee.validity-months", 1, 12, problems);
        dev.incubator.governance.review.Committee committee = dev.incubator.governance.review.Committee.DEFAULT;
        if (quorum > members) {
            problems.add("review.committee.quorum (" + quorum + ") must not exceed review.committee.minimum-members ("
                    + members + ")");
        } else if (members > 0 && quorum > 0 && months > 0) {
            committee = new dev.incubator.governance.review.Committee(members, quorum, months);
        }
        dev.incubator.governance.review.RiskRules rules = dev.incubator.governance.review.RiskRules.DEFAULT;
        String file = values.get("review.rules-file");
        if (file != null && !file.isBlank()) {
            Path path = expandHome(file.strip());
            try {
                Object loaded = new ObjectMapper(new YAMLFactory()).readValue(path.toFile(), Object.class);
                Object table = loaded instanceof Map<?, ?> map && map.containsKey("rules") ? map.get("rules") : loaded;
                rules = dev.incubator.governance.review.RiskRules.parse(table, "review.rules-file " + path,
                        problems);
            } catch (IOException e) {
                problems.add("review.rules-file " + path + " can not be read as YAML: " + e.getMessage().lines()
                        .findFirst().orElse(""));
            }
        }
        return new Review(rules, committee);
    }

    private static Hub hub(Map<String, String> values, Path dataDir, List<String> problems) {
        String kind = values.get("hub.blob-store").trim().toLowerCase(Locale.ROOT);
        int packMib = integer(values, "hub.pack-size-mib", 1, 4096, problems);
        int graceHours = integer(values, "hub.gc-grace-hours", 0, 24 * 365, problems);
        int partMib = integer(values, "hub.s3.part-size-mib", 5, 4096, problems);
        Path blobDir = Optional.ofNullable(values.get("hub.blob-dir")).filter(value -> !value.isBlank())
                .map(ServerConfig::expandHome).orElse(dataDir.resolve("blobs"));
        Path keyFile = Optional.ofNullable(values.get("hub.master-key-file")).filter(value -> !value.isBlank())
                .map(ServerConfig::expandHome).orElse(dataDir.resolve("hub-master.key"));
        Optional<String> masterKey = Optional.ofNullable(values.get("hub.master-key")).filter(value -> !value.isBlank());
        masterKey.ifPresent(value -> {
            try {
                if (java.util.Base64.getDecoder().decode(value.trim()).length != 32) {
                    problems.add("hub.master-key must be base64 of exactly 32 bytes (head -c 32 /dev/urandom | base64)");
                }
            } catch (IllegalArgumentException e) {
                problems.add("hub.master-key is not base64 (head -c 32 /dev/urandom | base64)");
            }
        });
        Optional<S3> s3 = Optional.empty();
        if (kind.equals("s3")) {
            String bucket = values.get("hub.s3.bucket");
            if (bucket == null || bucket.isBlank() || bucket.trim().length() < 3) {
                problems.add("hub.s3.bucket is required with hub.blob-store=s3 (a bucket name of 3 or more characters)");
            }
            Optional<java.net.URI> endpoint = httpUrl(values, "hub.s3.endpoint", "http://minio:9000", problems);
            Optional<String> access = Optional.ofNullable(values.get("hub.s3.access-key")).filter(v -> !v.isBlank());
            Optional<String> secret = Optional.ofNullable(values.get("hub.s3.secret-key")).filter(v -> !v.isBlank());
            if (access.isPresent() != secret.isPresent()) {
                problems.add("hub.s3.access-key and hub.s3.secret-key go together: set both or neither");
            }
            s3 = Optional.of(new S3(endpoint, values.get("hub.s3.region").trim(), bucket == null ? "" : bucket.trim(),
                    values.get("hub.s3.prefix").trim(), bool(values, "hub.s3.path-style", problems), access, secret,
                    partMib * 1024L * 1024));
        } else if (!kind.equals("file")) {
            problems.add("hub.blob-store must be file or s3, not '" + kind + "'");
        }
        long organisationQuota = size(values, "hub.quota.organisation", 0, Long.MAX_VALUE, true, problems);
        long userQuota = size(values, "hub.quota.user", 0, Long.MAX_VALUE, true, problems);
        return new Hub(s3, blobDir, masterKey, keyFile, packMib * 1024L * 1024, Duration.ofHours(graceHours),
                organisationQuota, userQuota);
    }

    private static Notify notifications(Map<String, String> values, Path dataDir, List<String> problems) {
        int intervalMillis = integer(values, "notify.interval-ms", 50, 600_000, problems);
        int attempts = integer(values, "notify.webhook.max-attempts", 1, 100, problems);
        Optional<java.net.URI> url = httpUrl(values, "notify.webhook.url", "https://chat.example.org/hooks/abc",
                problems);
        Optional<String> secret = Optional.ofNullable(values.get("notify.webhook.secret")).map(String::strip)
                .filter(value -> !value.isEmpty());
        secret.ifPresent(value -> {
            try {
                dev.incubator.notify.webhook.WebhookSigner.of(value);
            } catch (IllegalArgumentException e) {
                problems.add("notify.webhook.secret: " + e.getMessage());
            }
        });
        Path secretFile = Optional.ofNullable(values.get("notify.webhook.secret-file")).filter(v -> !v.isBlank())
                .map(ServerConfig::expandHome).orElse(dataDir.resolve("webhook-secret"));
        return new Notify(Duration.ofMillis(intervalMillis), url, secret, secretFile, attempts);
    }

    private static Optional<Slurm> slurm(Map<String, String> values, Path dataDir, List<String> problems) {
        String backend = values.get("compute.backend").trim().toLowerCase(Locale.ROOT);
        if (backend.equals("local")) {
            return Optional.empty();
        }
        if (!backend.equals("slurm")) {
            problems.add("compute.backend must be local or slurm, not '" + backend + "'");
            return Optional.empty();
        }
        java.net.URI url = null;
        String urlText = values.get("compute.slurm.url");
        if (urlText == null || urlText.isBlank()) {
            problems.add("compute.slurm.url is required with compute.backend=slurm (e.g. http://slurm-head:6820)");
        } else {
            try {
                url = java.net.URI.create(urlText.trim());
                if (url.getScheme() == null || !url.getScheme().startsWith("http") || url.getHost() == null) {
                    problems.add("compute.slurm.url must be an http(s) URL like http://slurm-head:6820, not '"
                            + urlText + "'");
                }
            } catch (IllegalArgumentException e) {
                problems.add("compute.slurm.url is not a URL: '" + urlText + "'");
            }
        }
        String user = values.get("compute.slurm.user");
        if (user == null || user.isBlank()) {
            problems.add("compute.slurm.user is required with compute.backend=slurm: the Slurm user jobs run as");
        }
        String key = values.get("compute.slurm.jwt-key-file");
        Optional<String> token = Optional.ofNullable(values.get("compute.slurm.token")).map(String::trim)
                .filter(value -> !value.isEmpty());
        if ((key == null || key.isBlank()) && token.isEmpty()) {
            problems.add("compute.slurm.jwt-key-file (the file named by AuthAltParameters=jwt_key in slurm.conf) or"
                    + " compute.slurm.token is required with compute.backend=slurm");
        } else if (key != null && !key.isBlank() && !java.nio.file.Files.isReadable(Path.of(key))) {
            problems.add("compute.slurm.jwt-key-file " + key + " does not exist or is not readable");
        }
        String version = values.get("compute.slurm.api-version").trim();
        if (!version.matches("v0\\.0\\.\\d+")) {
            problems.add("compute.slurm.api-version must look like v0.0.38, not '" + version + "'");
        }
        Path jobsDir = Optional.ofNullable(values.get("compute.slurm.jobs-dir")).filter(value -> !value.isBlank())
                .map(Path::of).orElse(dataDir.resolve("jobs"));
        if (url == null || user == null || user.isBlank() || ((key == null || key.isBlank()) && token.isEmpty())) {
            return Optional.empty();
        }
        return Optional.of(new Slurm(url, version, user.trim(), key == null || key.isBlank() ? null : Path.of(key),
                Optional.ofNullable(values.get("compute.slurm.partition")).filter(value -> !value.isBlank()),
                Optional.ofNullable(values.get("compute.slurm.account")).filter(value -> !value.isBlank()), jobsDir,
                token));
    }

    public ServerConfig withBootstrapTokenLifetime(Optional<Duration> lifetime) {
        return new ServerConfig(dataDir, host, port, limits, accessLog, store, grantExpiryInterval,
                idempotencyRetention, compute, hub, publicUrl, trustedProxies, lifetime, notifications, review);
    }

    public ServerConfig withLimits(Limits newLimits) {
        return new ServerConfig(dataDir, host, port, newLimits, accessLog, store, grantExpiryInterval,
                idempotencyRetention, compute, hub, publicUrl, trustedProxies, bootstrapTokenLifetime, notifications, review);
    }

    /** Requests per minute per token and per organisation (0: none). */
    public ServerConfig withRateLimits(int perToken, int perOrganisation) {
        return withLimits(limits.withRates(perToken, perOrganisation));
    }

    public ServerConfig withPort(int newPort) {
        return new ServerConfig(dataDir, host, newPort, limits, accessLog, store, grantExpiryInterval,
                idempotencyRetention, compute, hub, publicUrl, trustedProxies, bootstrapTokenLifetime, notifications, review);
    }

    public ServerConfig withAccessLog(boolean enabled) {
        return new ServerConfig(dataDir, host, port, limits, enabled, store, grantExpiryInterval,
                idempotencyRetention, compute, hub, publicUrl, trustedProxies, bootstrapTokenLifetime, notifications, review);
    }

    public ServerConfig withStore(StoreConfig newStore) {
        return new ServerConfig(dataDir, host, port, limits, accessLog, newStore, grantExpiryInterval,
                idempotencyRetention, compute, hub, publicUrl, trustedProxies, bootstrapTokenLifetime, notifications, review);
    }

    public ServerConfig withHub(Hub newHub) {
        return new ServerConfig(dataDir, host, port, limits, accessLog, store, grantExpiryInterval,
                idempotencyRetention, compute, newHub, publicUrl, trustedProxies, bootstrapTokenLifetime, notifications, review);
    }

    public ServerConfig withNotifications(Notify newNotify) {
        return new ServerConfig(dataDir, host, port, limits, accessLog, store, grantExpiryInterval,
                idempotencyRetention, compute, hub, publicUrl, trustedProxies, bootstrapTokenLifetime, newNotify, review);
    }

    public ServerConfig withCompute(Compute newCompute) {
        return new ServerConfig(dataDir, host, port, limits, accessLog, store, grantExpiryInterval,
                idempotencyRetention, newCompute, hub, publicUrl, trustedProxies, bootstrapTokenLifetime, notifications, review);
    }

    private static void readYaml(Path file, Map<String, String> values, List<String> problems) {
        if (!Files.isReadable(file)) {
            problems.add("config file " + file + " does not exist or is not readable");
            return;
        }
        try {
            JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
            if (root == null || root.isNull() || root.isMissingNode()) {
                return;
            }
            if (!root.isObject()) {
                problems.add("config file " + file + " must hold a mapping of settings");
                return;
            }
            flatten("", root, values, problems, file);
        } catch (IOException e) {
            problems.add("config file " + file + " is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> values, List<String> problems, Path file) {
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            String key = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
            if (field.getValue().isObject()) {
                flatten(key, field.getValue(), values, problems, file);
            } else if (SETTINGS.stream().noneMatch(setting -> setting.key().equals(key))) {
                problems.add("unknown setting '" + key + "' in " + file + " (known: "
                        + String.join(", ", SETTINGS.stream().map(Setting::key).toList()) + ")");
            } else {
                values.put(key, field.getValue().asText());
            }
        }
    }

    /** An optional http(s) URL setting; a problem (naming {@code example}) when it is set to anything else. */
    private static Optional<java.net.URI> httpUrl(Map<String, String> values, String key, String example,
                                                  List<String> problems) {
        String text = values.get(key);
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        try {
            java.net.URI uri = new java.net.URI(text.trim());
            if (uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null) {
                problems.add(key + " must be an http(s) URL like " + example + ", not '" + text + "'");
            }
            return Optional.of(uri);
        } catch (java.net.URISyntaxException e) {
            problems.add(key + " is not a URL: '" + text + "'");
            return Optional.empty();
        }
    }

    private static int integer(Map<String, String> values, String key, int min, int max, List<String> problems) {
        return parse(values, key, problems, "an integer from " + min + " to " + max, text -> {
            int value = Integer.parseInt(text.trim());
            return value >= min && value <= max ? value : null;
        }, min);
    }

    /** A size such as 64MiB or 2TB from {@code min} to {@code max} bytes; {@code unlimited} as Long.MAX_VALUE. */
    private static long size(Map<String, String> values, String key, long min, long max, boolean unlimited,
                             List<String> problems) {
        return parse(values, key, problems, "a size such as 64MiB or 2TB" + (unlimited ? ", or unlimited" : "")
                + " (from " + dev.incubator.common.ByteSize.format(min) + (max == Long.MAX_VALUE ? "" : " to "
                + dev.incubator.common.ByteSize.format(max)) + ")", text -> {
            if (unlimited && text.trim().equalsIgnoreCase("unlimited")) {
                return Long.MAX_VALUE;
            }
            return dev.incubator.common.ByteSize.parse(text).filter(value -> value >= min && value <= max).orElse(null);
        }, min);
    }

    private static boolean bool(Map<String, String> values, String key, List<String> problems) {
        return parse(values, key, problems, "true or false", text -> switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> null;
        }, false);
    }

    private static <T> T parse(Map<String, String> values, String key, List<String> problems, String expected,
                               Function<String, T> parser, T fallback) {
        String text = values.get(key);
        try {
            T value = parser.apply(text);
            if (value != null) {
                return value;
            }
        } catch (RuntimeException ignored) {
            // reported below
        }
        problems.add(key + " must be " + expected + ", not '" + text + "'");
        return fallback;
    }

    private static Path expandHome(String path) {
        if (path.equals("~") || path.startsWith("~/")) {
            return Path.of(System.getProperty("user.home") + path.substring(1));
        }
        return Path.of(path);
    }
}
