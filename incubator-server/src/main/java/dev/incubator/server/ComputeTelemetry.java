package dev.incubator.server;

import dev.incubator.compute.Job;
import dev.incubator.compute.port.ComputeEvents;
import dev.incubator.compute.scheduler.GpuShare;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler as operators see it: one log line per job start, end and preemption, and Prometheus series for
 * the queue, the cluster's GPUs and the cycle (documented in docs/operations.md).
 */
final class ComputeTelemetry implements ComputeEvents {
    private static final Logger LOG = LoggerFactory.getLogger("dev.incubator.jobs");

    private final MeterRegistry metrics;
    private final AtomicReference<Cycle> last = new AtomicReference<>(new Cycle(Duration.ZERO, 0, 0, 0, 0, 0, 0));
    private final Timer cycles;
    private final Counter started;
    private final Counter preemptions;

    ComputeTelemetry(MeterRegistry metrics) {
        this.metrics = metrics;
        this.cycles = Timer.builder("incubator.scheduler.cycle").description("Time of one scheduling cycle")
                .publishPercentileHistogram().register(metrics);
        this.started = Counter.builder("incubator.jobs.started").description("Job attempts started")
                .register(metrics);
        this.preemptions = Counter.builder("incubator.jobs.preemptions")
                .description("Jobs told to stop so that another organisation gets its guarantee").register(metrics);
        Gauge.builder("incubator.jobs.pending", last, cycle -> cycle.get().pending())
                .description("Jobs waiting after the last cycle").register(metrics);
        Gauge.builder("incubator.jobs.running", last, cycle -> cycle.get().running())
                .description("Jobs running after the last cycle").register(metrics);
        Gauge.builder("incubator.cluster.gpus", last, cycle -> cycle.get().gpuMillisTotal() / (double) GpuShare.WHOLE)
                .description("GPUs of the cluster's schedulable nodes").register(metrics);
        Gauge.builder("incubator.cluster.gpus.allocated", last, cycle -> cycle.get().gpuMillisAllocated()
                / (double) GpuShare.WHOLE).description("GPUs held by running jobs (fractions count)").register(metrics);
    }

    @Override
    public void cycle(Cycle cycle) {
        last.set(cycle);
        cycles.record(cycle.took());
    }

    @Override
    public void jobStarted(Job job) {
        started.increment();
        LOG.info("job {} started: '{}' of {} by {}, {} GPU(s) x {} node(s), attempt {}, waited {}", job.id(),
                job.spec().name(), job.orgName(), job.submittedBy(), gpus(job), job.spec().nodes(), job.attempt(),
                human(Duration.between(job.submittedAt(), job.startedAt().orElse(job.submittedAt()))));
    }

    @Override
    public void jobEnded(Job job) {
        String state = job.state().name().toLowerCase(Locale.ROOT);
        Counter.builder("incubator.jobs.ended").description("Job attempts that left running, by the state they"
                + " went to").tag("state", state).register(metrics).increment();
        Instant end = job.finishedAt().orElse(Instant.now());
        LOG.info("job {} {}: '{}' of {}{}{} after {}", job.id(), state.equals("pending") ? "back in the queue" : state,
                job.spec().name(), job.orgName(), job.exitCode().map(code -> ", exit code " + code).orElse(""),
                job.reason().filter(reason -> !List.of("EXIT_CODE", "CANCELLED", "TIMEOUT").contains(reason))
                        .map(reason -> ", " + reason.toLowerCase(Locale.ROOT).replace('_', ' ')).orElse(""),
                human(Duration.between(job.startedAt().orElse(end), end)));
    }

    @Override
    public void jobPreempting(Job job, String reason, String forJobId) {
        preemptions.increment();
        LOG.info("job {} preempted for {}: {}", job.id(), forJobId, reason);
    }

    private static String gpus(Job job) {
        int millis = job.spec().gpuMillis();
        return millis % GpuShare.WHOLE == 0 ? Integer.toString(millis / GpuShare.WHOLE)
                : String.format(Locale.ROOT, "%.2f", millis / (double) GpuShare.WHOLE);
    }

    /** 3h04m, 12m05s, 42s. */
    static String human(Duration duration) {
        long seconds = Math.max(0, duration.toSeconds());
        if (seconds >= 3600) {
            return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60);
        }
        return seconds >= 60 ? String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60) : seconds + "s";
    }
}
