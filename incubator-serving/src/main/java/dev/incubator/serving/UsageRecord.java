package dev.incubator.serving;

import java.time.Instant;
import java.util.Optional;

/**
 * One gateway request as recorded: who (token, actor, calling organisation), which deployment and revision, the
 * tokens counted from the replica's usage, latency, status, the replica that answered, the request's label id
 * (ProduceID) and, only where the deployment opts in, the content (kept for its retention period).
 */
public record UsageRecord(long id, Instant at, String deploymentId, String ownerOrgId, String modelId,
                          String revision, String route, String tokenId, String actor, String callerOrgId,
                          int promptTokens, int completionTokens, long latencyMillis, int status,
                          Optional<String> replicaJob, String produceId, Optional<String> content) {
    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
