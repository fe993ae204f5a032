package dev.incubator.server.serving;

import static dev.incubator.server.api.BodySpec.Type.BOOLEAN;
import static dev.incubator.server.api.BodySpec.Type.INTEGER;
import static dev.incubator.server.api.BodySpec.Type.NUMBER;
import static dev.incubator.server.api.BodySpec.Type.STRING;
import static dev.incubator.server.api.BodySpec.Type.STRING_LIST;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.Page;
import dev.incubator.common.access.AccessControl;
import dev.incubator.common.access.Action;
import dev.incubator.common.access.Resource;
import dev.incubator.common.access.Subject;
import dev.incubator.compute.ComputeService;
import dev.incubator.compute.EnergyModel;
import dev.incubator.compute.Job;
import dev.incubator.hub.HubService;
import dev.incubator.hub.repo.Commit;
import dev.incubator.hub.repo.Repo;
import dev.incubator.hub.repo.RepoKind;
import dev.incubator.hub.repo.TreeEntry;
import dev.incubator.server.api.ApiRoute;
import dev.incubator.server.api.BodySpec;
import dev.incubator.server.api.Call;
import dev.incubator.server.api.ComputeRoutes;
import dev.incubator.server.api.Subjects;
import dev.incubator.server.api.TenancyRoutes;
import dev.incubator.server.api.Versioned;
import dev.incubator.server.api.Views.PageView;
import dev.incubator.serving.ContentLabel;
import dev.incubator.serving.Deployment;
import dev.incubator.serving.Quotas;
import dev.incubator.serving.Replica;
import dev.incubator.serving.ServingService;
import dev.incubator.serving.ServingStore;
import dev.incubator.serving.UsageRecord;
import dev.incubator.tenancy.Organisation;
import dev.incubator.tenancy.TenancyService;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Deployments of an organisation (create, list, show with replicas, change replicas, revision, access and limits,
 * delete), their request records and usage (tokens by key, model or calling organisation; the replicas' GPU time
 * and energy, with kWh and CO2e per 1,000 tokens), and the route where a replica job registers its endpoint.
 */
public final class DeploymentRoutes {
    private static final Pattern REPLICAS = Pattern.compile("(\\d{1,2})(?:\\.\\.(\\d{1,2}))?");
    private static final Pattern MODEL = Pattern.compile("(models/[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*)"
            + "(?:@([A-Za-z0-9._/-]{1,200}))?");
    private static final String REPLICAS_HELP = "replicas as MIN..MAX or N, e.g. 1..3, or 0..2 to scale to zero when"
            + " idle (default 1)";
    private static final BodySpec CREATE = BodySpec.named("CreateDeployment")
            .required("name", STRING, "the deployment's name; clients call it as the model ORG/NAME")
            .required("model", STRING, "the hub model to serve, e.g. models/lab/tiny-zh or models/lab/tiny-zh@<rev>"
                    + " (default revision main, pinned to its commit)")
            .optional("replicas", STRING, REPLICAS_HELP)
            .optionalEnum("engine", List.of("builtin", "command"), "builtin (the platform's Java engine, CPU) or"
                    + " command (an OpenAI-compatible server you name, e.g. vLLM)")
            .optional("command", STRING_LIST, "for the command engine: the server to run, with {model_dir}, {port},"
                    + " {host} and {api_key} filled in, e.g. [\"vllm\", \"serve\", \"{model_dir}\", \"--port\","
                    + " \"{port}\", \"--api-key\", \"{api_key}\"]")
            .optional("gpus", NUMBER, "GPUs per replica, e.g. 0.25 (default 0)")
            .optional("cpus", INTEGER, "CPUs per replica (default 1)")
            .optional("memory_mib", INTEGER, "memory per replica in MiB (default 2048)")
            .optional("idle_seconds", INTEGER, "with a minimum of 0 replicas: idle time before scaling to zero"
                    + " (default 600)")
            .optionalEnum("access", List.of("private", "shared", "public"), "who may call it: the organisation"
                    + " (default), also the organisations in shared_with, or every signed-in user")
            .optional("shared_with", STRING_LIST, "organisations that may call it, with access 'shared'")
            .optional("requests_per_minute", INTEGER, "per API key; 0 for no limit (default)")
            .optional("tokens_per_minute", INTEGER, "per API key, prompt and completion; 0 for no limit (default)")
            .optional("monthly_tokens", INTEGER, "per calling organisation and calendar month (UTC); 0 for no limit")
            .optional("explicit_label", STRING, "text appended to every answer as its explicit AI label"
                    + " (GB 45438-2025); 'default' for \"" + ContentLabel.DEFAULT_EXPLICIT + "\"")
            .optional("log_content", BOOLEAN, "keep prompts and answers with the request records (default false)")
            .optional("retention_days", INTEGER, "how long kept content stays (default 30)")
            .build();
    private static final BodySpec UPDATE = BodySpec.named("UpdateDeployment")
            .optional("replicas", STRING, REPLICAS_HELP)
            .optional("model", STRING, "a new revision of the same model, e.g. models/lab/tiny-zh@<rev>: replicas"
                    + " roll one at a time")
            .optionalEnum("access", List.of("private", "shared", "public"), "who may call it")
            .optional("shared_with", STRING_LIST, "organisations that may call it, with access 'shared'")
            .optional("requests_per_minute", INTEGER, "per API key; 0 for no limit")
            .optional("tokens_per_minute", INTEGER, "per API key; 0 for no limit")
            .optional("monthly_tokens", INTEGER, "per calling organisation and month; 0 for no limit")
            .build();
    private static final BodySpec REGISTER = BodySpec.named("RegisterEndpoint")
            .required("url", STRING, "where the replica listens, e.g. http://127.0.0.1:41234")
            .optional("load_seconds", NUMBER, "how long loading the model took")
            .optional("parameters", INTEGER, "the model's parameter count")
            .build();

