package dev.incubator.server.toolkit;

import static dev.incubator.server.api.BodySpec.Type.INTEGER;
import static dev.incubator.server.api.BodySpec.Type.NUMBER;
import static dev.incubator.server.api.BodySpec.Type.NUMBER_MAP;
import static dev.incubator.server.api.BodySpec.Type.STRING;
import static dev.incubator.server.api.BodySpec.Type.STRING_LIST;
import static dev.incubator.server.api.BodySpec.Type.STRING_MAP;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.Page;
import dev.incubator.common.access.AccessControl;
import dev.incubator.common.access.Action;
import dev.incubator.common.access.Resource;
import dev.incubator.common.access.Subject;
import dev.incubator.compute.Job;
import dev.incubator.hub.HubService;
import dev.incubator.hub.chunk.Hashes;
import dev.incubator.hub.repo.Commit;
import dev.incubator.hub.repo.Repo;
import dev.incubator.hub.repo.RepoKind;
import dev.incubator.hub.repo.TreeEntry;
import dev.incubator.hub.repo.Visibility;
import dev.incubator.server.api.ApiRoute;
import dev.incubator.server.api.BodySpec;
import dev.incubator.server.api.Call;
import dev.incubator.server.api.ComputeRoutes;
import dev.incubator.server.api.Subjects;
import dev.incubator.server.api.TenancyRoutes;
import dev.incubator.server.api.Views.PageView;
import dev.incubator.tenancy.Organisation;
import dev.incubator.tenancy.TenancyService;
import dev.incubator.toolkit.metrics.MetricPoint;
import dev.incubator.toolkit.metrics.MetricsStore;
import dev.incubator.toolkit.metrics.RunTracking;
import dev.incubator.toolkit.template.Parameter;
import dev.incubator.toolkit.template.Template;
import dev.incubator.toolkit.template.TemplateCatalog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The toolkit's routes: job templates (list, show, submit one filled with parameters), run tracking (a job
 * reports metrics with its own credential; members read them, paginated) and publishing a finished run's model to
 * the hub with its provenance.
 */
public final class ToolkitRoutes {
    private static final String CODE_REPOSITORY = "job-code";
    private static final BodySpec SUBMIT = BodySpec.named("SubmitTemplateJob")
            .required("template", STRING, "the template: pretrain, finetune or tokenizer (GET /api/v1/templates)")
            .optional("parameters", STRING_MAP, "the template's parameters by name, as text, e.g. {\"data\":"
                    + " \"datasets/lab/corpus\", \"model.layers\": \"4\"}; defaults for those not given")
            .optional("name", STRING, "the job's name (default: the template's)")
            .optionalEnum("priority", List.of("high", "normal", "preemptible"), "priority class (default normal)")
            .optional("time_limit_minutes", INTEGER, "wall-clock limit (default: the template's)")
            .optional("cpus", INTEGER, "CPUs per node (default: the template's)")
            .optional("memory_mib", INTEGER, "memory per node in MiB (default: the template's)")
            .optional("gpus_per_node", NUMBER, "GPUs per node (default: the template's)")
            .optional("gpu_type", STRING, "GPU model or alternatives such as 'a100|h100'")
            .optional("retries", INTEGER, "times to retry a failed attempt; a retry resumes from the last checkpoint")
            .optional("depends_on", STRING_LIST, "jobs this one waits for, e.g. [\"after_ok:job_...\"]")
            .build();
    private static final BodySpec REPORT = BodySpec.named("ReportMetrics")
            .optional("step", INTEGER, "the training step the values belong to (required with values)")
            .optional("values", NUMBER_MAP, "metric name to value, e.g. {\"loss\": 2.31, \"learning_rate\": 0.001}")
            .optional("params", STRING_MAP, "hyperparameters or other facts of the run, name to text")
            .build();
    private static final BodySpec PUBLISH = BodySpec.named("PublishJobModel")
            .required("to", STRING, "the model repository, e.g. models/lab/tiny-zh (made when missing)")
            .optionalEnum("visibility", List.of("public", "organisation", "private", "gated"), "visibility when"
                    + " the repository is made (default organisation)")
            .optional("license", STRING, "the card's licence, e.g. apache-2.0 (default other)")
            .optional("summary", STRING, "a paragraph for the card, above the provenance")
            .build();

