package dev.incubator.server.api;

import static dev.incubator.server.api.BodySpec.Type.INTEGER;
import static dev.incubator.server.api.BodySpec.Type.NUMBER;
import static dev.incubator.server.api.BodySpec.Type.STRING;
import static dev.incubator.server.api.BodySpec.Type.STRING_LIST;
import static dev.incubator.server.api.BodySpec.Type.STRING_MAP;
import static java.util.Objects.requireNonNull;

import dev.incubator.common.IncubatorException;
import dev.incubator.common.Violations;
import dev.incubator.compute.ComputeService;
import dev.incubator.compute.EnergyModel;
import dev.incubator.compute.Job;
import dev.incubator.compute.JobSpec;
import dev.incubator.compute.JobState;
import dev.incubator.compute.PriorityClass;
import dev.incubator.compute.port.Executor;
import dev.incubator.compute.scheduler.GpuShare;
import dev.incubator.compute.scheduler.Node;
import dev.incubator.server.api.BodySpec.Body;
import dev.incubator.server.api.Views.PageView;
import dev.incubator.common.access.Action;
import dev.incubator.tenancy.Organisation;
import dev.incubator.common.access.Roles;
import dev.incubator.tenancy.TenancyService;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/** The compute API: submit, list, show, cancel jobs, read their logs, see the queue and the cluster. */
public final class ComputeRoutes {
    private static final int MAX_LOG_CHUNK = 256 * 1024;
    private static final BodySpec SUBMIT_JOB = BodySpec.named("SubmitJob")
            .required("name", STRING, "what the job is, e.g. 'finetune-qwen'")
            .required("command", STRING_LIST, "program and arguments, e.g. [\"python\", \"train.py\"]")
            .optional("env", STRING_MAP, "extra environment variables")
            .optional("nodes", INTEGER, "nodes (default 1)")
            .optional("gpus_per_node", NUMBER, "GPUs per node: a whole number, or a fraction of one GPU such as 0.25"
                    + " (default 0)")
            .optional("gpu_type", STRING, "GPU model, e.g. 'a100', or alternatives such as 'a100|h100' (any one of"
                    + " them; default: any)")
            .optional("cpus", INTEGER, "CPUs per node (default 1)")
            .optional("memory_mib", INTEGER, "memory per node in MiB (default 0: unlimited)")
            .optional("time_limit_minutes", INTEGER, "wall-clock limit (default: the organisation's default, else 60)")
            .optionalEnum("priority", List.of("high", "normal", "preemptible"), "priority class (default normal)")
            .optionalEnum("checkpoint_signal", List.of("TERM", "INT", "HUP", "USR1", "USR2"),
                    "signal asking the job to checkpoint before preemption (default: none)")
            .optional("checkpoint_grace_seconds", INTEGER, "time between the signal and SIGKILL (default 30)")
            .optional("retries", INTEGER, "times to retry a failed job (default 0)")
            .optional("mounts", STRING_LIST, "hub repositories to mount read-only under $INCUBATOR_MOUNTS, e.g. "
                    + "[\"datasets/hospital/notes\", \"models/uni/med-llm@v1\"]; read as the submitter, inside the job"
                    + " (so compute-only agreements allow it)")
            .optionalEnum("warning_signal", List.of("TERM", "INT", "HUP", "USR1", "USR2"),
                    "signal sent warning_seconds before the time limit, as Slurm's --signal (default: none)")
            .optional("warning_seconds", INTEGER, "how long before the time limit the warning signal comes (default 60)")
            .optional("code", STRING, "the job's code: a hub repository at a commit, e.g. datasets/lab/job-code@<commit>"
                    + " ('incubator job submit --code DIR' pushes DIR and sets it), copied into the working directory")
            .optional("array", STRING, "a job array as Slurm's --array: \"0-99\", \"0-99:2\", \"1,4,7\", each with"
                    + " \"%10\" for at most 10 tasks at once; each task gets $INCUBATOR_ARRAY_INDEX (at most 1000 tasks)")
            .optional("depends_on", STRING_LIST, "jobs of the organisation this one waits for, as Slurm's"
                    + " --dependency: [\"after_ok:job_...\", \"after_any:job_...\", \"after_not_ok:job_...\"]")
            .build();

