-- Metered slices of job usage: GPU time and (estimated) energy. Append-only.
CREATE TABLE job_usage (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id      TEXT NOT NULL,
    org_id      TEXT NOT NULL,
    job_name    TEXT NOT NULL,
    at          BIGINT NOT NULL,
    gpu_type    TEXT NOT NULL,
    gpu_ms      BIGINT NOT NULL,
    watt_hours  DOUBLE PRECISION NOT NULL,
    estimated   BOOLEAN NOT NULL
);
CREATE INDEX job_usage_by_org ON job_usage (org_id, at);
