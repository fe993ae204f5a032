package dev.incubator.server.eval;

import static dev.incubator.server.api.BodySpec.Type.BOOLEAN;
import static dev.incubator.server.api.BodySpec.Type.INTEGER;
import static dev.incubator.server.api.BodySpec.Type.STRING;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.incubator.common.ErrorCode;
import dev.incubator.common.Ids;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.Page;
import dev.incubator.common.access.AccessControl;
import dev.incubator.common.access.Action;
import dev.incubator.common.access.Resource;
import dev.incubator.common.access.Subject;
import dev.incubator.eval.EvalRecord;
import dev.incubator.eval.EvalRun;
import dev.incubator.eval.EvalStore;
import dev.incubator.eval.Leaderboard;
import dev.incubator.eval.Method;
import dev.incubator.eval.TaskSpec;
import dev.incubator.governance.audit.VerifiableAuditLog;
import dev.incubator.governance.audit.Witnesses;
import dev.incubator.hub.HubService;
import dev.incubator.hub.repo.Commit;
import dev.incubator.hub.repo.Repo;
import dev.incubator.hub.repo.RepoKind;
import dev.incubator.server.JobRuntime;
import dev.incubator.server.serving.Serving;
import dev.incubator.serving.Deployment;
import dev.incubator.server.api.ApiRoute;
import dev.incubator.server.api.AuditRoutes;
import dev.incubator.server.api.BodySpec;
import dev.incubator.server.api.Call;
import dev.incubator.server.api.ComputeRoutes;
import dev.incubator.server.api.Subjects;
import dev.incubator.server.api.TenancyRoutes;
import dev.incubator.server.api.Views.PageView;
import dev.incubator.tenancy.Organisation;
import dev.incubator.tenancy.TenancyService;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Evaluation's routes: schedule a run (a job of the organisation, metered to its grant, that scores a model commit
 * on a benchmark commit with the built-in engine), follow it, read its items and its proof, and the leaderboards.
 * Access is the policy engine's: running needs {@code eval_run} in the organisation and read access to both
 * repositories; a run is seen by its organisation; a leaderboard row by whoever may see the model and the benchmark.
 */
public final class EvalRoutes {
    static final String TASK_FILE = "task.yaml";
    private static final long MAX_TASK_BYTES = 256 * 1024;
    private static final int MAX_SHOTS = 25;
    private static final int MAX_LINEAGE = 16;
    private static final Pattern REPO = Pattern.compile("(models|datasets)/([A-Za-z0-9][A-Za-z0-9._-]{0,95})/"
            + "([A-Za-z0-9][A-Za-z0-9._-]{0,95})(?:@([A-Za-z0-9._/-]{1,200}))?");
    private static final BodySpec SUBMIT = BodySpec.named("SubmitEvaluation")
            .optional("model", STRING, "the model, e.g. models/lab/tiny-zh or models/lab/tiny-zh@<revision>"
                    + " (default main): a llama-family checkpoint the built-in engine runs in the job")
            .optional("deployment", STRING, "instead of model: an existing deployment you may call, ORG/NAME, scored"
                    + " through the gateway (prompt log-probabilities with echo); the run pins the commit it serves")
            .required("benchmark", STRING, "the benchmark: a dataset repository with a task.yaml, e.g."
                    + " datasets/incubator/xcopa-zh@<revision> (default main)")
            .optionalEnum("method", List.of("loglikelihood", "letter", "generate"), "how items are scored (default:"
                    + " the task's first method)")
            .optional("shots", INTEGER, "few-shot examples per item, 0-" + MAX_SHOTS + " (default 0)")
            .optional("seed", INTEGER, "seed of the few-shot selection (default 1234)")
            .optional("limit", INTEGER, "score only the first N items (default 0: all)")
            .optional("contamination", BOOLEAN, "check the items against the model's training datasets, from its"
                    + " card's lineage (default true)")
            .optional("cpus", INTEGER, "CPUs of the job, also its parallelism (default 2)")
            .optional("memory_mib", INTEGER, "memory of the job in MiB (default 4096)")
            .optional("time_limit_minutes", INTEGER, "the job's wall-clock limit (default 60)")
            .build();

