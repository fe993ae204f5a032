-- Metered slices of job usage: GPU time and (estimated) energy. Append-only.
CREATE TABLE job_usage (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id      TEXT NOT NULL,
    org_id      TEXT NOT NULL,
    job_name    TEXT NOT NULL,
    at          INTEGER NOT NULL,
    gpu_type    TEXT NOT NULL,
    gpu_ms      INTEGER NOT NULL,
    watt_hours  REAL NOT NULL,
    estimated   INTEGER NOT NULL
);
CREATE INDEX job_usage_by_org ON job_usage (org_id, at);
