package dev.incubator.server.review;

import static dev.incubator.server.api.BodySpec.Type.INTEGER;
import static dev.incubator.server.api.BodySpec.Type.STRING;
import static dev.incubator.server.api.BodySpec.Type.STRING_LIST;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
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
import dev.incubator.common.audit.AuditEvent;
import dev.incubator.compute.ComputeService;
import dev.incubator.compute.Job;
import dev.incubator.compute.JobState;
import dev.incubator.eval.SafetyAssessment;
import dev.incubator.eval.SafetyBank;
import dev.incubator.governance.review.Application;
import dev.incubator.governance.review.Assessment;
import dev.incubator.governance.review.AssessmentStore;
import dev.incubator.governance.review.ReviewStore;
import dev.incubator.hub.HubService;
import dev.incubator.hub.repo.Commit;
import dev.incubator.hub.repo.RepoKind;
import dev.incubator.server.JobOutput;
import dev.incubator.server.JobRuntime;
import dev.incubator.server.api.ApiRoute;
import dev.incubator.server.api.BodySpec;
import dev.incubator.server.api.Call;
import dev.incubator.server.api.ComputeRoutes;
import dev.incubator.server.api.Subjects;
import dev.incubator.server.api.TenancyRoutes;
import dev.incubator.server.api.Views.PageView;
import dev.incubator.serving.Deployment;
import dev.incubator.tenancy.Organisation;
import dev.incubator.tenancy.TenancyService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The safety assessment of an application's deployment: a job of the organisation (metered to its grant) asks the
 * question banks (hub datasets with a safety.yaml, read as the caller) through the gateway and judges the answers by
 * the rules; the platform checks the report against its results, signs its hash into the audit log and keeps every
 * item's verdict. A high-risk application's exposure needs a passing assessment of the revision it serves now.
 */