    private final EvalStore store;
    private final EvalCollector collector;
    private final TenancyService tenancy;
    private final AccessControl access;
    private final ComputeRoutes compute;
    private final HubService hub;
    private final JobRuntime runtime;
    private final VerifiableAuditLog log;
    private final Witnesses witnesses;
    private final ObjectMapper json;
    private final Clock clock;
    private final Function<String, Optional<Deployment>> deployments;

    public EvalRoutes(EvalStore store, EvalCollector collector, TenancyService tenancy, AccessControl access,
                      ComputeRoutes compute, HubService hub, JobRuntime runtime, VerifiableAuditLog log,
                      Witnesses witnesses, ObjectMapper json, Clock clock,
                      Function<String, Optional<Deployment>> deployments) {
        this.deployments = deployments;
        this.store = store;
        this.collector = collector;
        this.tenancy = tenancy;
        this.access = access;
        this.compute = compute;
        this.hub = hub;
        this.runtime = runtime;
        this.log = log;
        this.witnesses = witnesses;
        this.json = json;
        this.clock = clock;
    }

    public record ProgressView(int done, int total) {
    }

    public record ContaminationView(String verdict, Map<String, String> datasets, int checked, int contaminated,
                                    List<String> items) {
        static ContaminationView of(EvalRun.ContaminationCheck check) {
            return new ContaminationView(check.verdict(), check.datasets(), check.checked(),
                    check.contaminated().size(), check.contaminated());
        }
    }

    public record SummaryView(String subject, int n, int correct, double accuracy, double low, double high,
                              Optional<Double> accuracyNormalised) {
    }

    /** A run: what it pinned, its job and state, progress while it runs, and its signed record once done. */
    public record EvalView(String id, String organisation, String model, String modelCommit, String benchmark,
                           String benchmarkCommit, String task, String taskSha256, String method, int shots,
                           long seed, int limit, boolean heldOut, String license, boolean nonCommercial, String job,
                           Optional<String> deployment, String state, Optional<String> message, Optional<ProgressView> progress,
                           List<SummaryView> summaries, Optional<String> interval, Optional<String> recordSha256,
                           Optional<Long> auditSequence, Optional<ContaminationView> contamination, String createdBy,
                           Instant createdAt, Instant updatedAt) {
    }

    public record ItemView(long position, Map<String, Object> item) {
    }

    /** What 'incubator eval verify' checks offline: the record, its audit event and the event's proof. */
    public record ProofView(String evaluation, Map<String, Object> record, String recordSha256, long auditSequence,
                            AuditRoutes.ExportView audit) {
    }

    public record LeaderboardView(List<BoardView> boards) {
    }

    public record BoardView(String benchmark, String benchmarkCommit, String task, String taskSha256,
                            String templateSha256, String method, int shots, String subject, String interval,
                            List<Leaderboard.Row> rows) {
    }

    public List<ApiRoute> routes() {
        String prefix = TenancyRoutes.PREFIX;
        String one = prefix + "/evaluations/{evaluation}";
        return List.of(
                ApiRoute.post(prefix + "/orgs/{org}/evaluations", "submitEvaluation").tag("evaluation")
                        .summary("Evaluate a model commit on a benchmark commit as a job of the organisation,"
                                + " metered to its grant")
                        .body(SUBMIT).status(201).returns(EvalView.class)
                        .handle(call -> {
                            Organisation org = tenancy.authorize(call.caller(), call.path("org"), Action.EVAL_RUN);
                            return view(submit(call, org, call.body(SUBMIT)));
                        }),
                ApiRoute.get(prefix + "/orgs/{org}/evaluations", "listEvaluations").tag("evaluation")
                        .summary("The organisation's evaluation runs, newest first").pageOf(EvalView.class)
                        .handle(call -> {
                            Organisation org = tenancy.authorize(call.caller(), call.path("org"), Action.EVAL_READ);
                            Page<EvalRun> page = store.read(r -> r.list(org.id().value(), call.page()));
                            return PageView.of(page, this::view);
                        }),
                ApiRoute.get(one, "getEvaluation").tag("evaluation")
                        .summary("A run: its pins, job, state and progress, and once done its summaries, signed record"
                                + " and contamination check").returns(EvalView.class)
                        .handle(call -> view(collector.refresh(run(call)))),
                ApiRoute.get(one + "/items", "listEvaluationItems").tag("evaluation")
                        .summary("A run's per-item results in order (prompt hash, options' scores, prediction, gold,"
                                + " correct); refused for a held-out benchmark, which reports aggregates only")
                        .pageOf(ItemView.class)
                        .handle(call -> items(call, run(call))),
                ApiRoute.get(one + "/proof", "getEvaluationProof").tag("evaluation")
                        .summary("The run's record with its audit event and inclusion proof, for 'incubator eval"
                                + " verify' offline").returns(ProofView.class)
                        .handle(call -> proof(run(call))),
                ApiRoute.get(prefix + "/leaderboards", "getLeaderboards").tag("evaluation")
                        .summary("Leaderboards: comparable records only (same benchmark commit, task spec and"
                                + " template, method and shots), with intervals; rows the caller may see")
                        .query("benchmark", "only this benchmark, e.g. datasets/incubator/xcopa-zh")
                        .query("subject", "a subject or category's scores instead of the overall ('all')")
                        .query("organisation", "only runs of this organisation")
                        .returns(LeaderboardView.class)
                        .handle(this::leaderboards));
    }