    private final ServingService serving;
    private final TenancyService tenancy;
    private final AccessControl access;
    private final ComputeRoutes computeRoutes;
    private final ComputeService compute;
    private final HubService hub;
    private final EnergyModel energy;
    private final Function<String, Optional<Organisation>> organisationByName;
    private final Function<String, Optional<Organisation>> organisationById;
    private final Clock clock;

    public DeploymentRoutes(ServingService serving, TenancyService tenancy, AccessControl access,
                            ComputeRoutes computeRoutes, ComputeService compute, HubService hub, EnergyModel energy,
                            Function<String, Optional<Organisation>> organisationByName,
                            Function<String, Optional<Organisation>> organisationById, Clock clock) {
        this.serving = serving;
        this.tenancy = tenancy;
        this.access = access;
        this.computeRoutes = computeRoutes;
        this.compute = compute;
        this.hub = hub;
        this.energy = energy;
        this.organisationByName = organisationByName;
        this.organisationById = organisationById;
        this.clock = clock;
    }

    public record ReplicaView(String job, String revision, String state, Optional<String> endpoint,
                              Instant submittedAt, Optional<Instant> readyAt, Optional<Double> coldStartSeconds,
                              int failures, Optional<String> message) {
        static ReplicaView of(Replica replica) {
            return new ReplicaView(replica.jobId(), replica.revision(), replica.state().name().toLowerCase(Locale.ROOT),
                    replica.endpoint().map(url -> "registered"), replica.submittedAt(), replica.readyAt(),
                    replica.coldStart().map(d -> d.toMillis() / 1000.0), replica.failures(), replica.message());
        }
    }

    public record LimitsView(int requestsPerMinute, int tokensPerMinute, long monthlyTokens) {
    }

    public record DeploymentView(String id, String model, String organisation, String name, String repository,
                                 String revision, String engine, List<String> command, int minReplicas,
                                 int maxReplicas, BigDecimal gpus, int cpus, int memoryMib, long idleSeconds,
                                 String access, List<String> sharedWith, LimitsView limits,
                                 Optional<String> explicitLabel, boolean logContent, int retentionDays, int ready,
                                 int inFlight, List<ReplicaView> replicas, String createdBy, Instant createdAt,
                                 Instant updatedAt, long version) implements Versioned {
    }

    public record RequestView(long id, Instant at, String model, String revision, String route, String token,
                              String actor, String callerOrganisation, int promptTokens, int completionTokens,
                              long latencyMs, int status, Optional<String> replica, String produceId,
                              Optional<String> content) {
    }

    public record UsageLine(String key, long requests, long promptTokens, long completionTokens, long totalTokens,
                            long errors, double meanLatencyMs) {
    }