    private final TemplateCatalog catalog;
    private final TenancyService tenancy;
    private final AccessControl access;
    private final ComputeRoutes compute;
    private final HubService hub;
    private final RunTracking tracking;
    private final ModelPublisher publisher;
    private final ObjectMapper json;

    public ToolkitRoutes(TemplateCatalog catalog, TenancyService tenancy, AccessControl access, ComputeRoutes compute,
                         HubService hub, RunTracking tracking, ModelPublisher publisher, ObjectMapper json) {
        this.catalog = catalog;
        this.tenancy = tenancy;
        this.access = access;
        this.compute = compute;
        this.hub = hub;
        this.tracking = tracking;
        this.publisher = publisher;
        this.json = json;
    }

    public record ParameterView(String name, String type, boolean required, Optional<Object> defaultValue,
                                Optional<BigDecimal> min, Optional<BigDecimal> max, List<String> choices,
                                String description) {
        static ParameterView of(Parameter parameter) {
            return new ParameterView(parameter.name(), parameter.type().wire(), parameter.required(),
                    parameter.defaultValue(), parameter.min(), parameter.max(), parameter.choices(),
                    parameter.description());
        }
    }

    public record TemplateView(String name, String summary, String summaryZh, String description, String script,
                               List<String> command, List<ParameterView> parameters, Map<String, Object> job,
                               List<String> files) {
        static TemplateView of(Template template) {
            return new TemplateView(template.name(), template.summary(), template.summaryZh(), template.description(),
                    template.script(), template.command(), template.parameters().stream().map(ParameterView::of)
                    .toList(), new TreeMap<>(template.job()), List.copyOf(template.files().keySet()));
        }
    }

    public record MetricView(long sequence, long step, String name, double value, Instant at) {
        static MetricView of(MetricPoint point) {
            return new MetricView(point.sequence(), point.step(), point.name(), point.value(), point.at());
        }
    }

    public record ReportedView(int stored, int refused, long points, List<String> names) {
    }

    /** A run: the job, what the platform set (template, parameters, code), and what the job reported. */
    public record RunView(String job, String organisation, String name, String state, Optional<String> template,
                          Map<String, Object> templateParams, Optional<String> code, Optional<String> codeSha256,
                          Map<String, String> params,
                          Map<String, MetricView> latest, long points, List<String> names, long ignoredLines) {
    }

    public record PublishedView(String repository, String commit, List<String> files, long bytes, boolean created,
                                String job, int attempt, Optional<String> template, Optional<String> codeSha256,
                                Map<String, String> read, BigDecimal gpuHours, BigDecimal energyKwh) {
    }