    private final TenancyService tenancy;
    private final ComputeService compute;
    private final Executor executor;
    private final Supplier<List<Node>> nodes;
    private final EnergyModel energy;

    /** What a submitter is told of the organisation's grants (80 % used, used up). */
    private java.util.function.Function<dev.incubator.tenancy.Ids.OrgId, List<String>> grantWarnings = org -> List.of();

    /** How jobs are kept apart, in words, for the cluster view. */
    private String isolation = "";

    public ComputeRoutes isolation(String description) {
        this.isolation = requireNonNull(description, "description is null");
        return this;
    }

    public ComputeRoutes grantWarnings(java.util.function.Function<dev.incubator.tenancy.Ids.OrgId, List<String>> source) {
        this.grantWarnings = requireNonNull(source, "source is null");
        return this;
    }

    private java.util.function.IntSupplier guaranteed = () -> 0;

    /** What the grants in effect guarantee together, shown beside the cluster's GPUs. */
    public ComputeRoutes guaranteed(java.util.function.IntSupplier source) {
        this.guaranteed = requireNonNull(source, "source is null");
        return this;
    }

    public ComputeRoutes(TenancyService tenancy, ComputeService compute, Executor executor, Supplier<List<Node>> nodes,
                         EnergyModel energy) {
        this.tenancy = requireNonNull(tenancy, "tenancy is null");
        this.compute = requireNonNull(compute, "compute is null");
        this.executor = requireNonNull(executor, "executor is null");
        this.nodes = requireNonNull(nodes, "nodes is null");
        this.energy = requireNonNull(energy, "energy is null");
    }

    public record JobView(String id, String organisation, String name, String submittedBy, JobState state,
                          Optional<String> reason, Optional<String> message, Optional<Integer> position,
                          Optional<Instant> estimatedStart, Instant submittedAt, Optional<Instant> startedAt,
                          Optional<Instant> finishedAt, List<String> command, int nodes, BigDecimal gpusPerNode,
                          Optional<String> gpuType, PriorityClass priority, long timeLimitMinutes, List<String> gpus,
                          boolean borrowed, Optional<Integer> exitCode, BigDecimal gpuHours, int attempt,
                          List<String> mounts, Optional<String> code, List<String> dependsOn, Optional<String> arrayId,
                          Optional<Integer> arrayIndex, Optional<Integer> arrayTasks, long version,
                          List<String> warnings)
            implements Versioned {
        public static JobView of(Job job) {
            return new JobView(job.id(), job.orgName(), job.spec().name(), job.submittedBy(), job.state(), job.reason(),
                    job.message(), job.state() == JobState.PENDING && job.position() > 0 ? Optional.of(job.position())
                            : Optional.empty(), job.estimatedStart(), job.submittedAt(), job.startedAt(),
                    job.finishedAt(), job.spec().command(), job.spec().nodes(),
                    BigDecimal.valueOf(job.spec().gpuMillis(), 3).stripTrailingZeros(), job.spec().gpuType(),
                    job.spec().priority(), job.spec().timeLimit().toMinutes(),
                    job.allocation().stream().map(ComputeRoutes::describe).toList(), job.borrowed(), job.exitCode(),
                    BigDecimal.valueOf(job.meteredGpuMillis() / 3_600, 3), job.attempt(), job.spec().mounts(),
                    job.spec().code(), job.spec().dependencies().stream().map(JobSpec.Dependency::toString).toList(),
                    job.spec().array().map(JobSpec.ArrayTask::arrayId), job.spec().array().map(JobSpec.ArrayTask::index),
                    Optional.empty(), job.version(), List.of());
        }

        /** The job just submitted, with what its submitter should know (grants running low or out, tasks). */
        JobView submitted(List<String> notes, Optional<Integer> tasks) {
            return new JobView(id, organisation, name, submittedBy, state, reason, message, position, estimatedStart,
                    submittedAt, startedAt, finishedAt, command, nodes, gpusPerNode, gpuType, priority,
                    timeLimitMinutes, gpus, borrowed, exitCode, gpuHours, attempt, mounts, code, dependsOn, arrayId,
                    arrayIndex, tasks, version, notes);
        }
    }

