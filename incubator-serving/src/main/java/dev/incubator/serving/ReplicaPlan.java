package dev.incubator.serving;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What a deployment's replicas should become, decided from what they are (pure; the service applies it):
 * <ul>
 *   <li>how many: enough for the recent peak of requests in flight at {@code targetConcurrency} each, within
 *   the deployment's bounds; a deployment that may scale to zero starts with none, returns to none once idle for
 *   its idle timeout, and gets one as soon as a request waits for it (a cold start);</li>
 *   <li>a revision change rolls one replica at a time: one of the new revision is started beside the old ones
 *   (a surge of one), and only when it is ready is one of the old drained;</li>
 *   <li>a ready replica that failed {@code maxFailures} health checks in a row is drained and replaced.</li>
 * </ul>
 */
public final class ReplicaPlan {
    public record Settings(int targetConcurrency, int maxFailures) {
        public static final Settings DEFAULT = new Settings(4, 3);
    }

    /**
     * What the gateway saw of a deployment: the last request, the peak in flight since the last plan, and whether a
     * caller is waiting for a replica right now.
     */
    public record Demand(Optional<Instant> lastRequest, int peakInFlight, boolean waiting) {
        public static final Demand NONE = new Demand(Optional.empty(), 0, false);
    }

    public sealed interface Action {
    }

    public record Start(int count, String why) implements Action {
    }

    public record Drain(String jobId, String why) implements Action {
    }

    private ReplicaPlan() {
    }

    /**
     * How many replicas the deployment wants now. One that may scale to zero starts at zero (the first request
     * cold-starts a replica) and returns to zero once idle for its idle timeout, counted from its last request, or
     * from its newest replica's start when no request came since this server started.
     */
    public static int wanted(Deployment deployment, List<Replica> replicas, Demand demand, Instant now,
                             Settings settings) {
        if (deployment.state() == Deployment.State.DELETED) {
            return 0;
        }
        if (deployment.scalesToZero() && !demand.waiting() && demand.peakInFlight() == 0) {
            Optional<Instant> newestReplica = replicas.stream().filter(Replica::active).map(Replica::submittedAt)
                    .max(Comparator.naturalOrder());
            if (demand.lastRequest().isEmpty() && newestReplica.isEmpty()) {
                return 0;
            }
            Instant lastActivity = demand.lastRequest().orElse(Instant.EPOCH);
            if (newestReplica.isPresent() && newestReplica.get().isAfter(lastActivity)) {
                lastActivity = newestReplica.get();
            }
            if (!now.isBefore(lastActivity.plus(deployment.idleTimeout()))) {
                return 0;
            }
        }
        int forLoad = (demand.peakInFlight() + settings.targetConcurrency() - 1) / settings.targetConcurrency();
        return Math.min(deployment.maxReplicas(), Math.max(Math.max(deployment.minReplicas(), 1), forLoad));
    }

    public static List<Action> plan(Deployment deployment, List<Replica> replicas, Demand demand, Instant now,
                                    Settings settings) {
        List<Action> actions = new ArrayList<>();
        List<Replica> healthy = new ArrayList<>();
        for (Replica replica : replicas) {
            if (replica.state() == Replica.State.READY && replica.failures() >= settings.maxFailures()) {
                actions.add(new Drain(replica.jobId(), "failed " + replica.failures() + " health checks in a row"
                        + replica.message().map(why -> ": " + why).orElse("")));
            } else if (replica.active()) {
                healthy.add(replica);
            }
        }
        int wanted = wanted(deployment, replicas, demand, now, settings);
        List<Replica> current = healthy.stream().filter(r -> r.revision().equals(deployment.revision())).toList();
        List<Replica> old = healthy.stream().filter(r -> !r.revision().equals(deployment.revision()))
                .sorted(Comparator.comparing(Replica::submittedAt)).toList();
        if (wanted == 0) {
            for (Replica replica : healthy) {
                actions.add(new Drain(replica.jobId(), deployment.state() == Deployment.State.DELETED
                        ? "the deployment was deleted" : "idle for " + minutes(deployment.idleTimeout())
                        + ": scaled to zero"));
            }
            return actions;
        }
        if (!old.isEmpty()) {
            boolean newStarting = current.stream().anyMatch(r -> r.state() == Replica.State.STARTING);
            if (newStarting) {
                return actions; // one at a time: wait for the new replica to be ready
            }
            if (current.size() < wanted && current.size() + old.size() < wanted + 1) {
                actions.add(new Start(1, "rolling to revision " + shortRevision(deployment.revision())));
            } else {
                actions.add(new Drain(old.get(0).jobId(), "replaced by revision "
                        + shortRevision(deployment.revision())));
            }
            return actions;
        }
        if (current.size() < wanted) {
            actions.add(new Start(wanted - current.size(), current.isEmpty() && demand.waiting()
                    ? "a request is waiting (cold start)" : "scaling to " + wanted + " replica(s)"));
        } else if (current.size() > wanted) {
            List<Replica> newestFirst = current.stream().sorted(Comparator.comparing(Replica::submittedAt)
                    .reversed()).toList();
            for (int i = 0; i < current.size() - wanted; i++) {
                actions.add(new Drain(newestFirst.get(i).jobId(), "scaling down to " + wanted + " replica(s)"));
            }
        }
        return actions;
    }

    static String shortRevision(String revision) {
        return revision.length() > 12 ? revision.substring(0, 12) : revision;
    }

    private static String minutes(Duration duration) {
        return duration.toSeconds() % 60 == 0 ? duration.toMinutes() + " min" : duration.toSeconds() + " s";
    }
}
