package dev.incubator.server;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.incubator.common.GpuHours;
import dev.incubator.compute.ComputeService;
import dev.incubator.compute.EnergyModel;
import dev.incubator.compute.local.LocalExecutor;
import dev.incubator.compute.port.Executor;
import dev.incubator.slurm.SlurmClient;
import dev.incubator.slurm.SlurmExecutor;
import dev.incubator.slurm.SlurmInventory;
import java.util.function.Supplier;
import dev.incubator.compute.scheduler.RunningJob;
import java.time.Duration;
import dev.incubator.slurm.CachedInventory;
import dev.incubator.compute.local.LocalInventory;
import dev.incubator.compute.local.NvidiaSmiPowerMeter;
import dev.incubator.compute.port.PowerMeter;
import dev.incubator.compute.port.ComputeEnvironment;
import dev.incubator.compute.scheduler.Node;
import dev.incubator.compute.scheduler.OrgShare;
import dev.incubator.compute.scheduler.Policy;
import dev.incubator.compute.scheduler.Scheduler;
import dev.incubator.server.api.ApiRoute;
import dev.incubator.server.api.ComputeRoutes;
import dev.incubator.store.JdbiComputeStore;
import dev.incubator.tenancy.Ids.OrgId;
import java.util.Collection;
import java.util.HashMap;
import dev.incubator.server.api.HfRepoRoutes;
import dev.incubator.server.api.StorageRoutes;
import dev.incubator.server.api.XetRoutes;
import dev.incubator.server.api.HttpApi;
import dev.incubator.server.api.Json;
import dev.incubator.server.api.OpenApi;
import dev.incubator.server.api.Raw;
import dev.incubator.server.api.TenancyRoutes;
import dev.incubator.server.api.Views.HealthView;
import dev.incubator.server.config.ServerConfig;
import dev.incubator.store.Database;
import dev.incubator.store.JdbiTenancyStore;
import dev.incubator.tenancy.Authenticator;
import dev.incubator.tenancy.GrantService;
import dev.incubator.tenancy.TenancyService;
import io.javalin.Javalin;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import dev.incubator.hub.HubService;
import dev.incubator.hub.blob.BlobStore;
import dev.incubator.hub.blob.FileBlobStore;
import dev.incubator.hub.chunk.ChunkStore;
import dev.incubator.hub.chunk.Chunker;
import dev.incubator.hub.crypto.LocalMasterKey;
import dev.incubator.hub.repo.Repo;
import dev.incubator.s3.S3BlobStore;
import dev.incubator.governance.audit.HeadSigner;
import dev.incubator.governance.audit.TreeHead;
import dev.incubator.governance.audit.VerifiableAuditLog;
import dev.incubator.governance.audit.Witnesses;
import dev.incubator.governance.access.AgreementService;
import dev.incubator.hub.port.PublishGate;
import dev.incubator.common.access.AccessControl;
import dev.incubator.governance.policy.AccessDecisions;
import dev.incubator.server.api.AccessRoutes;
import dev.incubator.server.api.LineageGate;
import dev.incubator.server.api.AuditRoutes;
import dev.incubator.server.api.HfRoutes;
import dev.incubator.server.api.HfRepoRoutes;
import dev.incubator.server.api.StorageRoutes;
import dev.incubator.server.api.XetRoutes;
import dev.incubator.server.api.HubRoutes;
import dev.incubator.store.JdbiAgreements;
import dev.incubator.store.JdbiAuditTree;
import dev.incubator.store.JdbiHubStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The composition root: opens the store, wires the services, serves the API and runs periodic work. */
public final class IncubatorServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IncubatorServer.class);
    public static final String BOOTSTRAP_TOKEN_FILE = "bootstrap-token";
    public static final String AUDIT_KEY_FILE = "audit-signing.key";
    public static final String VERSION = Optional.ofNullable(IncubatorServer.class.getPackage().getImplementationVersion())
            .orElse("0.1.0-SNAPSHOT");

    private final ServerConfig config;
    private final Database database;
    private final Javalin app;
    private final HttpApi api;
    private final List<ApiRoute> routes;
    private final ScheduledExecutorService background;
    private final AtomicBoolean ready = new AtomicBoolean();
    private final Optional<Path> bootstrapTokenFile;
    private final ComputeService compute;

    private IncubatorServer(ServerConfig config, Database database, Javalin app, HttpApi api, List<ApiRoute> routes,
                            ScheduledExecutorService background, Optional<Path> bootstrapTokenFile,
                            ComputeService compute) {
        this.config = config;
        this.database = database;
        this.app = app;
        this.api = api;
        this.routes = routes;
        this.background = background;
        this.bootstrapTokenFile = bootstrapTokenFile;
        this.compute = compute;
    }

    public static IncubatorServer start(ServerConfig config) {
        // Millisecond ticks: what the store keeps, so a response never shows more precision than a re-read.
        return start(config, Clock.tick(Clock.systemUTC(), java.time.Duration.ofMillis(1)));
    }

    /**
     * The hub: packs in a directory or an S3-compatible bucket, data keys wrapped by the master key, metadata in
     * the same database; namespaces are organisation and user names.
     */
    private static HubService hub(ServerConfig config, Database database, JdbiTenancyStore tenancyStore, Clock clock,
                                  AccessControl access, PublishGate publishGate) {
        ServerConfig.Hub settings = config.hub();
        try {
            BlobStore blobs;
            if (settings.s3().isPresent()) {
                ServerConfig.S3 s3 = settings.s3().get();
                S3BlobStore bucket = new S3BlobStore(new S3BlobStore.Settings(s3.endpoint(), s3.region(), s3.bucket(),
                        s3.prefix(), s3.pathStyle(), s3.accessKey(), s3.secretKey(), s3.partBytes()));
                bucket.ensureBucket();
                blobs = bucket;
            } else {
                blobs = new FileBlobStore(settings.blobDir());
            }
            LocalMasterKey masterKey = LocalMasterKey.load(settings.masterKey(), settings.masterKeyFile());
            JdbiHubStore hubStore = new JdbiHubStore(database);
            ChunkStore chunks = new ChunkStore(blobs, hubStore, masterKey, config.dataDir().resolve("spool"), clock,
                    Chunker.Params.DEFAULT, settings.packBytes());
            int stale = chunks.cleanSpool();
            LOG.info("hub: packs in {}, master key {}{}", blobs.describe(), masterKey.keyId(),
                    stale > 0 ? ", removed " + stale + " spool file(s) of uploads cut short" : "");
            return new HubService(hubStore, chunks, namespace -> tenancyStore.read(repositories -> {
                Optional<dev.incubator.tenancy.Organisation> organisation = repositories.organisations()
                        .findByName(namespace);
                if (organisation.isPresent()) {
                    return Optional.of(new Repo.Owner(Repo.OwnerKind.ORGANISATION, organisation.get().id().value()));
                }
                return repositories.users().findByName(namespace).map(user ->
                        new Repo.Owner(Repo.OwnerKind.USER, user.id().value()));
            }), clock, access, publishGate, new HubService.StorageQuotas(settings.organisationQuotaBytes(),
                    settings.userQuotaBytes()));
        } catch (IOException e) {
            throw new IllegalStateException("the hub's blob store or master key is not usable: " + e.getMessage(), e);
        }
    }

    public static IncubatorServer start(ServerConfig config, Clock clock) {
        requireNonNull(config, "config is null");
        createPrivateDirectory(config.dataDir());
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new ClassLoaderMetrics().bindTo(metrics);
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmGcMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        new UptimeMetrics().bindTo(metrics);

        Database database = Database.open(config.store(), hikari -> hikari.setMetricRegistry(metrics));
        try {
            JdbiTenancyStore store = new JdbiTenancyStore(database);
            // The one access-policy engine: every capability asks it (roles, scopes, visibility, agreements).
            AccessDecisions access = new AccessDecisions(new JdbiAgreements(database), clock);
            TenancyService tenancy = new TenancyService(store, access, clock);
            GrantService grants = new GrantService(store, tenancy, clock);
            Authenticator authenticator = new Authenticator(store, clock);
            Path tokenFile = config.dataDir().resolve(BOOTSTRAP_TOKEN_FILE);
            Optional<Path> bootstrapped = tenancy.bootstrap(secret -> writePrivateFile(tokenFile, secret + "\n"),
                    config.bootstrapTokenLifetime()).map(secret -> tokenFile);

            // Compute: this machine as the cluster and jobs as local processes, or a Slurm cluster through
            // slurmrestd; usage debited to grants either way.
            Executor executor;
            Supplier<List<Node>> nodes;
            Supplier<List<RunningJob>> externalJobs = List::of;
            String isolation;
            boolean measuredPower;
            String backendDescription;
            if (config.compute().slurm().isPresent()) {
                ServerConfig.Slurm slurmConfig = config.compute().slurm().get();
                // Tokens carry real time, whatever clock the service schedules by: Slurm checks them against its own.
                SlurmClient slurm = slurmConfig.jwtKeyFile() != null
                        ? SlurmClient.withKey(slurmConfig.url(), slurmConfig.apiVersion(), slurmConfig.user(),
                                slurmConfig.jwtKeyFile(), java.time.Clock.systemUTC())
                        : SlurmClient.withToken(slurmConfig.url(), slurmConfig.apiVersion(), slurmConfig.user(),
                                slurmConfig.token().orElseThrow());
                executor = new SlurmExecutor(slurm, slurmConfig.jobsDir(), slurmConfig.partition(),
                        slurmConfig.account(), clock);
                SlurmInventory slurmInventory = new SlurmInventory(slurm);
                nodes = new CachedInventory(slurmInventory::nodes, Duration.ofSeconds(30), clock);
                externalJobs = slurmInventory::external;
                measuredPower = false;
                backendDescription = "Slurm at " + slurmConfig.url();
                isolation = "Slurm runs every job as " + slurmConfig.user() + "; the cluster must keep"
                        + " jobs apart (see docs/slurm.md)";
            } else {
                ServerConfig.Local settings = config.compute().local();
                Node localNode = LocalInventory.discover(config.compute().virtualGpus(), settings.cpus(),
                        settings.reservedMemoryMib());
                List<Node> local = List.of(localNode);
                LocalExecutor localExecutor = new LocalExecutor(config.dataDir().resolve("jobs"),
                        new LocalExecutor.Settings(settings.singleTenant(), settings.firstUid(), settings.lastUid(),
                                Runtime.getRuntime().availableProcessors()));
                executor = localExecutor;
                isolation = localExecutor.isolation().describe();
                nodes = () -> local;
                measuredPower = localNode.gpus().stream().anyMatch(gpu ->
                        !gpu.type().equals(LocalInventory.VIRTUAL_GPU_TYPE));
                backendDescription = localNode.gpus().size() + " GPU(s), " + localNode.cpus() + " CPUs and "
                        + localNode.memoryMib() + " MiB for jobs on " + localNode.name() + " ("
                        + (localNode.gpus().isEmpty() ? "no GPU found; set compute.virtual-gpus to offer virtual ones"
                        : localNode.gpus().get(0).type()) + "); isolation: " + isolation;
            }
            Supplier<List<Node>> inventory = nodes;
            Executor backend = executor;
            boolean jobAccounts = executor instanceof LocalExecutor local
                    && local.isolation().accounts() == dev.incubator.compute.local.Isolation.Accounts.PER_ORGANISATION;
            Supplier<List<RunningJob>> external = externalJobs;
            ComputeEnvironment environment = new ComputeEnvironment() {
                @Override
                public List<Node> nodes() {
                    return inventory.get();
                }

                @Override
                public List<RunningJob> external() {
                    return external.get();
                }

                @Override
                public Map<String, OrgShare> shares(Collection<String> orgIds) {
                    Map<String, OrgShare> shares = new HashMap<>();
                    for (String orgId : orgIds) {
                        GrantService.Entitlement entitlement = grants.entitlement(new OrgId(orgId));
                        shares.put(orgId, new OrgShare(orgId, entitlement.guaranteedGpus(), 1.0, 0,
                                entitlement.grantActive()));
                    }
                    return shares;
                }

                @Override
                public void debit(String orgId, String gpuType, GpuHours used, String jobId) {
                    grants.debitMeteredUsage(new OrgId(orgId), gpuType, used, jobId);
                }
            };
            ComputeService compute = new ComputeService(new JdbiComputeStore(database), executor, environment,
                    new Scheduler(Policy.valueOf(config.compute().policy())), clock, config.compute().meteringInterval(),
                    config.compute().usageHalfLife(), measuredPower ? new NvidiaSmiPowerMeter() : PowerMeter.NONE);
            JobCredentials jobCredentials;
            try {
                jobCredentials = JobCredentials.loadOrCreate(config.dataDir().resolve("job-credential.key"), compute);
            } catch (IOException e) {
                throw new IllegalStateException("the job credential key is not usable: " + e.getMessage(), e);
            }
            String[] apiUrl = {null};
            java.util.function.Function<dev.incubator.compute.Job, Map<String, String>> jobVariables = job ->
                    apiUrl[0] == null ? Map.of("INCUBATOR_JOB_TOKEN", jobCredentials.mint(job))
                            : Map.of("INCUBATOR_URL", apiUrl[0], "INCUBATOR_JOB_TOKEN", jobCredentials.mint(job));
            if (executor instanceof LocalExecutor local) {
                local.platformEnvironment(jobVariables);
            } else if (executor instanceof SlurmExecutor slurmExecutor) {
                slurmExecutor.platformEnvironment(jobVariables);
            }
            compute.recover();
            LOG.info("compute: {}, policy {}", backendDescription, config.compute().policy());

            AgreementService agreements = new AgreementService(new JdbiAgreements(database), clock);
            HubService[] hubHolder = new HubService[1];
            LineageGate lineage = new LineageGate(() -> hubHolder[0], agreements);
            HubService hub = hub(config, database, store, clock, access, lineage);
            hubHolder[0] = hub;
            compute.mounts(new JobMounts(hub, authenticator));
            dev.incubator.toolkit.metrics.RunTracking tracking = new dev.incubator.toolkit.metrics.RunTracking(
                    new dev.incubator.store.JdbiMetrics(database), clock);
            dev.incubator.server.toolkit.MetricsTailer tailer = new dev.incubator.server.toolkit.MetricsTailer(
                    tracking, executor::directory);
            compute.events(dev.incubator.compute.port.ComputeEvents.all(new ComputeTelemetry(metrics),
                    new dev.incubator.compute.port.ComputeEvents() {
                        @Override
                        public void jobEnded(dev.incubator.compute.Job job) {
                            tailer.ended(job); // the last lines an attempt wrote
                        }
                    }));
            VerifiableAuditLog auditLog;
            try {
                auditLog = new VerifiableAuditLog(new JdbiAuditTree(database), HeadSigner.loadOrCreate(
                        config.dataDir().resolve(AUDIT_KEY_FILE)), clock, Duration.ofSeconds(5));
            } catch (IOException e) {
                throw new IllegalStateException("the audit signing key is not usable: " + e.getMessage(), e);
            }
            TreeHead startHead = auditLog.integrate();
            LOG.info("audit log: {} event(s) in the Merkle tree, Ed25519 key {}", startHead.treeSize(),
                    auditLog.signer().publicKeyBase64());

            ObjectMapper json = Json.mapper();
            java.util.function.IntSupplier clusterGpus = () -> inventory.get().stream().filter(Node::schedulable)
                    .mapToInt(node -> node.gpus().size()).sum();
            List<ApiRoute> routes = new ArrayList<>(new TenancyRoutes(tenancy, grants).clusterGpus(clusterGpus)
                    .routes());
            routes.addAll(new HubRoutes(hub, tenancy, json, config.hub().gcGrace(), config.limits().jsonCommitBytes())
                    .routes());
            routes.addAll(new StorageRoutes(hub, tenancy).routes());
            dev.incubator.hub.xet.XetService xetService = new dev.incubator.hub.xet.XetService(hub,
                    hub.store(), hub.chunks(), clock);
            XetRoutes xetRoutes = new XetRoutes(hub, xetService, json, clock);
            routes.addAll(new HfRoutes(hub, tenancy, json, clock, xetRoutes, xetService,
                    config.limits().ndjsonCommitBytes()).routes());
            routes.addAll(xetRoutes.routes());
            routes.addAll(new HfRepoRoutes(hub, json).routes());
            routes.addAll(new AuditRoutes(auditLog, tenancy, new Witnesses(new JdbiAuditTree(database), clock))
                    .routes());
            AccessRoutes accessRoutes = new AccessRoutes(hub, agreements, lineage);
            routes.addAll(accessRoutes.routes());
            dev.incubator.notify.NotificationService notifications = Notifications.create(
                    new dev.incubator.store.JdbiNotifications(database), new JdbiAuditTree(database), store, hub,
                    compute, clock, webhook(config), json);
            routes.addAll(new dev.incubator.server.api.InboxRoutes(notifications, tenancy, access, id -> store.read(
                    repositories -> repositories.organisations().findById(new OrgId(id))
                            .map(dev.incubator.tenancy.Organisation::name))).routes());
            EnergyModel energyModel = new EnergyModel(config.compute().gridFactor());
            ComputeRoutes computeRoutes = new ComputeRoutes(tenancy, compute, executor, inventory, energyModel)
                    .grantWarnings(grants::warnings).guaranteed(() -> TenancyRoutes.guaranteedInEffect(grants))
                    .isolation(isolation);
            routes.addAll(computeRoutes.routes());
            dev.incubator.server.toolkit.ModelPublisher publisher = new dev.incubator.server.toolkit.ModelPublisher(
                    hub, compute, executor::directory, tracking, energyModel, event -> store.write(repositories ->
                    repositories.audit().append(event)), clock, json, 64L * 1024 * 1024 * 1024);
            routes.addAll(new dev.incubator.server.toolkit.ToolkitRoutes(
                    dev.incubator.toolkit.template.TemplateCatalog.builtIn(), tenancy, access, computeRoutes, hub,
                    tracking, publisher, json).routes());
            JobRuntime jobRuntime = new JobRuntime(config.dataDir().resolve("runtime").resolve("replica"));
            dev.incubator.server.serving.Serving serving = new dev.incubator.server.serving.Serving(
                    new dev.incubator.store.JdbiServing(database), compute, jobCredentials, access, tenancy,
                    computeRoutes, hub, energyModel, name -> store.read(repositories -> repositories.organisations()
                    .findByName(name)), id -> store.read(repositories -> repositories.organisations()
                    .findById(new OrgId(id))), json, clock, jobRuntime,
                    dev.incubator.server.serving.Serving.Settings.DEFAULT);
            routes.addAll(serving.routes());
            dev.incubator.store.JdbiEval evalStore = new dev.incubator.store.JdbiEval(database);
            dev.incubator.server.eval.EvalCollector evalCollector = new dev.incubator.server.eval.EvalCollector(
                    evalStore, compute, executor::directory, event -> store.write(repositories -> repositories
                    .audit().append(event)), clock);
            routes.addAll(new dev.incubator.server.eval.EvalRoutes(evalStore, evalCollector, tenancy, access,
                    computeRoutes, hub, jobRuntime, auditLog, new Witnesses(new JdbiAuditTree(database), clock), json,
                    clock, serving::deployment).routes());
            dev.incubator.store.JdbiReview reviewStore = new dev.incubator.store.JdbiReview(database);
            dev.incubator.store.JdbiAssessments assessmentStore = new dev.incubator.store.JdbiAssessments(database);
            dev.incubator.server.review.ReviewRoutes reviewRoutes = new dev.incubator.server.review.ReviewRoutes(
                    reviewStore, tenancy, access, hub, serving::deployment,
                    orgId -> eligibleReviewers(store, orgId), config.review().rules(),
                    config.review().committee(), clock, (applicationId, deployment) ->
                    assessmentStore.read(r -> r.latestSucceeded(applicationId, deployment)));
            routes.addAll(reviewRoutes.routes());
            dev.incubator.server.review.SafetyRoutes safetyRoutes = new dev.incubator.server.review.SafetyRoutes(
                    assessmentStore, reviewStore, tenancy, access, computeRoutes, compute, hub, jobRuntime,
                    executor::directory, event -> store.write(repositories -> repositories.audit().append(event)),
                    serving::deployment, json, clock);
            routes.addAll(safetyRoutes.routes());
            routes.addAll(new dev.incubator.server.review.VerdictRoutes(assessmentStore, reviewStore, tenancy,
                    config.review().committee(), safetyRoutes, event -> store.write(
                    repositories -> repositories.audit().append(event)), clock).routes());
            routes.addAll(new dev.incubator.server.review.DossierRoutes(reviewStore, assessmentStore, tenancy, access,
                    hub, lineage, serving::deployment, event -> store.write(repositories -> repositories.audit()
                    .append(event)), clock, new JdbiAgreements(database), (orgId, userId) -> store.read(
                    repositories -> repositories.memberships().listByUser(new dev.incubator.tenancy.Ids.UserId(userId))
                    .stream().anyMatch(m -> m.orgId().value().equals(orgId)))).routes());
            access.exposureHolds(reviewRoutes::hold);
            access.sensitiveUses((orgId, dataset) -> reviewRoutes.sensitiveUse(orgId, store.read(repositories ->
                    repositories.organisations().findById(new dev.incubator.tenancy.Ids.OrgId(orgId)))
                    .map(dev.incubator.tenancy.Organisation::name).orElse(orgId), dataset));
            AtomicBoolean ready = new AtomicBoolean();
            ObjectNode[] openApi = new ObjectNode[1];
            routes.add(ApiRoute.get("/healthz", "health").tag("operations").summary("Liveness: the process is up")
                    .publicAccess().returns(HealthView.class)
                    .handle(call -> new HealthView("ok", Map.of())));
            routes.add(ApiRoute.get("/readyz", "readiness").tag("operations")
                    .summary("Readiness: started and the metadata store answers").publicAccess().returns(HealthView.class)
                    .handle(call -> {
                        boolean storeUp = database.isHealthy();
                        boolean up = storeUp && ready.get();
                        HealthView view = new HealthView(up ? "ready" : "not-ready",
                                Map.of("store", storeUp ? "ok" : "unavailable", "started", Boolean.toString(ready.get()),
                                        "compute", compute.backendProblem().map(problem -> "degraded: " + problem)
                                                .or(backend::refusal).map(problem -> "degraded: " + problem)
                                                .orElse("ok"), "isolation", isolation));
                        return up ? view : new Raw(503, "application/json", json.writeValueAsString(view));
                    }));
            routes.add(ApiRoute.get("/metrics", "metrics").tag("operations")
                    .summary("Prometheus metrics: requests, latencies, database pool, JVM").publicAccess()
                    .returns(Raw.class)
                    .handle(call -> new Raw(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape())));
            routes.add(ApiRoute.get(TenancyRoutes.PREFIX + "/openapi.json", "openapi").tag("operations")
                    .summary("This API as an OpenAPI 3.1 document").publicAccess()
                    .handle(call -> new Raw(200, "application/json", json.writeValueAsString(openApi[0]))));
            openApi[0] = OpenApi.document(routes, VERSION);

            HttpApi api = new HttpApi(routes, authenticator, store, json, metrics, clock, config.limits().maxBodyBytes(),
                    config.accessLog()).trustedProxies(config.trustedProxies()).rateLimits(config.limits().perTokenPerMinute(), config.limits().perOrganisationPerMinute()).jobTokens(secret -> jobCredentials.verify(secret).map(job -> new dev.incubator.server.api.Call.JobCaller(
                    job.id(), job.orgId(), authenticator.forJob(job.submittedBy(), job.id()))));
            Javalin app = api.create();
            new dev.incubator.server.console.Console(new dev.incubator.store.JdbiSessions(database), authenticator,
                    tenancy, grants, compute, executor::log, clock, config.publicUrl().map(url -> "https".equals(
                    url.getScheme())).orElse(false), hub, accessRoutes, agreements, api).register(app);
            app.start(config.host(), config.port());
            apiUrl[0] = config.publicUrl().map(java.net.URI::toString).orElse("http://"
                    + (config.host().equals("0.0.0.0") ? "127.0.0.1" : config.host()) + ":" + app.port());

            // Four threads: the scheduling cycle, periodic upkeep, notifications (a slow webhook receiver delays only
            // its own deliveries) and serving (health checks wait on replicas).
            ScheduledExecutorService background = Executors.newScheduledThreadPool(4, runnable -> {
                Thread thread = new Thread(runnable, "incubator-background");
                thread.setDaemon(true);
                return thread;
            });
            background.scheduleWithFixedDelay(() -> runQuietly("scheduling cycle", compute::cycle), 0,
                    config.compute().cycleInterval().toMillis(), TimeUnit.MILLISECONDS);
            background.scheduleWithFixedDelay(() -> runQuietly("serving", serving::reconcile), 1, 1,
                    TimeUnit.SECONDS);
            background.scheduleWithFixedDelay(() -> runQuietly("evaluation", evalCollector::reconcile), 2, 2,
                    TimeUnit.SECONDS);
            background.scheduleWithFixedDelay(() -> runQuietly("safety assessments", safetyRoutes::reconcile), 2, 2,
                    TimeUnit.SECONDS);
            GrantTelemetry grantTelemetry = new GrantTelemetry(grants, metrics);
            background.scheduleWithFixedDelay(() -> runQuietly("grant metrics", grantTelemetry::refresh), 0,
                    config.compute().meteringInterval().toMillis(), TimeUnit.MILLISECONDS);
            long expiryMillis = config.grantExpiryInterval().toMillis();
            background.scheduleWithFixedDelay(() -> runQuietly("grant expiry", () -> {
                int expired = grants.expireDue();
                if (expired > 0) {
                    LOG.info("expired {} grant(s) past their end date", expired);
                }
            }), 0, expiryMillis, TimeUnit.MILLISECONDS);
            background.scheduleWithFixedDelay(() -> runQuietly("audit tree integration", auditLog::integrate), 1, 1,
                    TimeUnit.SECONDS);
            background.scheduleWithFixedDelay(() -> runQuietly("run metrics", () -> compute.queue(Optional.empty())
                    .stream().filter(job -> job.state() == dev.incubator.compute.JobState.RUNNING)
                    .forEach(tailer::tail)), 2, 2, TimeUnit.SECONDS);
            Runnable notify = Notifications.worker(notifications, metrics);
            background.scheduleWithFixedDelay(() -> runQuietly("notifications", notify),
                    config.notifications().interval().toMillis(), config.notifications().interval().toMillis(), TimeUnit.MILLISECONDS);
            Optional<Path> logArchive = config.compute().archiveLogs() ? Optional.of(config.dataDir().resolve("job-logs"))
                    : Optional.empty();
            background.scheduleWithFixedDelay(() -> runQuietly("job directory retention", () -> {
                int removed = compute.sweepJobDirectories(config.compute().jobRetention(), logArchive);
                if (removed > 0) {
                    LOG.info("removed {} job director(y/ies) past compute.job-retention-days{}", removed,
                            logArchive.map(dir -> ", logs archived in " + dir).orElse(""));
                }
            }), 1, 60, TimeUnit.MINUTES);
            background.scheduleWithFixedDelay(() -> runQuietly("idempotency purge", () -> store.write(repositories ->
                    repositories.idempotency().purgeOlderThan(Instant.now(clock).minus(config.idempotencyRetention())))),
                    1, 60, TimeUnit.MINUTES);

            lockDown(config.dataDir(), jobAccounts);
            executor.refusal().ifPresent(reason -> LOG.warn("compute: jobs will be refused: {}", reason));
            IncubatorServer server = new IncubatorServer(config, database, app, api, List.copyOf(routes), background,
                    bootstrapped, compute);
            ready.set(true);
            server.ready.set(true);
            return server;
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    /**
     * The operator's webhook, when notify.webhook.url is set: its secret from the settings, else from the secret
     * file (created with a random secret on first start, 0600).
     */
    private static Optional<dev.incubator.notify.webhook.Webhook> webhook(ServerConfig config) {
        ServerConfig.Notify settings = config.notifications();
        if (settings.webhookUrl().isEmpty()) {
            return Optional.empty();
        }
        String secret;
        String source;
        if (settings.webhookSecret().isPresent()) {
            secret = settings.webhookSecret().get();
            source = "notify.webhook.secret";
        } else {
            Path file = settings.webhookSecretFile();
            try {
                if (!Files.exists(file)) {
                    writePrivateFile(file, dev.incubator.notify.webhook.WebhookSigner.newSecret() + "\n");
                }
                secret = Files.readString(file).strip();
            } catch (IOException e) {
                throw new UncheckedIOException("could not read the webhook secret " + file, e);
            }
            source = file.toString();
        }
        dev.incubator.notify.webhook.WebhookSigner signer;
        try {
            signer = dev.incubator.notify.webhook.WebhookSigner.of(secret);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("the webhook secret in " + source + " is not usable: " + e.getMessage());
        }
        URI url = settings.webhookUrl().get();
        // The path of a chat webhook is often its credential: only the host goes to the log.
        LOG.info("notifications: webhook to {}://{}{} (signing secret in {}), {} attempt(s) per notice",
                url.getScheme(), url.getHost(), url.getPort() > 0 ? ":" + url.getPort() : "", source,
                settings.webhookMaxAttempts());
        return Optional.of(new dev.incubator.notify.webhook.Webhook(url, signer,
                dev.incubator.notify.webhook.Backoff.DEFAULT.withMaxAttempts(settings.webhookMaxAttempts())));
    }

    public int port() {
        return app.port();
    }

    public URI url() {
        String host = config.host().equals("0.0.0.0") ? "127.0.0.1" : config.host();
        return URI.create("http://" + host + ":" + port());
    }

    public ServerConfig config() {
        return config;
    }

    /** The bootstrap token file, when this start created the operator account. */
    public Optional<Path> bootstrapTokenFile() {
        return bootstrapTokenFile;
    }

    public List<ApiRoute> routes() {
        return routes;
    }

    public List<String> registeredEndpoints() {
        return api.registeredEndpoints();
    }

    /** The compute service, for tests and benchmarks that drive it beside the API. */
    public ComputeService compute() {
        return compute;
    }

    public Database database() {
        return database;
    }

    public boolean isReady() {
        return ready.get();
    }

    @Override
    public void close() {
        if (!ready.getAndSet(false)) {
            return;
        }
        LOG.info("shutting down");
        background.shutdownNow();
        app.stop();
        database.close();
        LOG.info("stopped");
    }

    /** The platform's reviewers (enabled) who are not members of the organisation: who may vote on its reviews. */
    private static int eligibleReviewers(JdbiTenancyStore store, String orgId) {
        return store.read(repositories -> {
            int eligible = 0;
            Optional<String> after = Optional.empty();
            for (int pages = 0; pages < 100; pages++) {
                var page = repositories.users().list(new dev.incubator.common.PageRequest(500, after));
                for (dev.incubator.tenancy.User user : page.items()) {
                    if (user.disabledAt().isEmpty() && user.platformRoles().contains(
                            dev.incubator.common.access.Roles.PlatformRole.REVIEWER) && repositories.memberships()
                            .find(new OrgId(orgId), user.id()).isEmpty()) {
                        eligible++;
                    }
                }
                if (page.nextCursor().isEmpty()) {
                    break;
                }
                after = page.nextCursor().map(dev.incubator.common.Cursor::decode);
            }
            return eligible;
        });
    }

    private static void runQuietly(String what, Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.warn("{} failed; will retry", what, e);
        }
    }

    /**
     * Only the service reads its data directory: every entry is closed to others (keys, database, packs, spool),
     * and the directory itself is 0700, or 0711 where jobs run as other accounts and must pass through it to their
     * job directories (they can list nothing and open nothing else).
     */
    private static void lockDown(Path dataDir, boolean jobAccounts) {
        try {
            trySetPermissions(dataDir, jobAccounts ? "rwx--x--x" : "rwx------");
            try (java.util.stream.Stream<Path> entries = Files.list(dataDir)) {
                for (Path entry : entries.toList()) {
                    // jobs: each job's own directory; runtime: the replica code that job accounts run.
                    if (entry.getFileName().toString().equals("jobs") || entry.getFileName().toString()
                            .equals("runtime") || Files.isSymbolicLink(entry)) {
                        continue;
                    }
                    trySetPermissions(entry, Files.isDirectory(entry) ? "rwx------" : "rw-------");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not restrict the data directory " + dataDir, e);
        }
    }

    private static void createPrivateDirectory(Path directory) {
        try {
            if (!Files.isDirectory(directory)) {
                Files.createDirectories(directory);
                trySetPermissions(directory, "rwx------");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not create data directory " + directory, e);
        }
    }

    /** Writes a file readable only by its owner, atomically and durably. */
    /**
     * Revokes the operator's bootstrap token and writes a fresh one to {@code <data-dir>/bootstrap-token} (0600),
     * directly in the metadata store: for whoever runs the service (it needs the database, not the API).
     */
    public static Path rotateBootstrapToken(ServerConfig config) {
        Database database = Database.open(config.store(), hikari -> { });
        try {
            Clock clock = Clock.systemUTC();
            TenancyService tenancy = new TenancyService(new JdbiTenancyStore(database),
                    new AccessDecisions(new JdbiAgreements(database), clock), clock);
            Path tokenFile = config.dataDir().resolve(BOOTSTRAP_TOKEN_FILE);
            tenancy.rotateBootstrap(secret -> writePrivateFile(tokenFile, secret + "\n"),
                    config.bootstrapTokenLifetime());
            return tokenFile;
        } finally {
            database.close();
        }
    }

    static void writePrivateFile(Path file, String content) {
        try {
            dev.incubator.common.io.SecretFiles.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }

    private static void trySetPermissions(Path path, String permissions) throws IOException {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system; nothing more can be done portably
        }
    }
}
