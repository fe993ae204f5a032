-- Evaluation: runs (a model commit scored on a benchmark commit by a job) and their per-item results.
CREATE TABLE eval_runs (
    id               TEXT COLLATE "C" PRIMARY KEY,
    org_id           TEXT NOT NULL,
    org_name         TEXT NOT NULL,
    model            TEXT NOT NULL,
    model_commit     TEXT NOT NULL,
    benchmark        TEXT NOT NULL,
    benchmark_commit TEXT NOT NULL,
    task             TEXT NOT NULL,
    task_sha256      TEXT NOT NULL,
    method           TEXT NOT NULL,
    shots            BIGINT NOT NULL,
    seed             BIGINT NOT NULL,
    item_limit       BIGINT NOT NULL,
    held_out         BIGINT NOT NULL,
    license          TEXT NOT NULL,
    non_commercial   BIGINT NOT NULL,
    job_id           TEXT NOT NULL,
    deployment       TEXT,
    state            TEXT NOT NULL,
    message          TEXT,
    record           TEXT,
    audit_sequence   BIGINT,
    contamination    TEXT,
    created_by       TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX eval_runs_by_org ON eval_runs (org_id, id);
CREATE INDEX eval_runs_by_state ON eval_runs (state, created_at);
CREATE INDEX eval_runs_by_benchmark ON eval_runs (benchmark, state);
CREATE TABLE eval_items (
    run_id   TEXT COLLATE "C" NOT NULL,
    position BIGINT NOT NULL,
    line     TEXT NOT NULL,
    PRIMARY KEY (run_id, position)
);