    public record GpuView(int index, String type, Optional<String> heldBy, Optional<String> organisation,
                          BigDecimal free) {
    }

    public record NodeView(String name, boolean schedulable, int cpus, int freeCpus, long memoryMib, long freeMemoryMib,
                           List<GpuView> gpus) {
    }

    /** {@code guaranteedGpus}: what the grants in effect guarantee together; a warning when beyond the cluster. */
    public record ClusterView(int totalGpus, BigDecimal freeGpus, int guaranteedGpus, Optional<String> warning,
                              List<NodeView> nodes, String isolation) {
    }

    public List<ApiRoute> routes() {
        String jobs = TenancyRoutes.PREFIX + "/orgs/{org}/jobs";
        String job = jobs + "/{job}";
        String byId = TenancyRoutes.PREFIX + "/jobs/{job}";
        return List.of(
                ApiRoute.post(jobs, "submitJob").tag("compute").summary("Submit a job (member)").body(SUBMIT_JOB)
                        .returns(JobView.class)
                        .handle(call -> {
                            Organisation org = tenancy.authorize(call.caller(), call.path("org"), Action.JOB_SUBMIT);
                            return submit(call, org, call.body(SUBMIT_JOB));
                        }),
                ApiRoute.get(jobs, "listJobs").tag("compute").summary("An organisation's jobs, newest first")
                        .query("state", "Only jobs in this state, e.g. running")
                        .query("user", "Only jobs this user submitted (a user name)")
                        .query("name", "Only jobs with this name (exactly)")
                        .query("since", "Only jobs submitted at or after this time or day, e.g. 2026-11-01 or"
                                + " 2026-11-01T08:00:00Z")
                        .pageOf(JobView.class)
                        .handle(call -> {
                            Organisation org = tenancy.authorize(call.caller(), call.path("org"), Action.JOB_READ);
                            Optional<JobState> state = call.query("state").map(ComputeRoutes::state);
                            Optional<String> user = call.query("user").map(name -> {
                                if (name.isBlank() || name.length() > 64) {
                                    throw IncubatorException.validation("user", "must be a user name such as ada");
                                }
                                return name;
                            });
                            Optional<java.time.Instant> since = call.queryTime("since");
                            Optional<String> name = call.query("name").map(text -> {
                                if (text.isBlank() || text.length() > 100) {
                                    throw IncubatorException.validation("name", "must be a job name of 1-100"
                                            + " characters");
                                }
                                return text;
                            });
                            return PageView.of(compute.list(org.id().value(), new dev.incubator.compute.JobQuery(state,
                                    user, since, name), call.page()), JobView::of);
                        }),
                ApiRoute.get(job, "getJob").tag("compute").summary("A job with its state and why it waits")
                        .returns(JobView.class)
                        .handle(call -> JobView.of(compute.get(tenancy.authorize(call.caller(), call.path("org"),
                                Action.JOB_READ).id().value(), call.path("job")))),
                ApiRoute.post(job + "/cancel", "cancelJob").tag("compute")
                        .summary("Cancel a job: at once if waiting, else SIGTERM then SIGKILL after the grace period")
                        .status(200).returns(JobView.class)
                        .handle(call -> JobView.of(compute.cancel(tenancy.authorize(call.caller(), call.path("org"),
                                Action.JOB_CANCEL).id().value(), call.path("job"), call.principal().actor(),
                                call.requestMeta()))),
                ApiRoute.get(job + "/logs", "jobLogs").tag("compute")
                        .summary("A job's output from a byte offset; the next offset is in X-Next-Offset")
                        .query("stream", "stdout (default) or stderr").query("offset", "byte offset (default 0)")
                        .returns(Raw.class)
                        .handle(call -> {
                            Job found = compute.get(tenancy.authorize(call.caller(), call.path("org"), Action.JOB_READ)
                                    .id().value(), call.path("job"));
                            return logs(call, found);
                        }),
                // Job ids are global: the same reads and cancel without naming the organisation.
                ApiRoute.get(byId, "getJobById").tag("compute")
                        .summary("A job by its id alone (404 unless you may see its organisation)")
                        .returns(JobView.class)
                        .handle(call -> JobView.of(jobById(call, Action.JOB_READ))),
                ApiRoute.post(byId + "/cancel", "cancelJobById").tag("compute").summary("Cancel a job by its id alone")
                        .status(200).returns(JobView.class)
                        .handle(call -> {
                            Job found = jobById(call, Action.JOB_CANCEL);
                            return JobView.of(compute.cancel(found.orgId(), found.id(), call.principal().actor(),
                                    call.requestMeta()));
                        }),
                ApiRoute.get(byId + "/logs", "jobLogsById").tag("compute")
                        .summary("A job's output by its id alone; the next offset is in X-Next-Offset")
                        .query("stream", "stdout (default) or stderr").query("offset", "byte offset (default 0)")
                        .returns(Raw.class)
                        .handle(call -> logs(call, jobById(call, Action.JOB_READ))),
                ApiRoute.get(TenancyRoutes.PREFIX + "/orgs/{org}/usage", "usage").tag("compute")
                        .summary("GPU-hours, energy (estimated from rated GPU power) and CO2e, per job and per day")
                        .query("since", "first day, e.g. 2026-11-01 (default: 30 days ago)")
                        .returns(ComputeService.UsageReport.class)
                        .handle(call -> {
                            Organisation org = tenancy.authorize(call.caller(), call.path("org"), Action.JOB_READ);
                            java.time.LocalDate since;
                            try {
                                since = call.query("since").map(java.time.LocalDate::parse)
                                        .orElse(java.time.LocalDate.now(java.time.ZoneOffset.UTC).minusDays(30));
                            } catch (java.time.format.DateTimeParseException e) {
                                throw IncubatorException.validation("since", "must be a date such as 2026-11-01");
                            }
                            return compute.usage(org.id().value(), since.atStartOfDay(java.time.ZoneOffset.UTC)
                                    .toInstant(), energy);
                        }),
                ApiRoute.get(TenancyRoutes.PREFIX + "/queue", "queue").tag("compute")
                        .summary("Active jobs you may see, running first, then pending in queue order with reasons")
                        .returns(QueueView.class)
                        .handle(call -> new QueueView(compute.queue(tenancy.visibleOrganisationIds(call.caller()))
                                .stream().map(JobView::of).toList())),
                ApiRoute.get(TenancyRoutes.PREFIX + "/cluster", "cluster").tag("compute")
                        .summary("Nodes and GPUs, and who holds what (organisations you may see)")
                        .returns(ClusterView.class)
                        .handle(call -> {
                            tenancy.authorize(call.caller(), Action.CLUSTER_READ);
                            return cluster(tenancy.visibleOrganisationIds(call.caller()));
                        }));
    }

