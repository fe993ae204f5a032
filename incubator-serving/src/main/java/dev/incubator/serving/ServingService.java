package dev.incubator.serving;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deployments and their replicas: created and changed here, reconciled to what {@link ReplicaPlan} wants (replica
 * jobs submitted and stopped through the {@link Cluster}, registered endpoints health-checked through the
 * {@link ReplicaProbe}), and leased to the gateway one request at a time (the ready replica with the fewest requests
 * in flight; a request to a deployment scaled to zero waits for the cold start it causes).
 */
public final class ServingService {
    private static final Logger LOG = LoggerFactory.getLogger(ServingService.class);
    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    public static final int MAX_REPLICAS = 8;

    private final ServingStore store;
    private final Cluster cluster;
    private final ReplicaProbe probe;
    private final Clock clock;
    private final ReplicaPlan.Settings settings;
    private final Map<String, DemandTracker> demand = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> inFlightByReplica = new ConcurrentHashMap<>();
    private final Object reconciling = new Object();

    public ServingService(ServingStore store, Cluster cluster, ReplicaProbe probe, Clock clock,
                          ReplicaPlan.Settings settings) {
        this.store = store;
        this.cluster = cluster;
        this.probe = probe;
        this.clock = clock;
        this.settings = settings;
    }

    public ServingStore store() {
        return store;
    }

    // ------------------------------------------------------------------------------------------- deployments

    /** Checks what a deployment asks for; throws a validation error naming the field and how to fix it. */
    public static void validate(Deployment deployment) {
        if (!NAME.matcher(deployment.name()).matches()) {
            throw IncubatorException.validation("name", "'" + deployment.name() + "' must be 1-63 lower-case letters,"
                    + " digits, '.', '_' or '-', starting with a letter or digit");
        }
        if (!deployment.model().matches("models/[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw IncubatorException.validation("model", "'" + deployment.model() + "' must name a hub model as"
                    + " models/NAMESPACE/NAME");
        }
        if (deployment.minReplicas() < 0 || deployment.maxReplicas() < 1 || deployment.minReplicas()
                > deployment.maxReplicas() || deployment.maxReplicas() > MAX_REPLICAS) {
            throw IncubatorException.validation("replicas", "must be MIN..MAX with 0 <= MIN <= MAX, 1 <= MAX <= "
                    + MAX_REPLICAS + " (e.g. 1..3, or 0..2 to scale to zero when idle); got "
                    + deployment.minReplicas() + ".." + deployment.maxReplicas());
        }
        if (deployment.gpuMillis() < 0 || deployment.gpuMillis() > 8000) {
            throw IncubatorException.validation("gpus", "must be between 0 and 8 GPUs per replica, e.g. 0.25");
        }
        if (deployment.cpus() < 1 || deployment.cpus() > 256) {
            throw IncubatorException.validation("cpus", "must be between 1 and 256 per replica");
        }
        if (deployment.memoryMib() < 256 || deployment.memoryMib() > 4 * 1024 * 1024) {
            throw IncubatorException.validation("memory_mib", "must be between 256 and 4194304 MiB per replica");
        }
        if (deployment.idleTimeout().compareTo(Duration.ofSeconds(10)) < 0
                || deployment.idleTimeout().compareTo(Duration.ofDays(7)) > 0) {
            throw IncubatorException.validation("idle_seconds", "must be between 10 seconds and 7 days");
        }
        if (deployment.engine() == Deployment.Engine.COMMAND) {
            if (deployment.command().isEmpty()) {
                throw IncubatorException.validation("command", "the command engine needs the server to run, e.g."
                        + " [\"vllm\", \"serve\", \"{model_dir}\", \"--port\", \"{port}\"]");
            }
            if (deployment.command().stream().noneMatch(part -> part.contains("{port}"))) {
                throw IncubatorException.validation("command", "must contain {port}: the port the platform gives"
                        + " the server to listen on");
            }
        } else if (!deployment.command().isEmpty()) {
            throw IncubatorException.validation("command", "only the command engine takes a command; the built-in"
                    + " engine runs the model itself");
        }
        Deployment.Limits limits = deployment.limits();
        if (limits.requestsPerMinute() < 0 || limits.tokensPerMinute() < 0
                || limits.monthlyTokensPerOrganisation() < 0) {
            throw IncubatorException.validation("limits", "rates and budgets are counts, 0 for no limit");
        }
        if (deployment.retentionDays() < 1 || deployment.retentionDays() > 3650) {
            throw IncubatorException.validation("retention_days", "must be between 1 and 3650 days");
        }
        deployment.explicitLabel().ifPresent(label -> {
            if (label.isBlank() || label.length() > 200) {
                throw IncubatorException.validation("explicit_label", "must be 1-200 characters");
            }
        });
        if (deployment.access() != Deployment.Access.SHARED && !deployment.sharedWith().isEmpty()) {
            throw IncubatorException.validation("shared_with", "names organisations only with access 'shared'");
        }
        if (deployment.access() == Deployment.Access.SHARED && deployment.sharedWith().isEmpty()) {
            throw IncubatorException.validation("shared_with", "access 'shared' needs at least one organisation");
        }
    }

