-- Safety assessments of applications' deployments, and their per-question results.
CREATE TABLE assessments (
    id             TEXT PRIMARY KEY,
    application_id TEXT NOT NULL,
    org_id         TEXT NOT NULL,
    org_name       TEXT NOT NULL,
    deployment     TEXT NOT NULL,
    model          TEXT NOT NULL,
    banks          TEXT NOT NULL,
    sample         INTEGER NOT NULL,
    seed           INTEGER NOT NULL,
    max_tokens     INTEGER NOT NULL,
    job_id         TEXT NOT NULL,
    state          TEXT NOT NULL,
    message        TEXT,
    report         TEXT,
    report_sha256  TEXT,
    passed         INTEGER NOT NULL,
    audit_sequence INTEGER,
    created_by     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX assessments_by_application ON assessments (application_id, id);
CREATE INDEX assessments_by_state ON assessments (state, created_at);
CREATE TABLE assessment_results (
    assessment_id TEXT NOT NULL,
    position      INTEGER NOT NULL,
    line          TEXT NOT NULL,
    PRIMARY KEY (assessment_id, position)
);
