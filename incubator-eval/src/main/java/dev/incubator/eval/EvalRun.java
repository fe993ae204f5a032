package dev.incubator.eval;

import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * One evaluation run: what was asked (the model and benchmark at exact commits, the method, shots, seed and item
 * limit), the job that runs it, and once it succeeded the record the platform checked and signed into the audit log.
 * The spec's hash and licence are read by the platform from the benchmark's commit when the run is scheduled, so a
 * job can not claim another spec. {@code deployment}: the existing deployment (ORG/NAME) that served the model through
 * the gateway, when the run used one instead of the engine in the job. {@code contamination}: the items found in the
 * model's training data, when checked.
 */
public record EvalRun(String id, String orgId, String orgName, String model, String modelCommit, String benchmark,
                      String benchmarkCommit, String task, String taskSha256, Method method, int shots, long seed,
                      int limit, boolean heldOut, String license, boolean nonCommercial, String jobId,
                      Optional<String> deployment, State state,
                      Optional<String> message, Optional<EvalRecord> record, Optional<Long> auditSequence,
                      Optional<ContaminationCheck> contamination, String createdBy, Instant createdAt,
                      Instant updatedAt) {

    public enum State {
        QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

        public boolean isFinal() {
            return this == SUCCEEDED || this == FAILED || this == CANCELLED;
        }

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The 13-gram check of the benchmark's items against the model's training data: which datasets (at which
     * commits) were read, how many items overlap, and which.
     */
    public record ContaminationCheck(java.util.SortedMap<String, String> datasets, int checked,
                                     java.util.List<String> contaminated) {
        public String verdict() {
            if (datasets.isEmpty()) {
                return "unknown";
            }
            return contaminated.isEmpty() ? "clean" : "contaminated";
        }
    }

    public EvalRun withState(State next, Optional<String> why, Instant at) {
        return new EvalRun(id, orgId, orgName, model, modelCommit, benchmark, benchmarkCommit, task, taskSha256,
                method, shots, seed, limit, heldOut, license, nonCommercial, jobId, deployment, next, why, record, auditSequence,
                contamination, createdBy, createdAt, at);
    }

    public EvalRun withRecord(EvalRecord signed, long sequence, Optional<ContaminationCheck> check, Instant at) {
        return new EvalRun(id, orgId, orgName, model, modelCommit, benchmark, benchmarkCommit, task, taskSha256,
                method, shots, seed, limit, heldOut, license, nonCommercial, jobId, deployment, State.SUCCEEDED,
                Optional.empty(),
                Optional.of(signed), Optional.of(sequence), check, createdBy, createdAt, at);
    }

    /** The pins a job's record must carry to be this run's (everything the platform fixed before it ran). */
    public java.util.List<String> mismatches(EvalRecord.Pins pins) {
        java.util.List<String> wrong = new java.util.ArrayList<>();
        expect(wrong, "model", model, pins.model());
        expect(wrong, "model_commit", modelCommit, pins.modelCommit());
        expect(wrong, "benchmark", benchmark, pins.benchmark());
        expect(wrong, "benchmark_commit", benchmarkCommit, pins.benchmarkCommit());
        expect(wrong, "task_sha256", taskSha256, pins.taskSha256());
        expect(wrong, "license", license, pins.license());
        expect(wrong, "non_commercial", Boolean.toString(nonCommercial), Boolean.toString(pins.nonCommercial()));
        expect(wrong, "method", method.wire(), pins.method().wire());
        expect(wrong, "shots", Integer.toString(shots), Integer.toString(pins.shots()));
        expect(wrong, "seed", Long.toString(seed), Long.toString(pins.seed()));
        return wrong;
    }

    private static void expect(java.util.List<String> wrong, String field, String wanted, String claimed) {
        if (!wanted.equals(claimed)) {
            wrong.add(field + " is '" + claimed + "', the run pinned '" + wanted + "'");
        }
    }
}