    /**
     * A deployment's usage since a time: tokens grouped, the replicas' GPU-hours and metered energy, and energy per
     * 1,000 tokens (the replicas' energy apportioned to requests by tokens).
     */
    public record UsageView(String model, Instant since, String groupBy, List<UsageLine> groups, long requests,
                            long totalTokens, double gpuHours, double energyKwh, double co2eKg,
                            Optional<Double> kwhPer1kTokens, Optional<Double> co2eGramsPer1kTokens) {
    }

    public record EndpointView(String job, String deployment, String state) {
    }

    public List<ApiRoute> routes() {
        String collection = TenancyRoutes.PREFIX + "/orgs/{org}/deployments";
        String one = collection + "/{name}";
        return List.of(
                ApiRoute.post(collection, "createDeployment").tag("serving")
                        .summary("Deploy a hub model behind the OpenAI-compatible gateway (member); its replicas are"
                                + " jobs of the organisation")
                        .body(CREATE).status(201).returns(DeploymentView.class)
                        .handle(call -> {
                            Organisation org = tenancy.authorize(call.caller(), call.path("org"),
                                    Action.DEPLOYMENT_MANAGE);
                            return view(serving.create(exposable(call, fromBody(call, org, call.body(CREATE)))));
                        }),
                ApiRoute.get(collection, "listDeployments").tag("serving")
                        .summary("The organisation's deployments, by name").pageOf(DeploymentView.class)
                        .handle(call -> {
                            Organisation org = tenancy.authorize(call.caller(), call.path("org"),
                                    Action.DEPLOYMENT_READ);
                            Page<Deployment> page = serving.store().read(r -> r.list(org.id().value(), call.page()));
                            return PageView.of(page, this::view);
                        }),
                ApiRoute.get(one, "getDeployment").tag("serving")
                        .summary("A deployment with its replicas (state, cold start, failures)")
                        .returns(DeploymentView.class)
                        .handle(call -> view(deployment(call, Action.DEPLOYMENT_READ))),
                ApiRoute.patch(one, "updateDeployment").tag("serving")
                        .summary("Scale a deployment, roll it to a new revision, change who may call it or its"
                                + " limits").body(UPDATE).returns(DeploymentView.class)
                        .handle(call -> {
                            Deployment current = deployment(call, Action.DEPLOYMENT_MANAGE);
                            if (call.ifMatch().isPresent() && call.ifMatch().get() != current.version()) {
                                throw new IncubatorException(ErrorCode.VERSION_MISMATCH, "deployment '"
                                        + current.modelId() + "' is at version " + current.version() + ", not "
                                        + call.ifMatch().get() + "; read it again");
                            }
                            return view(serving.update(exposable(call, changed(call, current, call.body(UPDATE)))));
                        }),
                ApiRoute.delete(one, "deleteDeployment").tag("serving")
                        .summary("Delete a deployment: its replicas drain and stop")
                        .handle(call -> {
                            Deployment current = deployment(call, Action.DEPLOYMENT_MANAGE);
                            serving.update(current.deleted(clock.instant()));
                            return null;
                        }),
                ApiRoute.get(one + "/requests", "listDeploymentRequests").tag("serving")
                        .summary("The deployment's request records, newest first (content only where it opted in)")
                        .pageOf(RequestView.class)
                        .handle(call -> {
                            Deployment found = deployment(call, Action.DEPLOYMENT_READ);
                            return PageView.of(serving.store().read(r -> r.requests(found.id(), call.page())),
                                    DeploymentRoutes::request);
                        }),
                ApiRoute.get(one + "/usage", "getDeploymentUsage").tag("serving")
                        .summary("Tokens by key, model or calling organisation, the replicas' GPU-hours and energy,"
                                + " and kWh and CO2e per 1,000 tokens")
                        .query("since", "From this day or time (default: the start of this month, UTC)")
                        .query("group_by", "token (default), model or organisation")
                        .returns(UsageView.class)
                        .handle(call -> usage(call, deployment(call, Action.DEPLOYMENT_READ))),
                ApiRoute.post(TenancyRoutes.PREFIX + "/jobs/{job}/endpoint", "registerReplicaEndpoint")
                        .tag("serving").summary("A replica job registers where it listens (its own credential"
                                + " only); the gateway routes to it once it answers a health check")
                        .body(REGISTER).status(200).returns(EndpointView.class).notIdempotent()
                        .handle(call -> {
                            Job job = computeRoutes.jobById(call, Action.JOB_READ);
                            access.check(Subjects.of(call), Action.ENDPOINT_REGISTER, new Resource.Job(job.id(),
                                    job.orgId(), job.orgName()));
                            Replica replica = serving.register(job.id(), call.body(REGISTER).string("url"));
                            return new EndpointView(job.id(), replica.deploymentId(),
                                    replica.state().name().toLowerCase(Locale.ROOT));
                        }));
    }

