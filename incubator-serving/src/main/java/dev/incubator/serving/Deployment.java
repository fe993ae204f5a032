package dev.incubator.serving;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A model revision served under a name ({@code org/name}, the model id clients send): what runs it, how many
 * replicas (between {@code minReplicas} and {@code maxReplicas}; 0 as the minimum scales to zero after
 * {@code idleTimeout} without requests), what each replica job asks of the cluster, who may call it, its limits per
 * key and the labels its answers carry.
 *
 * @param model     the hub repository, e.g. models/lab/tiny-zh
 * @param revision  the exact commit served (what a request's record names)
 * @param command   for the command engine: the server to run, with {model_dir}, {port} and {host} filled in
 * @param sharedWith ids of the organisations that may call it besides its own (with {@link Access#SHARED})
 */
public record Deployment(String id, String orgId, String orgName, String name, String model, String revision,
                         Engine engine, List<String> command, int minReplicas, int maxReplicas, int gpuMillis,
                         int cpus, int memoryMib, Duration idleTimeout, Access access, Set<String> sharedWith,
                         Limits limits, Optional<String> explicitLabel, boolean logContent, int retentionDays,
                         State state, String createdBy, Instant createdAt, Instant updatedAt, long version) {
    public Deployment {
        requireNonNull(id, "id is null");
        requireNonNull(orgId, "orgId is null");
        requireNonNull(name, "name is null");
        requireNonNull(model, "model is null");
        requireNonNull(revision, "revision is null");
        command = List.copyOf(command);
        sharedWith = Set.copyOf(sharedWith);
        requireNonNull(explicitLabel, "explicitLabel is null");
    }

    public enum Engine { BUILTIN, COMMAND }

    /** Who may call: the organisation's members and jobs, also named organisations', or every signed-in user. */
    public enum Access { PRIVATE, SHARED, PUBLIC }

    public enum State { ACTIVE, DELETED }

    /**
     * Per API key (token): requests and tokens (prompt and completion) a minute, and tokens a calendar month (UTC) for
     * each calling organisation; 0 for no limit.
     */
    public record Limits(int requestsPerMinute, int tokensPerMinute, long monthlyTokensPerOrganisation) {
        public static final Limits NONE = new Limits(0, 0, 0);
    }

    /** The model id clients send: {@code org/name}. */
    public String modelId() {
        return orgName + "/" + name;
    }

    public boolean scalesToZero() {
        return minReplicas == 0;
    }

    public Deployment withReplicas(int min, int max, Instant now) {
        return new Deployment(id, orgId, orgName, name, model, revision, engine, command, min, max, gpuMillis, cpus,
                memoryMib, idleTimeout, access, sharedWith, limits, explicitLabel, logContent, retentionDays, state,
                createdBy, createdAt, now, version + 1);
    }

    public Deployment withRevision(String newRevision, Instant now) {
        return new Deployment(id, orgId, orgName, name, model, newRevision, engine, command, minReplicas, maxReplicas,
                gpuMillis, cpus, memoryMib, idleTimeout, access, sharedWith, limits, explicitLabel, logContent,
                retentionDays, state, createdBy, createdAt, now, version + 1);
    }

    public Deployment withAccess(Access newAccess, Set<String> organisations, Instant now) {
        return new Deployment(id, orgId, orgName, name, model, revision, engine, command, minReplicas, maxReplicas,
                gpuMillis, cpus, memoryMib, idleTimeout, newAccess, organisations, limits, explicitLabel, logContent,
                retentionDays, state, createdBy, createdAt, now, version + 1);
    }

    public Deployment withLimits(Limits newLimits, Instant now) {
        return new Deployment(id, orgId, orgName, name, model, revision, engine, command, minReplicas, maxReplicas,
                gpuMillis, cpus, memoryMib, idleTimeout, access, sharedWith, newLimits, explicitLabel, logContent,
                retentionDays, state, createdBy, createdAt, now, version + 1);
    }

    public Deployment deleted(Instant now) {
        return new Deployment(id, orgId, orgName, name, model, revision, engine, command, 0, 0, gpuMillis, cpus,
                memoryMib, idleTimeout, access, sharedWith, limits, explicitLabel, logContent, retentionDays,
                State.DELETED, createdBy, createdAt, now, version + 1);
    }
}
