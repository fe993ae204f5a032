package dev.incubator.hub.repo;

import dev.incubator.common.RequestMeta;
import java.util.Map;
import java.util.Optional;

/**
 * Who asks, as the hub needs to know it: the user (empty when anonymous), their level in each organisation by id,
 * whether a platform role lets them read or manage everything, and whether their token may write.
 */
public record HubCaller(Optional<String> userId, String actor, Map<String, Level> organisations,
                        boolean readsEverything, boolean managesEverything, boolean mayWrite, RequestMeta meta,
                        Optional<String> purpose, Optional<String> job) {
    public enum Level { VIEWER, MEMBER, ADMIN }

    public HubCaller {
        organisations = Map.copyOf(organisations);
    }

    public HubCaller(Optional<String> userId, String actor, Map<String, Level> organisations, boolean readsEverything,
                     boolean managesEverything, boolean mayWrite, RequestMeta meta) {
        this(userId, actor, organisations, readsEverything, managesEverything, mayWrite, meta, Optional.empty(),
                Optional.empty());
    }

    public static HubCaller anonymous(RequestMeta meta) {
        return new HubCaller(Optional.empty(), "anonymous", Map.of(), false, false, false, meta);
    }

    public boolean atLeast(String organisationId, Level level) {
        Level held = organisations.get(organisationId);
        return held != null && held.compareTo(level) >= 0;
    }
}