    public Deployment create(Deployment deployment) {
        validate(deployment);
        return store.write(repositories -> {
            if (repositories.find(deployment.orgId(), deployment.name()).isPresent()) {
                throw new IncubatorException(ErrorCode.ALREADY_EXISTS, "deployment '" + deployment.modelId()
                        + "' already exists; change it with 'incubator deploy scale' or delete it first");
            }
            repositories.insert(deployment);
            return deployment;
        });
    }

    /** Stores a changed deployment if nobody changed it meanwhile (the version it was read at). */
    public Deployment update(Deployment changed) {
        if (changed.state() == Deployment.State.ACTIVE) {
            validate(changed);
        }
        return store.write(repositories -> {
            if (!repositories.update(changed)) {
                throw new IncubatorException(ErrorCode.CONFLICT, "deployment '" + changed.modelId() + "' changed"
                        + " meanwhile; read it again and retry");
            }
            return changed;
        });
    }

    public Optional<Deployment> find(String orgId, String name) {
        return store.read(repositories -> repositories.find(orgId, name))
                .filter(d -> d.state() == Deployment.State.ACTIVE);
    }

    public List<Replica> replicas(String deploymentId) {
        return store.read(repositories -> repositories.replicas(deploymentId));
    }

    // ------------------------------------------------------------------------------------------- replicas

    /**
     * A replica job tells where it listens. Only a replica that has not ended may register; the first good health
     * check makes it ready.
     */
    public Replica register(String jobId, String url) {
        if (!url.matches("https?://[A-Za-z0-9.\\-\\[\\]:]+(:\\d+)?/?")) {
            throw IncubatorException.validation("url", "must be http://HOST:PORT, where the replica listens");
        }
        Replica registered = store.write(repositories -> {
            Replica replica = repositories.replica(jobId).filter(Replica::active).orElseThrow(() ->
                    new IncubatorException(ErrorCode.CONFLICT, "job " + jobId + " is not a starting replica of a"
                            + " deployment; only a deployment's replica job registers an endpoint"));
            Replica changed = replica.registered(url.replaceAll("/+$", ""));
            repositories.putReplica(changed);
            return changed;
        });
        checkHealth(registered);
        return store.read(repositories -> repositories.replica(jobId)).orElse(registered);
    }

    private void checkHealth(Replica replica) {
        if (replica.endpoint().isEmpty() || !replica.active()) {
            return;
        }
        Optional<String> problem = probe.check(replica);
        store.write(repositories -> {
            Optional<Replica> current = repositories.replica(replica.jobId()).filter(Replica::active);
            if (current.isEmpty()) {
                return null;
            }
            Replica now = current.get();
            if (problem.isEmpty() && (now.state() == Replica.State.STARTING || now.failures() > 0)) {
                Replica ready = now.ready(clock.instant());
                repositories.putReplica(ready);
                if (now.state() == Replica.State.STARTING) {
                    LOG.info("replica {} of deployment {} ready after {} ms", now.jobId(), now.deploymentId(),
                            ready.coldStart().map(Duration::toMillis).orElse(0L));
                }
            } else if (problem.isPresent() && now.state() == Replica.State.READY) {
                repositories.putReplica(now.failed(problem.get()));
            }
            return null;
        });
    }

