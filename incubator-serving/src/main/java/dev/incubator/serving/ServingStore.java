package dev.incubator.serving;

import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Deployments, their replicas and the gateway's usage records, in the metadata store's transactions. */
public interface ServingStore {
    /** Tokens and requests grouped by one key (a token, a model, a calling organisation). */
    record UsageGroup(String key, long requests, long promptTokens, long completionTokens, long errors,
                      long latencyMillisTotal) {
        public long totalTokens() {
            return promptTokens + completionTokens;
        }
    }

    enum GroupBy { TOKEN, MODEL, CALLER_ORGANISATION }

    interface Repositories {
        void insert(Deployment deployment);

        /** Replaces the row if its version is {@code deployment.version() - 1}; false if it changed meanwhile. */
        boolean update(Deployment deployment);

        Optional<Deployment> find(String orgId, String name);

        Optional<Deployment> findById(String id);

        /** An organisation's deployments (not deleted), by name. */
        Page<Deployment> list(String orgId, PageRequest page);

        /** Every deployment not deleted, and those deleted whose replicas are still stopping. */
        List<Deployment> active();

        void putReplica(Replica replica);

        Optional<Replica> replica(String jobId);

        /** A deployment's replicas that have not ended, oldest first. */
        List<Replica> replicas(String deploymentId);

        /** Every replica ever started for the deployment, newest first (what its history shows). */
        List<Replica> history(String deploymentId, int limit);

        void appendUsage(UsageRecord record);

        /** Usage of a deployment's owner organisation since {@code since}, grouped. */
        List<UsageGroup> usage(String ownerOrgId, Optional<String> deploymentId, Instant since, GroupBy groupBy);

        /** Tokens a calling organisation used of a deployment since {@code since} (what a monthly budget counts). */
        long tokensUsed(String deploymentId, String callerOrgId, Instant since);

        /** A deployment's usage records, newest first. */
        Page<UsageRecord> requests(String deploymentId, PageRequest page);

        /** Drops the content of records older than their deployment's retention; returns how many were cleared. */
        int expireContent(Instant now);
    }

    <T> T write(Function<Repositories, T> work);

    <T> T read(Function<Repositories, T> work);
}
