-- Run tracking: what a job reports of itself. job_runs holds a job's tally (points kept, the next sequence number,
-- how far its metrics file was read, lines ignored) and moves in the same transaction as its points.
CREATE TABLE job_runs (
    job_id        TEXT PRIMARY KEY,
    points        INTEGER NOT NULL,
    next_sequence INTEGER NOT NULL,
    file_offset   INTEGER NOT NULL,
    ignored_lines INTEGER NOT NULL
);
CREATE TABLE job_metrics (
    job_id   TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    step     INTEGER NOT NULL,
    name     TEXT NOT NULL,
    value    REAL NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (job_id, sequence)
);
CREATE INDEX job_metrics_by_name ON job_metrics (job_id, name, sequence);
CREATE TABLE job_params (
    job_id TEXT NOT NULL,
    name   TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (job_id, name)
);
