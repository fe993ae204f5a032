package dev.incubator.compute.scheduler;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Everything one scheduling cycle sees: the same in the service and in the simulator. */
public record Snapshot(Instant now, List<Node> nodes, List<RunningJob> running, List<JobRequest> pending,
                       Map<String, OrgShare> orgs) {
    public Snapshot {
        requireNonNull(now, "now is null");
        nodes = List.copyOf(nodes);
        running = List.copyOf(running);
        pending = List.copyOf(pending);
        orgs = Map.copyOf(orgs);
    }

    /** The organisation's share, or a grant-less default for one the snapshot does not list. */
    public OrgShare org(String org) {
        OrgShare share = orgs.get(org);
        return share != null ? share : OrgShare.withoutGrant(org);
    }
}
