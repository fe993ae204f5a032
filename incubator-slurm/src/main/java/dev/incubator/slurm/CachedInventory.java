package dev.incubator.slurm;

import static java.util.Objects.requireNonNull;

import dev.incubator.compute.scheduler.Node;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's nodes, refreshed at most every {@code refresh}. While the source is unreachable the last known
 * nodes stay in use (the back end is reported degraded; the queue is kept); the same list object is returned
 * while nothing changed, which lets the scheduler reuse what it derived from it.
 */
public final class CachedInventory implements Supplier<List<Node>> {
    private static final Logger LOG = LoggerFactory.getLogger(CachedInventory.class);

    private final Supplier<List<Node>> source;
    private final Duration refresh;
    private final Clock clock;
    private List<Node> nodes = List.of();
    private Instant fetched = Instant.MIN;
    private volatile boolean degraded;

    public CachedInventory(Supplier<List<Node>> source, Duration refresh, Clock clock) {
        this.source = requireNonNull(source, "source is null");
        this.refresh = requireNonNull(refresh, "refresh is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    @Override
    public synchronized List<Node> get() {
        Instant now = clock.instant();
        if (fetched.equals(Instant.MIN) || !now.isBefore(fetched.plus(refresh))) {
            try {
                List<Node> fresh = List.copyOf(source.get());
                if (!fresh.equals(nodes)) {
                    nodes = fresh;
                }
                if (degraded) {
                    LOG.info("compute back end reachable again");
                }
                degraded = false;
            } catch (SlurmException | dev.incubator.compute.port.BackendUnavailableException e) {
                if (!degraded) {
                    LOG.warn("compute back end degraded, keeping the last known {} node(s): {}", nodes.size(),
                            e.getMessage());
                }
                degraded = true;
            }
            fetched = now;
        }
        return nodes;
    }

    /** Whether the last refresh failed. */
    public boolean degraded() {
        return degraded;
    }
}