    public record QueueView(List<JobView> items) {
    }

    /**
     * The job of the path's id, once the caller may do the action in its organisation. A job of an organisation
     * the caller may not see answers exactly like a job that does not exist.
     */
    /** Submits a job spec read from a submit body (the submit route's, or a filled template's) for {@code org}. */
    public JobView submit(Call call, Organisation org, Body body) {
        JobSpec spec = spec(body, org.defaultJobTimeLimitMinutes().orElse(60));
        ComputeService.Submitter submitter = new ComputeService.Submitter(org.id().value(),
                org.name(), call.principal().user().name(), call.requestMeta());
        Optional<String> array = body.optionalString("array");
        if (array.isEmpty()) {
            return JobView.of(compute.submit(submitter, spec))
                    .submitted(grantWarnings.apply(org.id()), Optional.empty());
        }
        var range = JobSpec.parseArray(array.get()).orElseThrow(() -> IncubatorException
                .validation("array", "'" + array.get() + "' is not a range such as 0-99, 0-99:2,"
                        + " 1,4,7 or 0-99%10 (at most " + JobSpec.MAX_ARRAY_TASKS + " tasks)"));
        List<Job> tasks = compute.submitArray(submitter, spec, range.getKey(), range.getValue());
        return JobView.of(tasks.get(0)).submitted(grantWarnings.apply(org.id()), Optional.of(tasks.size()));
    }