    // ------------------------------------------------------------------------------------------------ submit

    private record Target(RepoKind kind, String namespace, String name, String revision) {
        String fullName() {
            return (kind == RepoKind.MODEL ? "models/" : "datasets/") + namespace + "/" + name;
        }
    }

    private static Target target(String field, String value, RepoKind kind) {
        Matcher matcher = REPO.matcher(value);
        String plural = kind == RepoKind.MODEL ? "models" : "datasets";
        if (!matcher.matches() || !matcher.group(1).equals(plural)) {
            throw IncubatorException.validation(field, "must name a " + (kind == RepoKind.MODEL ? "model" : "dataset")
                    + " repository as " + plural + "/ORG/NAME or " + plural + "/ORG/NAME@REVISION, not '" + value
                    + "'");
        }
        return new Target(kind, matcher.group(2), matcher.group(3), Optional.ofNullable(matcher.group(4))
                .orElse("main"));
    }

    private EvalRun submit(Call call, Organisation org, BodySpec.Body body) {
        Subject subject = Subjects.of(call);
        Optional<String> deploymentName = body.optionalString("deployment");
        if (deploymentName.isPresent() == body.optionalString("model").isPresent()) {
            throw IncubatorException.validation("model", "give either model (a hub model the built-in engine runs in"
                    + " the job) or deployment (an existing deployment, called through the gateway), not "
                    + (deploymentName.isPresent() ? "both" : "neither"));
        }
        Optional<Deployment> deployment = deploymentName.map(name -> deployments.apply(name)
                .filter(found -> access.allows(subject, Action.DEPLOYMENT_CALL, Serving.resource(found))
                        && access.allows(subject.onlyIn(org.id().value()), Action.DEPLOYMENT_CALL,
                        Serving.resource(found)))
                .orElseThrow(() -> IncubatorException.notFound("deployment", name)));
        Target modelTarget = target("model", deployment.map(found -> found.model() + "@" + found.revision())
                .orElseGet(() -> body.string("model")), RepoKind.MODEL);
        Target benchmarkTarget = target("benchmark", body.string("benchmark"), RepoKind.DATASET);
        int shots = body.optionalInteger("shots").orElse(0);
        int limit = body.optionalInteger("limit").orElse(0);
        int cpus = body.optionalInteger("cpus").orElse(2);
        int memory = body.optionalInteger("memory_mib").orElse(4096);
        if (shots < 0 || shots > MAX_SHOTS) {
            throw IncubatorException.validation("shots", "must be between 0 and " + MAX_SHOTS);
        }
        if (limit < 0) {
            throw IncubatorException.validation("limit", "must not be negative (0: every item)");
        }
        if (cpus < 1 || cpus > 64) {
            throw IncubatorException.validation("cpus", "must be between 1 and 64");
        }
        if (memory < 512) {
            throw IncubatorException.validation("memory_mib", "must be at least 512: the engine and the benchmark"
                    + " are held in memory");
        }
        // Through a deployment the caller needs not read the model's files: its repository may be another's.
        Optional<Repo> modelRepo = deployment.isPresent() ? readable(subject, RepoKind.MODEL, modelTarget.namespace()
                + "/" + modelTarget.name()) : Optional.of(hub.find(subject, RepoKind.MODEL, modelTarget.namespace(),
                modelTarget.name(), Action.REPO_READ));
        String modelCommitId = deployment.map(Deployment::revision).orElseGet(() -> hub.resolve(modelRepo.get(),
                modelTarget.revision()).id());
        Set<String> files = new java.util.HashSet<>();
        if (deployment.isEmpty()) {
            hub.resolve(modelRepo.get(), modelCommitId).tree().forEach(entry -> files.add(entry.path()));
        }
        List<String> missing = deployment.isPresent() ? List.of() : java.util.stream.Stream.of("config.json",
                "model.safetensors", "tokenizer.json").filter(file -> !files.contains(file)).toList();
        if (!missing.isEmpty()) {
            throw IncubatorException.validation("model", modelTarget.fullName() + "@" + modelCommitId
                    .substring(0, 12) + " lacks " + String.join(", ", missing) + ": the built-in engine evaluates"
                    + " llama-family checkpoints (what the toolkit's templates publish)");
        }
        HubService.Reading benchmarkReading = hub.findForRead(subject, RepoKind.DATASET, benchmarkTarget.namespace(),
                benchmarkTarget.name());
        Commit benchmarkCommit = hub.resolve(benchmarkReading.repo(), benchmarkTarget.revision());
        TaskSpec spec = TaskSpec.parse(taskFile(benchmarkReading.repo(), benchmarkCommit, benchmarkTarget));
        Method method = body.optionalString("method").map(EvalRecord::method).orElse(spec.defaultMethod());
        if (!spec.methods().contains(method)) {
            throw IncubatorException.validation("method", spec.name() + " declares " + spec.methods().stream()
                    .map(Method::wire).sorted().toList() + ", not " + method.wire() + " (its task.yaml 'methods')");
        }
        long seed = body.optionalInteger("seed").orElse(1234);
        SortedLineage lineage = body.optionalBoolean("contamination").orElse(true) && modelRepo.isPresent()
                ? lineage(subject, modelRepo.get()) : new SortedLineage(new TreeMap<>());

        List<String> arguments = new ArrayList<>(List.of("--benchmark", benchmarkTarget.fullName()));
        arguments.addAll(deployment.isPresent() ? List.of("--endpoint", "platform", "--served", deployment.get()
                .modelId()) : List.of("--model", modelTarget.fullName()));
        arguments.addAll(List.of("--method", method.wire(), "--shots", Integer.toString(shots), "--seed",
                Long.toString(seed), "--limit", Integer.toString(limit), "--parallel", Integer.toString(cpus),
                "--model-name", modelTarget.fullName(), "--model-commit", modelCommitId, "--benchmark-name",
                benchmarkTarget.fullName(), "--benchmark-commit", benchmarkCommit.id(), "--out",
                EvalCollector.OUTPUT));
        List<String> mounts = new ArrayList<>(List.of(benchmarkTarget.fullName() + "@" + benchmarkCommit.id()));
        if (deployment.isEmpty()) {
            mounts.add(modelTarget.fullName() + "@" + modelCommitId);
        }
        if (!lineage.datasets().isEmpty()) {
            arguments.addAll(List.of("--corpus", String.join(",", lineage.datasets().keySet())));
            lineage.datasets().forEach((name, commit) -> {
                if (!name.equals(benchmarkTarget.fullName())) {
                    mounts.add(name + "@" + commit);
                }
            });
        }
        ObjectNode job = json.createObjectNode();
        job.put("name", "eval-" + spec.name().replaceAll("[^A-Za-z0-9._-]", "-"));
        job.set("command", json.valueToTree(runtime.command(JobRuntime.EVALUATION, Math.max(256, memory / 2),
                arguments)));
        job.put("cpus", cpus);
        job.put("memory_mib", memory);
        job.put("time_limit_minutes", body.optionalInteger("time_limit_minutes").orElse(60));
        job.set("mounts", json.valueToTree(mounts));
        ComputeRoutes.JobView submitted = compute.submit(call, org, ComputeRoutes.submitBody(job));

        Instant now = clock.instant();
        EvalRun run = new EvalRun(Ids.next("eval", clock), org.id().value(), org.name(), modelTarget.fullName(),
                modelCommitId, benchmarkTarget.fullName(), benchmarkCommit.id(), spec.name(), spec.sha256(),
                method, shots, seed, limit, spec.heldOut(), spec.license(), spec.nonCommercial(), submitted.id(),
                deployment.map(Deployment::modelId), EvalRun.State.QUEUED, Optional.empty(), Optional.empty(), Optional.empty(),
                lineage.datasets().isEmpty() ? Optional.empty() : Optional.of(new EvalRun.ContaminationCheck(
                        lineage.datasets(), 0, List.of())), call.principal().user().name(), now, now);
        store.write(r -> {
            r.insert(run);
            return null;
        });
        return run;
    }

