-- Compute jobs. The spec and the allocation are JSON documents; times are epoch milliseconds.
CREATE TABLE jobs (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES organisations (id),
    org_name           TEXT NOT NULL,
    submitted_by       TEXT NOT NULL,
    spec               TEXT NOT NULL,
    state              TEXT NOT NULL,
    reason             TEXT,
    message            TEXT,
    position           INTEGER NOT NULL,
    estimated_start    INTEGER,
    submitted_at       INTEGER NOT NULL,
    submit_order       INTEGER NOT NULL,
    started_at         INTEGER,
    finished_at        INTEGER,
    allocation         TEXT NOT NULL,
    borrowed           INTEGER NOT NULL,
    terminating        INTEGER NOT NULL,
    terminate_by       INTEGER,
    exit_code          INTEGER,
    pid                INTEGER,
    pid_started_at     INTEGER,
    metered_gpu_ms     INTEGER NOT NULL,
    metered_until      INTEGER NOT NULL,
    attempt            INTEGER NOT NULL,
    version            INTEGER NOT NULL
);
CREATE INDEX jobs_by_org ON jobs (org_id, id);
CREATE INDEX jobs_by_state ON jobs (state);

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('job_submit_order', 0);