    // ------------------------------------------------------------------------------------------- reading

    private Deployment deployment(Call call, Action action) {
        Organisation org = tenancy.authorize(call.caller(), call.path("org"), action == Action.DEPLOYMENT_MANAGE
                ? Action.DEPLOYMENT_MANAGE : Action.DEPLOYMENT_READ);
        String name = call.path("name");
        return serving.find(org.id().value(), name).orElseThrow(() -> IncubatorException.notFound("deployment",
                org.name() + "/" + name));
    }

    /** What the policy engine decides about: the deployment, its reach and the organisations it is shared with. */
    /**
     * A deployment callable beyond its organisation needs the policy engine's leave (deployment_expose: its
     * high-risk applications' ethical review approved, in date and current).
     */
    private Deployment exposable(Call call, Deployment deployment) {
        if (deployment.access() != Deployment.Access.PRIVATE) {
            access.check(Subjects.of(call), Action.DEPLOYMENT_EXPOSE, resource(deployment));
        }
        return deployment;
    }

    public static Resource.Deployment resource(Deployment deployment) {
        return new Resource.Deployment(deployment.id(), deployment.modelId(), deployment.orgId(),
                deployment.orgName(), Resource.Reach.valueOf(deployment.access().name()), deployment.sharedWith());
    }

    DeploymentView view(Deployment d) {
        List<Replica> replicas = serving.replicas(d.id());
        List<String> shared = d.sharedWith().stream().map(id -> organisationById.apply(id).map(Organisation::name)
                .orElse(id)).sorted().toList();
        return new DeploymentView(d.id(), d.modelId(), d.orgName(), d.name(), d.model(), d.revision(),
                d.engine().name().toLowerCase(Locale.ROOT), d.command(), d.minReplicas(), d.maxReplicas(),
                BigDecimal.valueOf(d.gpuMillis(), 3).stripTrailingZeros(), d.cpus(), d.memoryMib(),
                d.idleTimeout().toSeconds(), d.access().name().toLowerCase(Locale.ROOT), shared,
                new LimitsView(d.limits().requestsPerMinute(), d.limits().tokensPerMinute(),
                        d.limits().monthlyTokensPerOrganisation()), d.explicitLabel(), d.logContent(),
                d.retentionDays(), (int) replicas.stream().filter(r -> r.state() == Replica.State.READY).count(),
                serving.inFlight(d), replicas.stream().map(ReplicaView::of).toList(), d.createdBy(), d.createdAt(),
                d.updatedAt(), d.version());
    }

    private static RequestView request(UsageRecord u) {
        return new RequestView(u.id(), u.at(), u.modelId(), u.revision(), u.route(), u.tokenId(), u.actor(),
                u.callerOrgId(), u.promptTokens(), u.completionTokens(), u.latencyMillis(), u.status(),
                u.replicaJob(), u.produceId(), u.content());
    }

    private UsageView usage(Call call, Deployment d) {
        Instant since = call.queryTime("since").orElse(Quotas.monthStart(clock.instant()));
        String groupBy = call.query("group_by").orElse("token");
        ServingStore.GroupBy group = switch (groupBy) {
            case "token" -> ServingStore.GroupBy.TOKEN;
            case "model" -> ServingStore.GroupBy.MODEL;
            case "organisation" -> ServingStore.GroupBy.CALLER_ORGANISATION;
            default -> throw IncubatorException.validation("group_by", "must be token, model or organisation");
        };
        List<ServingStore.UsageGroup> groups = serving.store().read(r -> r.usage(d.orgId(), Optional.of(d.id()),
                since, group));
        long requests = groups.stream().mapToLong(ServingStore.UsageGroup::requests).sum();
        long tokens = groups.stream().mapToLong(ServingStore.UsageGroup::totalTokens).sum();
        Set<String> jobs = new HashSet<>();
        serving.store().read(r -> r.history(d.id(), 10_000)).forEach(replica -> jobs.add(replica.jobId()));
        double gpuHours = 0;
        double kwh = 0;
        double co2 = 0;
        for (ComputeService.UsageReport.Line line : compute.usage(d.orgId(), since, energy).perJob()) {
            if (jobs.contains(line.key())) {
                gpuHours += line.gpuHours();
                kwh += line.energyKwh();
                co2 += line.co2eKg();
            }
        }
        Optional<Double> perKwh = tokens == 0 ? Optional.empty() : Optional.of(kwh * 1000.0 / tokens);
        Optional<Double> perCo2 = tokens == 0 ? Optional.empty() : Optional.of(co2 * 1000.0 * 1000.0 / tokens);
        String label = switch (group) {
            case TOKEN -> "token";
            case MODEL -> "model";
            case CALLER_ORGANISATION -> "organisation";
        };
        List<UsageLine> lines = groups.stream().map(g -> new UsageLine(group == ServingStore.GroupBy
                .CALLER_ORGANISATION ? organisationById.apply(g.key()).map(Organisation::name).orElse(g.key())
                : g.key(), g.requests(), g.promptTokens(), g.completionTokens(), g.totalTokens(), g.errors(),
                g.requests() == 0 ? 0 : (double) g.latencyMillisTotal() / g.requests())).toList();
        return new UsageView(d.modelId(), since, label, lines, requests, tokens, gpuHours, kwh, co2, perKwh, perCo2);
    }

