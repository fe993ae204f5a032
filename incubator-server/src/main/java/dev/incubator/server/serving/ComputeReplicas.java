package dev.incubator.server.serving;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.RequestMeta;
import dev.incubator.compute.ComputeService;
import dev.incubator.compute.Job;
import dev.incubator.compute.JobSpec;
import dev.incubator.compute.JobState;
import dev.incubator.compute.PriorityClass;
import dev.incubator.server.JobRuntime;
import dev.incubator.serving.Cluster;
import dev.incubator.serving.Deployment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Replicas as compute jobs of the deployment's organisation, submitted as the user who created the deployment: the
 * model revision mounted read-only, scheduled and metered to the organisation's grant like any job, stopped with
 * SIGTERM and a grace period to drain.
 */
final class ComputeReplicas implements Cluster {
    /** A replica job's time limit: it is replaced when it ends, so a long-lived deployment rotates its jobs. */
    static final Duration TIME_LIMIT = Duration.ofDays(7);
    static final Duration DRAIN_GRACE = Duration.ofSeconds(30);

    private final ComputeService compute;
    private final JobRuntime runtime;

    ComputeReplicas(ComputeService compute, JobRuntime runtime) {
        this.compute = compute;
        this.runtime = runtime;
    }

    /** The mount of a deployment's model, as the job sees it under $INCUBATOR_MOUNTS. */
    static String mountPath(Deployment deployment) {
        return deployment.model();
    }

    /** The command a replica job runs. */
    List<String> command(Deployment deployment) {
        List<String> arguments = new ArrayList<>(List.of("--model", mountPath(deployment), "--name",
                deployment.modelId(), "--parallel", Integer.toString(deployment.cpus())));
        if (deployment.engine() == Deployment.Engine.BUILTIN) {
            return runtime.command(JobRuntime.REPLICA, Math.max(128, deployment.memoryMib() / 3), arguments);
        }
        // The command engine: the member's server, with the variables filled in by the replica wrapper.
        arguments.add("--command");
        arguments.add(String.join("\u001f", deployment.command()));
        return runtime.command(JobRuntime.REPLICA, 0, arguments);
    }

    @Override
    public String submit(Deployment deployment, String actor) {
        JobSpec spec = new JobSpec("serve-" + deployment.name(), command(deployment), Map.of(), 1,
                deployment.gpuMillis(), Optional.empty(), deployment.cpus(), deployment.memoryMib(), TIME_LIMIT,
                PriorityClass.NORMAL, Optional.of("TERM"), DRAIN_GRACE, 0,
                List.of(deployment.model() + "@" + deployment.revision()));
        Job job = compute.submit(new ComputeService.Submitter(deployment.orgId(), deployment.orgName(),
                deployment.createdBy(), new RequestMeta("serving", "local")), spec);
        return job.id();
    }

    @Override
    public JobStatus status(String jobId) {
        Optional<Job> job = compute.find(jobId);
        if (job.isEmpty()) {
            return new JobStatus(JobPhase.ENDED, Optional.of("its job is gone"));
        }
        JobState state = job.get().state();
        if (state.isFinal()) {
            return new JobStatus(JobPhase.ENDED, Optional.of("its job " + state.name().toLowerCase(Locale.ROOT)
                    + job.get().message().map(message -> ": " + message).orElse("")));
        }
        return new JobStatus(state == JobState.RUNNING ? JobPhase.RUNNING : JobPhase.WAITING,
                job.get().message());
    }

    @Override
    public void stop(String jobId, String actor, String why) {
        Optional<Job> job = compute.find(jobId);
        if (job.isEmpty() || job.get().state().isFinal()) {
            return;
        }
        try {
            compute.cancel(job.get().orgId(), jobId, actor + " (" + why + ")", new RequestMeta("serving", "local"));
        } catch (IncubatorException e) {
            if (e.code() != ErrorCode.CONFLICT) {
                throw e;
            }
        }
    }
}
