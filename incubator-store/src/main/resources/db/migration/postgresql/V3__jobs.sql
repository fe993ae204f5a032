-- Compute jobs. The spec and the allocation are JSON documents; times are epoch milliseconds.
CREATE TABLE jobs (
    id                 TEXT COLLATE "C" PRIMARY KEY,
    org_id             TEXT COLLATE "C" NOT NULL REFERENCES organisations (id),
    org_name           TEXT NOT NULL,
    submitted_by       TEXT NOT NULL,
    spec               TEXT NOT NULL,
    state              TEXT NOT NULL,
    reason             TEXT,
    message            TEXT,
    position           INTEGER NOT NULL,
    estimated_start    BIGINT,
    submitted_at       BIGINT NOT NULL,
    submit_order       BIGINT NOT NULL,
    started_at         BIGINT,
    finished_at        BIGINT,
    allocation         TEXT NOT NULL,
    borrowed           BOOLEAN NOT NULL,
    terminating        BOOLEAN NOT NULL,
    terminate_by       BIGINT,
    exit_code          INTEGER,
    pid                BIGINT,
    pid_started_at     BIGINT,
    metered_gpu_ms     BIGINT NOT NULL,
    metered_until      BIGINT NOT NULL,
    attempt            INTEGER NOT NULL,
    version            BIGINT NOT NULL
);
CREATE INDEX jobs_by_org ON jobs (org_id, id);
CREATE INDEX jobs_by_state ON jobs (state);

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('job_submit_order', 0);