    private record SortedLineage(java.util.SortedMap<String, String> datasets) {
    }

    /**
     * The datasets the model was trained on, from its card and its base models' cards (breadth first, at most
     * {@value #MAX_LINEAGE} repositories), each at its head commit; only those the caller may read: the job reads them
     * as the caller, and a dataset the caller can not read is not checked (its name is not revealed either).
     */
    private SortedLineage lineage(Subject subject, Repo model) {
        java.util.SortedMap<String, String> datasets = new TreeMap<>();
        Deque<Repo> queue = new ArrayDeque<>(List.of(model));
        Set<String> seen = new LinkedHashSet<>();
        while (!queue.isEmpty() && seen.size() < MAX_LINEAGE) {
            Repo repo = queue.removeFirst();
            if (!seen.add(repo.id())) {
                continue;
            }
            repo.card().ifPresent(card -> {
                for (String dataset : card.datasets()) {
                    readable(subject, RepoKind.DATASET, dataset).ifPresent(found -> datasets.put("datasets/"
                            + found.fullName(), hub.resolve(found, "main").id()));
                }
                for (String base : card.baseModel()) {
                    readable(subject, RepoKind.MODEL, base).ifPresent(queue::addLast);
                }
            });
        }
        return new SortedLineage(datasets);
    }