    /**
     * One pass over every deployment: replica jobs that ended are marked so, registered replicas are health-checked,
     * and the plan's starts and drains are applied. Safe to call from several threads (one pass at a time).
     */
    public void reconcile() {
        synchronized (reconciling) {
            Instant now = clock.instant();
            for (Deployment deployment : store.read(ServingStore.Repositories::active)) {
                try {
                    reconcile(deployment, now);
                } catch (RuntimeException e) {
                    LOG.warn("reconciling deployment {} failed; will retry", deployment.modelId(), e);
                }
            }
        }
    }

    private void reconcile(Deployment deployment, Instant now) {
        for (Replica replica : replicas(deployment.id())) {
            Cluster.JobStatus status = cluster.status(replica.jobId());
            if (status.phase() == Cluster.JobPhase.ENDED) {
                store.write(repositories -> {
                    repositories.putReplica(replica.ended(status.reason().orElse("its job ended")));
                    return null;
                });
                inFlightByReplica.remove(replica.jobId());
            } else if (status.phase() == Cluster.JobPhase.WAITING && replica.state() == Replica.State.READY) {
                store.write(repositories -> {
                    repositories.putReplica(replica.restarting(status.reason().orElse("its job is waiting to run"
                            + " again")));
                    return null;
                });
            } else if (replica.active()) {
                checkHealth(replica);
            }
        }
        List<Replica> replicas = replicas(deployment.id());
        DemandTracker tracker = demand.computeIfAbsent(deployment.id(), id -> new DemandTracker());
        ReplicaPlan.Demand seen = tracker.sample();
        for (ReplicaPlan.Action action : ReplicaPlan.plan(deployment, replicas, seen, now, settings)) {
            switch (action) {
                case ReplicaPlan.Start start -> {
                    Optional<Instant> holdUntil = backoff(deployment);
                    if (holdUntil.isPresent() && now.isBefore(holdUntil.get())) {
                        continue; // its last replicas failed before they were ready: do not start one a second
                    }
                    for (int i = 0; i < start.count(); i++) {
                        String job = cluster.submit(deployment, deployment.createdBy());
                        store.write(repositories -> {
                            repositories.putReplica(Replica.starting(job, deployment, clock.instant()));
                            return null;
                        });
                        LOG.info("deployment {}: started replica {} ({})", deployment.modelId(), job, start.why());
                    }
                }
                case ReplicaPlan.Drain drain -> {
                    Replica replica = replicas.stream().filter(r -> r.jobId().equals(drain.jobId())).findFirst()
                            .orElseThrow();
                    store.write(repositories -> {
                        repositories.putReplica(replica.draining(drain.why()));
                        return null;
                    });
                    cluster.stop(drain.jobId(), "serving", drain.why());
                    LOG.info("deployment {}: draining replica {} ({})", deployment.modelId(), drain.jobId(),
                            drain.why());
                }
            }
        }
    }

    /**
     * When replicas keep failing before they are ready (a model that does not load, a command that exits), the next
     * start waits 10 s after the first such failure, doubling with each one in a row up to 10 min.
     */
    private Optional<Instant> backoff(Deployment deployment) {
        List<Replica> recent = store.read(repositories -> repositories.history(deployment.id(), 8));
        int failedInRow = 0;
        Instant last = null;
        for (Replica replica : recent) {
            if (replica.state() != Replica.State.ENDED || replica.readyAt().isPresent()) {
                break;
            }
            if (last == null) {
                last = replica.submittedAt();
            }
            failedInRow++;
        }
        if (failedInRow == 0) {
            return Optional.empty();
        }
        long seconds = Math.min(600, 10L << Math.min(6, failedInRow - 1));
        return Optional.of(last.plusSeconds(seconds));
    }

    /** Why a deployment starts no replica now, if it is holding back after failed starts. */
    public Optional<String> holding(Deployment deployment) {
        return backoff(deployment).filter(until -> clock.instant().isBefore(until)).map(until -> "its last replica"
                + " failed before it was ready; the next starts at " + until);
    }

    // ------------------------------------------------------------------------------------------- leases

    /** A replica taken for one request; closing it gives it back. */
    public final class Lease implements AutoCloseable {
        private final Replica replica;
        private final DemandTracker tracker;
        private boolean closed;

        private Lease(Replica replica, DemandTracker tracker) {
            this.replica = replica;
            this.tracker = tracker;
        }

        public Replica replica() {
            return replica;
        }