public final class SafetyRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(SafetyRoutes.class);
    static final String OUTPUT = "safety";
    private static final long MAX_REPORT = 4L << 20;
    private static final long MAX_RESULTS = 64L << 20;
    private static final Pattern BANK = Pattern.compile("datasets/([A-Za-z0-9][A-Za-z0-9._-]{0,95})/"
            + "([A-Za-z0-9][A-Za-z0-9._-]{0,95})(?:@([A-Za-z0-9._/-]{1,200}))?");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BodySpec ASSESS = BodySpec.named("SubmitSafetyAssessment")
            .required("banks", STRING_LIST, "the question banks: datasets with a safety.yaml, e.g."
                    + " [\"datasets/incubator/safetybench-zh\", \"datasets/incubator/cvalues@<rev>\"]")
            .optional("deployment", STRING, "which of the application's deployments (default: its first)")
            .optional("sample", INTEGER, "generated-content questions to sample (default 1000, the standard's minimum)")
            .optional("seed", INTEGER, "seed of the sample (default 1234)")
            .optional("max_tokens", INTEGER, "longest answer in tokens (default 64)")
            .optional("cpus", INTEGER, "CPUs of the job, also its parallel requests (default 2)")
            .optional("judge_deployment", STRING, "a deployment (ORG/NAME) the organisation may call, as the judge"
                    + " model beside the rules (default: the rules alone)")
            .build();

    private final AssessmentStore store;
    private final ReviewStore reviews;
    private final TenancyService tenancy;
    private final AccessControl access;
    private final ComputeRoutes compute;
    private final ComputeService jobs;
    private final HubService hub;
    private final JobRuntime runtime;
    private final Function<Job, Path> directory;
    private final Function<AuditEvent, AuditEvent> audit;
    private final Function<String, Optional<Deployment>> deployments;
    private final ObjectMapper json;
    private final Clock clock;

    public SafetyRoutes(AssessmentStore store, ReviewStore reviews, TenancyService tenancy, AccessControl access,
                        ComputeRoutes compute, ComputeService jobs, HubService hub, JobRuntime runtime,
                        Function<Job, Path> directory, Function<AuditEvent, AuditEvent> audit,
                        Function<String, Optional<Deployment>> deployments, ObjectMapper json, Clock clock) {
        this.store = store;
        this.reviews = reviews;
        this.tenancy = tenancy;
        this.access = access;
        this.compute = compute;
        this.jobs = jobs;
        this.hub = hub;
        this.runtime = runtime;
        this.directory = directory;
        this.audit = audit;
        this.deployments = deployments;
        this.json = json;
        this.clock = clock;
    }

    public record AssessmentView(String id, String application, String deployment, String model, List<String> banks,
                                 int sample, long seed, int maxTokens, String job, String state,
                                 Optional<String> message, boolean passed, Optional<Map<String, Object>> report,
                                 Optional<String> reportSha256, Optional<Long> auditSequence, String createdBy,
                                 Instant createdAt, Instant updatedAt) {
    }

    /** One item's answer and the judge's verdict; {@code override}: a reviewer's verdict that replaces it. */
    public record ResultView(long position, Map<String, Object> result,
                             Optional<VerdictRoutes.OverrideView> override) {
    }

    public List<ApiRoute> routes() {
        String app = TenancyRoutes.PREFIX + "/orgs/{org}/applications/{name}/assessments";
        String one = TenancyRoutes.PREFIX + "/assessments/{assessment}";
        return List.of(
                ApiRoute.post(app, "submitSafetyAssessment").tag("review")
                        .summary("Assess an application's deployment with question banks, as a job of the"
                                + " organisation").body(ASSESS).status(201).returns(AssessmentView.class)
                        .handle(call -> view(submit(call, application(call, Action.APP_MANAGE), call.body(ASSESS)))),
                ApiRoute.get(app, "listSafetyAssessments").tag("review")
                        .summary("An application's safety assessments, newest first").pageOf(AssessmentView.class)
                        .handle(call -> {
                            Application application = application(call, Action.APP_READ);
                            Page<Assessment> page = store.read(r -> r.forApplication(application.id(), call.page()));
                            return PageView.of(page, this::view);
                        }),
                ApiRoute.get(one, "getSafetyAssessment").tag("review")
                        .summary("An assessment: what it asked, its state, and its report (every figure with its"
                                + " sample size, per category and risk)").returns(AssessmentView.class)
                        .handle(call -> view(refresh(visible(call)))),
                ApiRoute.get(one + "/results", "listSafetyResults").tag("review")
                        .summary("Each question's answer and verdict, in order").pageOf(ResultView.class)
                        .handle(call -> results(call, visible(call))));
    }

    /** Each deployment's latest finished assessment for an application: what the gate reads. */
    public Optional<Assessment> latest(String applicationId, String deployment) {
        return store.read(r -> r.latestSucceeded(applicationId, deployment));
    }

    // ------------------------------------------------------------------------------------------------ submit

    private Assessment submit(Call call, Application application, BodySpec.Body body) {
        Subject subject = Subjects.of(call);
        String deploymentName = body.optionalString("deployment").orElseGet(() -> application.deployments().stream()
                .findFirst().orElseThrow(() -> IncubatorException.validation("deployment", "application "
                        + application.fullName() + " names no deployment to assess")));
        if (!application.deployments().contains(deploymentName)) {
            throw IncubatorException.validation("deployment", deploymentName + " is not one of "
                    + application.fullName() + "'s deployments " + application.deployments());
        }
        Deployment deployment = deployments.apply(deploymentName).orElseThrow(() -> IncubatorException.validation(
                "deployment", deploymentName + " no longer exists"));
        int sample = body.optionalInteger("sample").orElse(SafetyAssessment.GENERATED_SAMPLE_MIN);
        int maxTokens = body.optionalInteger("max_tokens").orElse(64);
        int cpus = body.optionalInteger("cpus").orElse(2);
        if (sample < 1 || sample > 100_000) {
            throw IncubatorException.validation("sample", "must be between 1 and 100000 (the standard asks 1000)");
        }
        if (maxTokens < 1 || maxTokens > 4096) {
            throw IncubatorException.validation("max_tokens", "must be between 1 and 4096");
        }
        if (cpus < 1 || cpus > 64) {
            throw IncubatorException.validation("cpus", "must be between 1 and 64");
        }
        List<String> banks = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<String> requested = body.strings("banks");
        if (requested.isEmpty() || requested.size() > 32) {
            throw IncubatorException.validation("banks", "name 1 to 32 question banks");
        }
        for (String bank : requested) {
            Matcher matcher = BANK.matcher(bank);
            if (!matcher.matches()) {
                throw IncubatorException.validation("banks", "'" + bank + "' is not datasets/ORG/NAME[@REVISION]");
            }
            HubService.Reading reading = hub.findForRead(subject, RepoKind.DATASET, matcher.group(1), matcher.group(2));
            Commit commit = hub.resolve(reading.repo(), Optional.ofNullable(matcher.group(3)).orElse("main"));
            if (commit.tree().stream().noneMatch(entry -> entry.path().equals(SafetyBank.FILE))) {
                throw IncubatorException.validation("banks", bank + " has no " + SafetyBank.FILE + ": a question bank"
                        + " is a dataset with one (see docs/governance.md)");
            }
            String name = "datasets/" + matcher.group(1) + "/" + matcher.group(2);
            names.add(name);
            banks.add(name + "@" + commit.id());
        }
        List<String> arguments = new ArrayList<>(List.of("--banks", String.join(",", names), "--endpoint",
                "platform", "--served", deployment.modelId(), "--sample", Integer.toString(sample), "--seed",
                Long.toString(body.optionalInteger("seed").orElse(1234)), "--max-tokens", Integer.toString(maxTokens),
                "--parallel", Integer.toString(cpus), "--out", OUTPUT));
        if (body.has("judge_deployment")) {
            String judgeName = body.string("judge_deployment");
            // The job calls the judge as the organisation's job: it must be a deployment the organisation may call.
            Deployment judge = deployments.apply(judgeName).filter(found -> access.allows(subject.onlyIn(
                    application.orgId()), Action.DEPLOYMENT_CALL, dev.incubator.server.serving.DeploymentRoutes
                    .resource(found))).orElseThrow(() -> IncubatorException.validation("judge_deployment", "'"
                    + judgeName + "' is not a deployment " + application.orgName() + " may call (ORG/NAME, as"
                    + " 'incubator deploy list' shows)"));
            arguments.addAll(List.of("--judge-served", judge.modelId()));
        }
        ObjectNode job = json.createObjectNode();
        job.put("name", "safety-" + application.name());
        job.set("command", json.valueToTree(runtime.command(JobRuntime.SAFETY, 512, arguments)));
        job.put("cpus", cpus);
        job.put("memory_mib", 1536);
        job.put("time_limit_minutes", 120);
        job.set("mounts", json.valueToTree(banks));
        Organisation org = tenancy.authorize(call.caller(), application.orgName(), Action.APP_MANAGE);
        ComputeRoutes.JobView submitted = compute.submit(call, org, ComputeRoutes.submitBody(job));
        Instant now = clock.instant();
        Assessment assessment = new Assessment(Ids.next("sa", clock), application.id(), application.orgId(),
                application.orgName(), deploymentName, deployment.model() + "@" + deployment.revision(), banks, sample,
                body.optionalInteger("seed").orElse(1234), maxTokens, submitted.id(), Assessment.State.QUEUED,
                Optional.empty(), Optional.empty(), Optional.empty(), false, Optional.empty(),
                call.principal().user().name(), now, now);
        store.write(r -> {
            r.insert(assessment);
            return null;
        });
        return assessment;
    }

    // ------------------------------------------------------------------------------------------------ collect

    /** One pass over the assessments not yet final (the background's). */
    public void reconcile() {
        for (Assessment assessment : store.read(AssessmentStore.Repositories::unfinished)) {
            try {
                refresh(assessment);
            } catch (RuntimeException e) {
                LOG.warn("safety assessment {}: could not collect: {}", assessment.id(), e.toString());
            }
        }
    }

    synchronized Assessment refresh(Assessment seen) {
        Assessment assessment = store.read(r -> r.find(seen.id())).orElse(seen);
        if (assessment.state().isFinal()) {
            return assessment;
        }
        Optional<Job> job = jobs.find(assessment.jobId());
        if (job.isEmpty()) {
            return finish(assessment.withState(Assessment.State.FAILED, Optional.of("its job is gone"),
                    clock.instant()));
        }
        JobState state = job.get().state();
        if (!state.isFinal()) {
            if (state == JobState.RUNNING && assessment.state() == Assessment.State.QUEUED) {
                Assessment running = assessment.withState(Assessment.State.RUNNING, Optional.empty(), clock.instant());
                store.write(r -> r.update(running));
                return running;
            }
            return assessment;
        }
        if (state != JobState.SUCCEEDED) {
            return finish(assessment.withState(state == JobState.CANCELLED ? Assessment.State.CANCELLED
                    : Assessment.State.FAILED, Optional.of("its job " + state.name().toLowerCase(Locale.ROOT)
                    + job.get().message().map(message -> ": " + message).orElse("") + " (see 'incubator job logs "
                    + assessment.jobId() + "')"), clock.instant()));
        }
        try {
            return collect(assessment, job.get());
        } catch (IncubatorException e) {
            return finish(assessment.withState(Assessment.State.FAILED, Optional.of("its report was refused: "
                    + e.getMessage()), clock.instant()));
        }
    }

    private Assessment finish(Assessment done) {
        store.write(r -> r.update(done));
        return done;
    }

    private Assessment collect(Assessment assessment, Job job) {
        Path checkpoints = directory.apply(job).resolve("checkpoints");
        String reportText = JobOutput.text(checkpoints, OUTPUT, "report.json", MAX_REPORT).strip();
        JsonNode report;
        try {
            report = JSON.readTree(reportText);
        } catch (IOException e) {
            throw IncubatorException.validation("report", "report.json is not JSON");
        }
        List<SafetyAssessment.Result> results = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (String line : JobOutput.text(checkpoints, OUTPUT, "results.jsonl", MAX_RESULTS).split("\n")) {
            if (!line.isBlank()) {
                SafetyAssessment.Result result = SafetyAssessment.result(line);
                results.add(result);
                try {
                    lines.add(JSON.writeValueAsString(SafetyAssessment.json(result)));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        List<String> problems = SafetyAssessment.verify(report, results);
        if (!problems.isEmpty()) {
            throw IncubatorException.validation("report", String.join("; ", problems));
        }
        boolean passed = report.path("passed").asBoolean(false);
        String sha256 = dev.incubator.hub.chunk.Hashes.sha256(reportText.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Map<String, String> details = new TreeMap<>();
        details.put("report_sha256", sha256);
        details.put("results_sha256", report.path("results_sha256").asText());
        details.put("deployment", assessment.deployment());
        details.put("model", assessment.model());
        details.put("banks", String.join(",", assessment.banks()));
        details.put("passed", Boolean.toString(passed));
        for (JsonNode figure : report.path("figures")) {
            details.put(figure.path("kind").asText(), figure.path("count").asInt() + "/" + figure.path("n").asInt()
                    + (figure.path("met").asBoolean() ? " met" : " not met"));
        }
        AuditEvent appended = audit.apply(new AuditEvent(0, clock.instant(), assessment.createdBy(), "safety.report",
                "assessment", assessment.id(), Optional.of(assessment.orgId()), "safety-" + assessment.id(),
                AuditEvent.Outcome.SUCCESS, "job " + assessment.jobId(), details));
        Assessment done = assessment.withReport(reportText, sha256, passed, appended.sequence(), clock.instant());
        store.write(r -> {
            if (r.update(done)) {
                r.putResults(done.id(), lines);
            }
            return null;
        });
        LOG.info("safety assessment {} of {} ({}): {}; report {} signed as audit event {}", done.id(),
                done.deployment(), done.model(), passed ? "passed" : "did not pass", sha256, appended.sequence());
        return done;
    }

    // ------------------------------------------------------------------------------------------------ reads

    private Application application(Call call, Action action) {
        Organisation org = tenancy.authorize(call.caller(), call.path("org"), action);
        String name = call.path("name");
        return reviews.read(r -> r.application(org.id().value(), name)).orElseThrow(() -> IncubatorException
                .notFound("application", org.name() + "/" + name));
    }

    /** The call's assessment if the caller may see it (the committee, or the applicant); 404 otherwise. */
    public Assessment visible(Call call) {
        String id = call.path("assessment");
        Subject subject = Subjects.of(call);
        Assessment found = store.read(r -> r.find(id)).orElseThrow(() -> IncubatorException.notFound("assessment",
                id));
        boolean committee = access.allows(subject, Action.REVIEW_READ, Resource.platform());
        boolean applicant = access.allows(subject, Action.APP_READ, new Resource.Organisation(found.orgId(),
                found.orgName()));
        if (!committee && !applicant) {
            throw IncubatorException.notFound("assessment", id);
        }
        return found;
    }

    private PageView<ResultView> results(Call call, Assessment assessment) {
        if (assessment.state() != Assessment.State.SUCCEEDED) {
            throw new IncubatorException(ErrorCode.CONFLICT, "assessment " + assessment.id() + " is "
                    + assessment.state().wire() + "; its results are stored when it succeeds");
        }
        Page<String> page = store.read(r -> r.results(assessment.id(), call.page()));
        long first = call.page().after().map(Long::parseLong).map(after -> after + 1).orElse(0L);
        Map<String, VerdictRoutes.OverrideView> overrides = new HashMap<>();
        store.read(r -> r.overrides(assessment.id())).forEach(o -> overrides.put(o.id(),
                VerdictRoutes.OverrideView.of(o)));
        List<ResultView> views = new ArrayList<>();
        for (int i = 0; i < page.items().size(); i++) {
            Map<String, Object> result = map(page.items().get(i));
            views.add(new ResultView(first + i, result, Optional.ofNullable(overrides.get(String.valueOf(
                    result.get("id"))))));
        }
        return new PageView<>(views, page.nextCursor());
    }

    private AssessmentView view(Assessment a) {
        String application = reviews.read(r -> r.applicationById(a.applicationId())).map(Application::fullName)
                .orElse(a.applicationId());
        return new AssessmentView(a.id(), application, a.deployment(), a.model(), a.banks(), a.sample(), a.seed(),
                a.maxTokens(), a.jobId(), a.state().wire(), a.message(), a.passed(), a.report().map(SafetyRoutes::map),
                a.reportSha256(), a.auditSequence(), a.createdBy(), a.createdAt(), a.updatedAt());
    }

    private static Map<String, Object> map(String text) {
        try {
            return JSON.readValue(text, new TypeReference<LinkedHashMap<String, Object>>() {
            });
        } catch (IOException e) {
            throw new IllegalStateException("a stored safety report is not JSON", e);
        }
    }
}