    /** Reads a submit body from JSON built by the server (a filled template), checked as a client's would be. */
    public static Body submitBody(com.fasterxml.jackson.databind.JsonNode node) {
        return SUBMIT_JOB.read(node);
    }

    /** The job named by the call's {job}, if the caller may do {@code action} on it; else 404 as if missing. */
    public Job jobById(Call call, Action action) {
        String id = call.path("job");
        Job found = compute.find(id).orElseThrow(() -> IncubatorException.notFound("job", id));
        try {
            tenancy.authorize(call.caller(), found.orgName(), action);
        } catch (IncubatorException e) {
            if (e.code() == dev.incubator.common.ErrorCode.NOT_FOUND) {
                throw IncubatorException.notFound("job", id);
            }
            throw e;
        }
        return compute.get(found.orgId(), id);
    }

    private ClusterView cluster(Optional<Set<String>> visible) {
        Map<String, Map<Integer, List<Job>>> holders = new TreeMap<>();
        List<Job> queue = compute.queue(Optional.empty());
        for (Job job : queue) {
            for (GpuShare share : job.allocation()) {
                holders.computeIfAbsent(share.node(), node -> new TreeMap<>())
                        .computeIfAbsent(share.index(), index -> new java.util.ArrayList<>()).add(job);
            }
        }
        int total = 0;
        long freeMillis = 0;
        List<NodeView> nodeViews = new java.util.ArrayList<>();
        List<Job> active = queue.stream().filter(job -> !job.hosts().isEmpty()).toList();
        for (Node node : nodes.get()) {
            List<GpuView> gpus = new java.util.ArrayList<>();
            for (var gpu : node.gpus()) {
                List<Job> held = holders.getOrDefault(node.name(), Map.of()).getOrDefault(gpu.index(), List.of());
                long used = held.stream().flatMap(job -> job.allocation().stream())
                        .filter(share -> share.node().equals(node.name()) && share.index() == gpu.index())
                        .mapToLong(GpuShare::millis).sum();
                total++;
                freeMillis += GpuShare.WHOLE - used;
                Optional<Job> first = held.stream().findFirst();
                boolean shown = first.map(job -> visible.map(ids -> ids.contains(job.orgId())).orElse(true)).orElse(false);
                gpus.add(new GpuView(gpu.index(), gpu.type(), shown ? first.map(Job::id) : Optional.empty(),
                        first.map(job -> shown ? job.orgName() : "another organisation"),
                        BigDecimal.valueOf(GpuShare.WHOLE - used, 3)));
            }
            int usedCpus = active.stream().filter(job -> job.hosts().contains(node.name()))
                    .mapToInt(job -> job.spec().cpus()).sum();
            long usedMemory = active.stream().filter(job -> job.hosts().contains(node.name()))
                    .mapToLong(job -> job.spec().memoryMib()).sum();
            nodeViews.add(new NodeView(node.name(), node.schedulable(), node.cpus(), node.cpus() - usedCpus,
                    node.memoryMib(), node.memoryMib() - usedMemory, gpus));
        }
        int clusterGpus = total;
        Guarantees check = new Guarantees(() -> clusterGpus, guaranteed);
        int promised = check.guaranteedInEffect();
        return new ClusterView(total, BigDecimal.valueOf(freeMillis, 3), promised, check.clusterWarning(), nodeViews,
                isolation);
    }