    // ------------------------------------------------------------------------------------------- writing

    private Deployment fromBody(Call call, Organisation org, BodySpec.Body body) {
        Subject subject = Subjects.of(call);
        Matcher model = MODEL.matcher(body.string("model"));
        if (!model.matches()) {
            throw IncubatorException.validation("model", "'" + body.string("model") + "' must name a hub model as"
                    + " models/NAMESPACE/NAME, optionally @REVISION");
        }
        Deployment.Engine engine = Deployment.Engine.valueOf(body.optionalString("engine").orElse("builtin")
                .toUpperCase(Locale.ROOT));
        String revision = revision(subject, model.group(1), Optional.ofNullable(model.group(2)), engine);
        int[] replicas = replicas(body.optionalString("replicas").orElse("1"));
        int gpuMillis = body.optionalNumber("gpus").map(DeploymentRoutes::millis).orElse(0);
        Deployment.Access reach = Deployment.Access.valueOf(body.optionalString("access").orElse("private")
                .toUpperCase(Locale.ROOT));
        Optional<String> label = body.optionalString("explicit_label").map(text -> text.equals("default")
                ? ContentLabel.DEFAULT_EXPLICIT : text);
        Instant now = clock.instant();
        Deployment deployment = new Deployment("dep_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20),
                org.id().value(), org.name(), body.string("name"), model.group(1), revision, engine,
                body.optionalStrings("command"), replicas[0], replicas[1], gpuMillis,
                body.optionalInteger("cpus").orElse(1), body.optionalInteger("memory_mib").orElse(2048),
                Duration.ofSeconds(body.optionalInteger("idle_seconds").orElse(600)), reach,
                sharedWith(org, body.optionalStrings("shared_with")), new Deployment.Limits(
                        body.optionalInteger("requests_per_minute").orElse(0),
                        body.optionalInteger("tokens_per_minute").orElse(0),
                        body.optionalInteger("monthly_tokens").orElse(0)), label,
                body.optionalBoolean("log_content").orElse(false), body.optionalInteger("retention_days").orElse(30),
                Deployment.State.ACTIVE, call.principal().user().name(), now, now, 1);
        ServingService.validate(deployment);
        return deployment;
    }