    private Optional<Repo> readable(Subject subject, RepoKind kind, String fullName) {
        String[] parts = fullName.split("/");
        if (parts.length != 2) {
            return Optional.empty();
        }
        return hub.lookup(kind, parts[0], parts[1]).filter(repo -> access.allows(subject, Action.REPO_READ,
                repo.resource()));
    }

    private String taskFile(Repo repo, Commit commit, Target target) {
        if (commit.tree().stream().noneMatch(entry -> entry.path().equals(TASK_FILE))) {
            throw IncubatorException.validation("benchmark", target.fullName() + "@" + commit.id().substring(0, 12)
                    + " has no " + TASK_FILE + ": a benchmark is a dataset with a task spec (see docs/evaluation.md)");
        }
        HubService.Download download = hub.download(repo, commit, TASK_FILE);
        if (download.entry().size() > MAX_TASK_BYTES) {
            throw IncubatorException.validation("benchmark", TASK_FILE + " is " + download.entry().size()
                    + " bytes; a task spec is at most " + MAX_TASK_BYTES);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            hub.copy(download, 0, download.entry().size(), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            return bytes.toString(StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            throw IncubatorException.validation("benchmark", TASK_FILE + " is not UTF-8 text");
        }
    }

    // ------------------------------------------------------------------------------------------------ reads

    private EvalRun run(Call call) {
        String id = call.path("evaluation");
        EvalRun run = store.read(r -> r.find(id)).orElseThrow(() -> IncubatorException.notFound("evaluation", id));
        if (!access.allows(Subjects.of(call), Action.EVAL_READ, new Resource.Organisation(run.orgId(),
                run.orgName()))) {
            throw IncubatorException.notFound("evaluation", id);
        }
        return run;
    }

    private PageView<ItemView> items(Call call, EvalRun run) {
        if (run.heldOut()) {
            throw new IncubatorException(ErrorCode.FORBIDDEN, run.benchmark() + " is a held-out benchmark: its runs"
                    + " report aggregates only, never items (see the run's summaries)");
        }
        if (run.state() != EvalRun.State.SUCCEEDED) {
            throw new IncubatorException(ErrorCode.CONFLICT, "evaluation " + run.id() + " is " + run.state().wire()
                    + "; its items are stored when it succeeds");
        }
        Page<String> page = store.read(r -> r.items(run.id(), call.page()));
        long first = call.page().after().map(Long::parseLong).map(after -> after + 1).orElse(0L);
        List<ItemView> views = new ArrayList<>();
        for (int i = 0; i < page.items().size(); i++) {
            views.add(new ItemView(first + i, EvalCollector.itemMap(page.items().get(i))));
        }
        return new PageView<>(views, page.nextCursor());
    }

    private ProofView proof(EvalRun run) {
        if (run.record().isEmpty() || run.auditSequence().isEmpty()) {
            throw new IncubatorException(ErrorCode.CONFLICT, "evaluation " + run.id() + " is " + run.state().wire()
                    + "; a record and its proof exist once it succeeds");
        }
        long size = log.head().treeSize();
        VerifiableAuditLog.Inclusion inclusion = log.inclusion(run.auditSequence().get(), size);
        VerifiableAuditLog.Export export = log.export(inclusion.leafIndex(), inclusion.leafIndex() + 1, size);
        try {
            return new ProofView(run.id(), json.readValue(run.record().get().canonicalJson(),
                    new com.fasterxml.jackson.core.type.TypeReference<java.util.LinkedHashMap<String, Object>>() {
                    }),
                    run.record().get().sha256(), run.auditSequence().get(), AuditRoutes.exportView(export,
                    witnesses.cosignatures(size), inclusion.leafIndex(), inclusion.leafIndex() + 1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private LeaderboardView leaderboards(Call call) {
        Subject subject = Subjects.of(call);
        Optional<String> benchmark = call.query("benchmark").map(value -> target("benchmark", value,
                RepoKind.DATASET)).map(Target::fullName);
        Optional<String> organisation = call.query("organisation");
        String subjectName = call.query("subject").orElse("all");
        Map<String, Boolean> visible = new HashMap<>();
        List<EvalRun> runs = store.read(r -> r.succeeded(benchmark)).stream()
                .filter(run -> organisation.map(run.orgName()::equals).orElse(true))
                .filter(run -> visible.computeIfAbsent(run.model(), name -> sees(subject, name))
                        && visible.computeIfAbsent(run.benchmark(), name -> sees(subject, name)))
                .toList();
        return new LeaderboardView(Leaderboard.of(runs, subjectName).stream().map(board -> new BoardView(
                board.key().benchmark(), board.key().benchmarkCommit(), board.key().task(), board.key().taskSha256(),
                board.key().templateSha256(), board.key().method().wire(), board.key().shots(), board.subject(),
                board.interval(), board.rows())).toList());
    }

    private boolean sees(Subject subject, String fullName) {
        Matcher matcher = REPO.matcher(fullName);
        if (!matcher.matches()) {
            return false;
        }
        RepoKind kind = matcher.group(1).equals("models") ? RepoKind.MODEL : RepoKind.DATASET;
        return hub.lookup(kind, matcher.group(2), matcher.group(3)).map(repo -> access.allows(subject,
                Action.REPO_SEE, repo.resource())).orElse(false);
    }

    EvalView view(EvalRun run) {
        List<SummaryView> summaries = run.record().map(record -> record.summaries().stream().map(one ->
                new SummaryView(one.subject(), one.n(), one.correct(), one.accuracy(), one.low(), one.high(),
                        one.accuracyNormalised())).toList()).orElse(List.of());
        return new EvalView(run.id(), run.orgName(), run.model(), run.modelCommit(), run.benchmark(),
                run.benchmarkCommit(), run.task(), run.taskSha256(), run.method().wire(), run.shots(), run.seed(),
                run.limit(), run.heldOut(), run.license(), run.nonCommercial(), run.jobId(), run.deployment(),
                run.state().wire(),
                run.message(), run.state().isFinal() ? Optional.empty() : collector.progress(run).map(done ->
                new ProgressView(done[0], done[1])), summaries, run.record().map(EvalRecord::interval),
                run.record().map(EvalRecord::sha256), run.auditSequence(), run.contamination()
                .filter(check -> run.state() == EvalRun.State.SUCCEEDED).map(ContaminationView::of),
                run.createdBy(), run.createdAt(), run.updatedAt());
    }
}