    private Raw logs(Call call, Job job) throws IOException {
        String stream = call.query("stream").orElse("stdout");
        if (!stream.equals("stdout") && !stream.equals("stderr")) {
            throw IncubatorException.validation("stream", "must be stdout or stderr");
        }
        long offset;
        try {
            offset = Long.parseLong(call.query("offset").orElse("0"));
        } catch (NumberFormatException e) {
            throw IncubatorException.validation("offset", "must be a byte offset such as 0");
        }
        Path file = executor.log(job, stream);
        byte[] chunk = new byte[0];
        if (Files.exists(file) && offset >= 0) {
            try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
                long available = Math.max(0, in.length() - offset);
                chunk = new byte[(int) Math.min(available, MAX_LOG_CHUNK)];
                in.seek(Math.min(offset, in.length()));
                in.readFully(chunk);
            }
        }
        call.context().header("X-Next-Offset", Long.toString(Math.max(offset, 0) + chunk.length));
        call.context().header("X-Job-State", job.state().name().toLowerCase(Locale.ROOT));
        return new Raw(200, "text/plain; charset=utf-8", new String(chunk, StandardCharsets.UTF_8));
    }

    private static JobSpec spec(Body body, int defaultTimeLimitMinutes) {
        Violations violations = new Violations();
        BigDecimal gpus = body.optionalNumber("gpus_per_node").orElse(BigDecimal.ZERO);
        int gpuMillis = 0;
        try {
            gpuMillis = gpus.movePointRight(3).intValueExact();
        } catch (ArithmeticException e) {
            violations.add("gpus_per_node", "must have at most three decimal places, e.g. 0.25 or 4");
        }
        List<JobSpec.Dependency> dependencies = new java.util.ArrayList<>();
        for (String text : body.optionalStrings("depends_on")) {
            JobSpec.Dependency.parse(text).ifPresentOrElse(dependencies::add, () -> violations.add("depends_on",
                    "'" + text + "' is not a dependency such as after_ok:job_..., after_any:job_... or"
                            + " after_not_ok:job_..."));
        }
        violations.throwIfAny();
        return new JobSpec(body.string("name"), body.strings("command"), body.stringMap("env"),
                body.optionalInteger("nodes").orElse(1), gpuMillis, body.optionalString("gpu_type"),
                body.optionalInteger("cpus").orElse(1), body.optionalInteger("memory_mib").orElse(0),
                Duration.ofMinutes(body.optionalInteger("time_limit_minutes").orElse(defaultTimeLimitMinutes)),
                body.optionalString("priority").map(value -> PriorityClass.valueOf(value.toUpperCase(Locale.ROOT)))
                        .orElse(PriorityClass.NORMAL),
                body.optionalString("checkpoint_signal"),
                Duration.ofSeconds(body.optionalInteger("checkpoint_grace_seconds").orElse(30)),
                body.optionalInteger("retries").orElse(0), body.optionalStrings("mounts"), dependencies,
                Optional.empty(), body.optionalString("warning_signal").map(signal -> new JobSpec.Warning(signal,
                        Duration.ofSeconds(body.optionalInteger("warning_seconds").orElse(60)))),
                body.optionalString("code"));
    }

    private static JobState state(String value) {
        return Arrays.stream(JobState.values()).filter(state -> Roles.wire(state).equals(value)).findFirst()
                .orElseThrow(() -> IncubatorException.validation("state", "must be one of " + String.join(", ",
                        Arrays.stream(JobState.values()).map(Roles::wire).toList())));
    }

    private static String describe(GpuShare share) {
        return share.node() + ":" + share.index() + (share.millis() < GpuShare.WHOLE ? "@" + share.millis() / 1000.0 : "");
    }
}
