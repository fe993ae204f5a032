package dev.incubator.governance.review;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A safety assessment of one of an application's deployments: the model revision it served when the assessment was
 * scheduled, the question banks at exact commits, the sample and decoding, the job that asked the questions, and once
 * it finished the report (canonical JSON, its hash signed into the audit log) and whether it passed.
 */
public record Assessment(String id, String applicationId, String orgId, String orgName, String deployment,
                         String model, List<String> banks, int sample, long seed, int maxTokens, String jobId,
                         State state, Optional<String> message, Optional<String> report, Optional<String> reportSha256,
                         boolean passed, Optional<Long> auditSequence, String createdBy, Instant createdAt,
                         Instant updatedAt) {
    public Assessment {
        banks = List.copyOf(banks);
    }

    public enum State {
        QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

        public boolean isFinal() {
            return this == SUCCEEDED || this == FAILED || this == CANCELLED;
        }

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Assessment withState(State next, Optional<String> why, Instant at) {
        return new Assessment(id, applicationId, orgId, orgName, deployment, model, banks, sample, seed, maxTokens,
                jobId, next, why, report, reportSha256, passed, auditSequence, createdBy, createdAt, at);
    }

    public Assessment withReport(String json, String sha256, boolean pass, long sequence, Instant at) {
        return new Assessment(id, applicationId, orgId, orgName, deployment, model, banks, sample, seed, maxTokens,
                jobId, State.SUCCEEDED, Optional.empty(), Optional.of(json), Optional.of(sha256), pass,
                Optional.of(sequence), createdBy, createdAt, at);
    }
}