    public List<ApiRoute> routes() {
        String templates = TenancyRoutes.PREFIX + "/templates";
        String job = TenancyRoutes.PREFIX + "/jobs/{job}";
        return List.of(
                ApiRoute.get(templates, "listTemplates").tag("toolkit")
                        .summary("The job templates (pretrain, finetune, tokenizer) with their parameters")
                        .pageOf(TemplateView.class)
                        .handle(call -> {
                            access.check(Subjects.of(call), Action.TEMPLATE_READ, Resource.platform());
                            return PageView.of(new Page<>(catalog.list(), Optional.empty()), TemplateView::of);
                        }),
                ApiRoute.get(templates + "/{template}", "getTemplate").tag("toolkit")
                        .summary("A template: its parameters (type, default, bounds), job fields and files")
                        .returns(TemplateView.class)
                        .handle(call -> {
                            access.check(Subjects.of(call), Action.TEMPLATE_READ, Resource.platform());
                            return TemplateView.of(catalog.get(call.path("template")));
                        }),
                ApiRoute.post(TenancyRoutes.PREFIX + "/orgs/{org}/template-jobs", "submitTemplateJob").tag("toolkit")
                        .summary("Submit a job from a template filled with parameters (member); its code is the"
                                + " template's files, pinned in the organisation's job-code dataset")
                        .body(SUBMIT).returns(ComputeRoutes.JobView.class)
                        .handle(call -> {
                            Organisation org = tenancy.authorize(call.caller(), call.path("org"), Action.JOB_SUBMIT);
                            return submit(call, org, call.body(SUBMIT));
                        }),
                ApiRoute.post(job + "/metrics", "reportJobMetrics").tag("toolkit")
                        .summary("Report a run's metrics at a step, and its parameters (the job's own credential,"
                                + " or a member)")
                        .body(REPORT).status(200).returns(ReportedView.class)
                        .handle(call -> {
                            Job found = compute.jobById(call, Action.JOB_READ);
                            access.check(Subjects.of(call), Action.JOB_METRICS_REPORT, new Resource.Job(found.id(),
                                    found.orgId(), found.orgName()));
                            return report(found, call.body(REPORT));
                        }),
                ApiRoute.get(job + "/metrics", "listJobMetrics").tag("toolkit")
                        .summary("A run's metrics in the order reported (follow with the cursor)")
                        .query("name", "Only this metric, e.g. loss")
                        .pageOf(MetricView.class)
                        .handle(call -> {
                            Job found = compute.jobById(call, Action.JOB_READ);
                            return PageView.of(tracking.points(found.id(), call.query("name"), call.page()),
                                    MetricView::of);
                        }),
                ApiRoute.get(job + "/run", "getJobRun").tag("toolkit")
                        .summary("A run: template and parameters, code, reported parameters, latest metrics")
                        .returns(RunView.class)
                        .handle(call -> run(compute.jobById(call, Action.JOB_READ))),
                ApiRoute.post(job + "/publish", "publishJobModel").tag("toolkit")
                        .summary("Publish a succeeded run's model to a hub repository with its provenance")
                        .body(PUBLISH).status(201).returns(PublishedView.class)
                        .handle(call -> publish(call, compute.jobById(call, Action.JOB_READ), call.body(PUBLISH))));
    }