        /** This replica failed the request: counted towards its health, and it is not offered again in this call. */
        public void failed(String why) {
            store.write(repositories -> {
                repositories.replica(replica.jobId()).filter(r -> r.state() == Replica.State.READY)
                        .ifPresent(r -> repositories.putReplica(r.failed(why)));
                return null;
            });
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                inFlightByReplica.computeIfAbsent(replica.jobId(), id -> new AtomicInteger()).decrementAndGet();
                tracker.finished(clock.instant());
            }
        }
    }

    /**
     * A ready replica of the deployment for one request, the one with the fewest in flight and not in
     * {@code excluding}; if none is ready, the deployment is told a request waits (which starts one when it scaled to
     * zero) and the call waits up to {@code wait} for one. Throws UNAVAILABLE when none became ready.
     */
    public Lease lease(Deployment deployment, java.util.Set<String> excluding, Duration wait) {
        DemandTracker tracker = demand.computeIfAbsent(deployment.id(), id -> new DemandTracker());
        tracker.started(clock.instant());
        boolean waited = false;
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            while (true) {
                Optional<Replica> chosen = replicas(deployment.id()).stream()
                        .filter(r -> r.state() == Replica.State.READY && !excluding.contains(r.jobId()))
                        .min(Comparator.comparingInt(r -> inFlight(r.jobId())));
                if (chosen.isPresent()) {
                    inFlightByReplica.computeIfAbsent(chosen.get().jobId(), id -> new AtomicInteger())
                            .incrementAndGet();
                    return new Lease(chosen.get(), tracker);
                }
                if (System.nanoTime() >= deadline) {
                    tracker.finished(clock.instant());
                    throw new IncubatorException(ErrorCode.UNAVAILABLE, "no replica of '" + deployment.modelId()
                            + "' is ready" + (excluding.isEmpty() ? "" : " (tried " + excluding.size()
                            + " that failed)") + (waited ? " after waiting " + wait.toSeconds() + " s" : "")
                            + "; see 'incubator deploy show " + deployment.modelId() + "' for its replicas");
                }
                if (!waited) {
                    Optional<String> held = holding(deployment);
                    if (held.isPresent() && replicas(deployment.id()).stream().noneMatch(Replica::active)) {
                        tracker.finished(clock.instant());
                        throw new IncubatorException(ErrorCode.UNAVAILABLE, "no replica of '" + deployment.modelId()
                                + "' is ready: " + held.get() + "; see 'incubator deploy show "
                                + deployment.modelId() + "' and the replica job's logs");
                    }
                    waited = true;
                    tracker.waiting(true);
                    reconcile(); // a cold start begins now, not at the next pass
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    tracker.finished(clock.instant());
                    throw new IncubatorException(ErrorCode.UNAVAILABLE, "interrupted while waiting for a replica");
                }
            }
        } finally {
            if (waited) {
                tracker.waiting(false);
            }
        }
    }

    private int inFlight(String jobId) {
        AtomicInteger count = inFlightByReplica.get(jobId);
        return count == null ? 0 : count.get();
    }

    /** Requests in flight to the deployment now (what its status shows). */
    public int inFlight(Deployment deployment) {
        DemandTracker tracker = demand.get(deployment.id());
        return tracker == null ? 0 : tracker.inFlight.get();
    }

    public void record(UsageRecord record) {
        store.write(repositories -> {
            repositories.appendUsage(record);
            return null;
        });
    }

    /** What the gateway saw of one deployment between two plans. */
    private static final class DemandTracker {
        private final AtomicInteger inFlight = new AtomicInteger();
        private final AtomicInteger waiters = new AtomicInteger();
        private volatile int peak;
        private volatile Instant last;

        synchronized void started(Instant now) {
            last = now;
            peak = Math.max(peak, inFlight.incrementAndGet());
        }

        synchronized void finished(Instant now) {
            last = now;
            inFlight.decrementAndGet();
        }

        void waiting(boolean on) {
            if (on) {
                waiters.incrementAndGet();
            } else {
                waiters.decrementAndGet();
            }
        }

        synchronized ReplicaPlan.Demand sample() {
            ReplicaPlan.Demand seen = new ReplicaPlan.Demand(Optional.ofNullable(last), Math.max(peak, inFlight.get()),
                    waiters.get() > 0);
            peak = inFlight.get();
            return seen;
        }
    }
}
