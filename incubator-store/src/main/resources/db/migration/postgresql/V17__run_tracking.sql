-- Run tracking: what a job reports of itself. job_runs holds a job's tally (points kept, the next sequence number,
-- how far its metrics file was read, lines ignored) and moves in the same transaction as its points.
CREATE TABLE job_runs (
    job_id        TEXT COLLATE "C" PRIMARY KEY,
    points        BIGINT NOT NULL,
    next_sequence BIGINT NOT NULL,
    file_offset   BIGINT NOT NULL,
    ignored_lines BIGINT NOT NULL
);
CREATE TABLE job_metrics (
    job_id   TEXT COLLATE "C" NOT NULL,
    sequence BIGINT NOT NULL,
    step     BIGINT NOT NULL,
    name     TEXT COLLATE "C" NOT NULL,
    value    DOUBLE PRECISION NOT NULL,
    at       BIGINT NOT NULL,
    PRIMARY KEY (job_id, sequence)
);
CREATE INDEX job_metrics_by_name ON job_metrics (job_id, name, sequence);
CREATE TABLE job_params (
    job_id TEXT COLLATE "C" NOT NULL,
    name   TEXT COLLATE "C" NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (job_id, name)
);