    private ComputeRoutes.JobView submit(Call call, Organisation org, BodySpec.Body body) {
        Template template = catalog.get(body.string("template"));
        Map<String, String> given = body.stringMap("parameters");
        TemplateCatalog.Filled filled = TemplateCatalog.fill(template, given);
        ObjectNode spec = json.createObjectNode();
        spec.put("name", body.optionalString("name").orElse(String.valueOf(template.job().getOrDefault("name",
                template.name()))));
        spec.set("command", json.valueToTree(template.command()));
        template.job().forEach((field, value) -> {
            if (!field.equals("name")) {
                spec.set(field, json.valueToTree(value));
            }
        });
        for (String field : List.of("priority", "gpu_type")) {
            body.optionalString(field).ifPresent(value -> spec.put(field, value));
        }
        for (String field : List.of("time_limit_minutes", "cpus", "memory_mib", "retries")) {
            body.optionalInteger(field).ifPresent(value -> spec.put(field, value));
        }
        body.optionalNumber("gpus_per_node").ifPresent(value -> spec.put("gpus_per_node", value));
        List<String> dependsOn = body.optionalStrings("depends_on");
        if (!dependsOn.isEmpty()) {
            spec.set("depends_on", json.valueToTree(dependsOn));
        }
        ObjectNode env = spec.putObject("env");
        env.put(TemplateCatalog.TEMPLATE_VARIABLE, template.name());
        try {
            env.put(TemplateCatalog.PARAMS_VARIABLE, json.writeValueAsString(filled.params()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        if (!filled.mounts().isEmpty()) {
            spec.set("mounts", json.valueToTree(filled.mounts()));
        }
        ComputeRoutes.submitBody(spec); // every field checked before the code is pushed
        spec.put("code", pushCode(Subjects.of(call), org, template));
        return compute.submit(call, org, ComputeRoutes.submitBody(spec));
    }

    /**
     * The template's files as the organisation's job-code dataset (made on first use), committed only when they
     * differ from its head; the repository at that commit.
     */
    private String pushCode(Subject subject, Organisation org, Template template) {
        if (hub.lookup(RepoKind.DATASET, org.name(), CODE_REPOSITORY).isEmpty()) {
            hub.create(subject, RepoKind.DATASET, org.name(), CODE_REPOSITORY, Visibility.ORGANISATION);
        }
        Repo repo = hub.find(subject, RepoKind.DATASET, org.name(), CODE_REPOSITORY, Action.REPO_READ);
        Commit head = hub.resolve(repo, "main");
        SortedMap<String, String> current = new TreeMap<>();
        for (TreeEntry entry : head.tree()) {
            current.put(entry.path(), entry.sha256());
        }
        SortedMap<String, String> wanted = new TreeMap<>();
        template.files().forEach((path, bytes) -> wanted.put(path, Hashes.sha256(bytes)));
        if (wanted.equals(current)) {
            return "datasets/" + org.name() + "/" + CODE_REPOSITORY + "@" + head.id();
        }
        List<HubService.FileOp> operations = new ArrayList<>();
        template.files().forEach((path, bytes) -> {
            if (!Hashes.sha256(bytes).equals(current.get(path))) {
                operations.add(new HubService.FileOp.PutBytes(path, bytes));
            }
        });
        current.keySet().stream().filter(path -> !wanted.containsKey(path))
                .forEach(path -> operations.add(new HubService.FileOp.Delete(path)));
        try {
            Commit commit = hub.commit(subject, repo, "main", Optional.of(head.id()), "Code of the " + template.name()
                    + " template", operations);
            return "datasets/" + org.name() + "/" + CODE_REPOSITORY + "@" + commit.id();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ReportedView report(Job job, BodySpec.Body body) {
        Map<String, BigDecimal> values = body.optionalNumberMap("values");
        Optional<Integer> step = body.optionalInteger("step");
        if (!values.isEmpty() && step.isEmpty()) {
            throw IncubatorException.validation("step", "is required with values: the training step they belong to");
        }
        if (values.isEmpty() && body.stringMap("params").isEmpty()) {
            throw IncubatorException.validation("values", "report at least one value or parameter");
        }
        List<RunTracking.Reported> reported = new ArrayList<>();
        values.forEach((name, value) -> reported.add(new RunTracking.Reported(step.orElse(0), name,
                value.doubleValue())));
        RunTracking.Outcome outcome = tracking.report(job.id(), new RunTracking.Report(reported,
                body.stringMap("params")));
        return new ReportedView(outcome.stored(), outcome.refused(), outcome.tally().points(), outcome.tally().names());
    }

    private RunView run(Job job) {
        Map<String, Object> templateParams = new LinkedHashMap<>();
        Optional.ofNullable(job.spec().env().get(TemplateCatalog.PARAMS_VARIABLE)).ifPresent(text -> {
            try {
                templateParams.putAll(json.readValue(text, new com.fasterxml.jackson.core.type.TypeReference<Map<String,
                        Object>>() {
                }));
            } catch (IOException e) {
                // a job submitted with its own INCUBATOR_TEMPLATE_PARAMS: shown as reported params, not here
            }
        });
        MetricsStore.Tally tally = tracking.tally(job.id());
        Map<String, MetricView> latest = new TreeMap<>();
        tracking.latest(job.id()).forEach((name, point) -> latest.put(name, MetricView.of(point)));
        return new RunView(job.id(), job.orgName(), job.spec().name(), job.state().name().toLowerCase(Locale.ROOT),
                Optional.ofNullable(job.spec().env().get(TemplateCatalog.TEMPLATE_VARIABLE)), templateParams,
                job.spec().code(), job.spec().code().flatMap(publisher::codeHash), tracking.params(job.id()), latest,
                tally.points(), tally.names(),
                tally.ignoredLines());
    }

    private PublishedView publish(Call call, Job job, BodySpec.Body body) {
        Optional<Visibility> visibility = body.optionalString("visibility").map(value -> Visibility.valueOf(value
                .toUpperCase(Locale.ROOT)));
        ModelPublisher.Published published = publisher.publish(Subjects.of(call), call.principal().user().name(),
                call.requestMeta(), job, new ModelPublisher.Request(body.string("to"), visibility,
                        body.optionalString("license"), body.optionalString("summary")));
        var provenance = published.provenance();
        Map<String, String> read = new TreeMap<>(provenance.datasets());
        read.putAll(provenance.models());
        return new PublishedView(published.repository(), published.commit(), published.files(), published.bytes(),
                published.created(), provenance.jobId(), provenance.attempt(), provenance.template(),
                provenance.codeHash(), read, provenance.gpuHours(), provenance.energyKwh());
    }
}