    private Deployment changed(Call call, Deployment current, BodySpec.Body body) {
        Instant now = clock.instant();
        Deployment next = current;
        if (body.optionalString("replicas").isPresent()) {
            int[] replicas = replicas(body.optionalString("replicas").get());
            next = next.withReplicas(replicas[0], replicas[1], now);
        }
        if (body.optionalString("model").isPresent()) {
            Matcher model = MODEL.matcher(body.optionalString("model").get());
            if (!model.matches() || !model.group(1).equals(current.model())) {
                throw IncubatorException.validation("model", "must be a revision of " + current.model() + ", e.g. "
                        + current.model() + "@main; deploy another model as another deployment");
            }
            String revision = revision(Subjects.of(call), model.group(1), Optional.ofNullable(model.group(2)),
                    current.engine());
            if (!revision.equals(current.revision())) {
                next = next.withRevision(revision, now);
            }
        }
        if (body.optionalString("access").isPresent() || !body.optionalStrings("shared_with").isEmpty()) {
            Deployment.Access reach = body.optionalString("access").map(v -> Deployment.Access.valueOf(v
                    .toUpperCase(Locale.ROOT))).orElse(current.access());
            Set<String> shared = body.optionalStrings("shared_with").isEmpty() && reach == Deployment.Access.SHARED
                    ? current.sharedWith() : sharedWith(organisation(current), body.optionalStrings("shared_with"));
            next = next.withAccess(reach, shared, now);
        }
        if (body.optionalInteger("requests_per_minute").isPresent() || body.optionalInteger("tokens_per_minute")
                .isPresent() || body.optionalInteger("monthly_tokens").isPresent()) {
            Deployment.Limits limits = current.limits();
            next = next.withLimits(new Deployment.Limits(body.optionalInteger("requests_per_minute")
                    .orElse(limits.requestsPerMinute()), body.optionalInteger("tokens_per_minute")
                    .orElse(limits.tokensPerMinute()), body.optionalInteger("monthly_tokens")
                    .map(Integer::longValue).orElse(limits.monthlyTokensPerOrganisation())), now);
        }
        if (next == current) {
            throw IncubatorException.validation("(body)", "change at least one of replicas, model, access,"
                    + " shared_with or a limit");
        }
        // Each with* counted a version; the store expects exactly one step from what was read.
        return versioned(next, current.version() + 1);
    }

    private Organisation organisation(Deployment deployment) {
        return organisationById.apply(deployment.orgId()).orElseThrow();
    }

    private static Deployment versioned(Deployment d, long version) {
        return new Deployment(d.id(), d.orgId(), d.orgName(), d.name(), d.model(), d.revision(), d.engine(),
                d.command(), d.minReplicas(), d.maxReplicas(), d.gpuMillis(), d.cpus(), d.memoryMib(),
                d.idleTimeout(), d.access(), d.sharedWith(), d.limits(), d.explicitLabel(), d.logContent(),
                d.retentionDays(), d.state(), d.createdBy(), d.createdAt(), d.updatedAt(), version);
    }

    /** The commit the deployment serves: the model must be readable by its creator and, built in, be a checkpoint. */
    private String revision(Subject subject, String model, Optional<String> revision, Deployment.Engine engine) {
        String[] parts = model.split("/");
        Repo repo = hub.find(subject, RepoKind.MODEL, parts[1], parts[2], Action.REPO_READ);
        Commit commit = hub.resolve(repo, revision.orElse("main"));
        if (engine == Deployment.Engine.BUILTIN) {
            Set<String> files = new TreeSet<>();
            for (TreeEntry entry : commit.tree()) {
                files.add(entry.path());
            }
            List<String> missing = new ArrayList<>();
            for (String needed : List.of("config.json", "model.safetensors", "tokenizer.json")) {
                if (!files.contains(needed)) {
                    missing.add(needed);
                }
            }
            if (!missing.isEmpty()) {
                throw IncubatorException.validation("model", model + "@" + commit.id().substring(0, 12) + " lacks "
                        + String.join(", ", missing) + ": the built-in engine serves llama-family checkpoints"
                        + " (what the toolkit's templates publish); use the command engine for other formats");
            }
        }
        return commit.id();
    }

    private Set<String> sharedWith(Organisation owner, List<String> names) {
        Set<String> ids = new LinkedHashSet<>();
        for (String name : names) {
            Organisation org = organisationByName.apply(name).orElseThrow(() -> IncubatorException.validation(
                    "shared_with", "no organisation '" + name + "'"));
            if (!org.id().equals(owner.id())) {
                ids.add(org.id().value());
            }
        }
        return ids;
    }

    static int[] replicas(String text) {
        Matcher matcher = REPLICAS.matcher(text.trim());
        if (!matcher.matches()) {
            throw IncubatorException.validation("replicas", "'" + text + "' is not MIN..MAX or N; " + REPLICAS_HELP);
        }
        int min = Integer.parseInt(matcher.group(1));
        int max = matcher.group(2) == null ? Math.max(min, 1) : Integer.parseInt(matcher.group(2));
        return new int[] {min, max};
    }

    private static int millis(BigDecimal gpus) {
        if (gpus.signum() < 0 || gpus.compareTo(BigDecimal.valueOf(8)) > 0) {
            throw IncubatorException.validation("gpus", "must be between 0 and 8 per replica, e.g. 0.25");
        }
        return gpus.multiply(BigDecimal.valueOf(1000)).setScale(0, RoundingMode.HALF_UP).intValueExact();
    }
}
