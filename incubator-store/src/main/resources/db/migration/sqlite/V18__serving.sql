-- Serving: deployments (a model revision served by replica jobs), their replicas, and one row per gateway request.
CREATE TABLE deployments (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL,
    org_name       TEXT NOT NULL,
    name           TEXT NOT NULL,
    model          TEXT NOT NULL,
    revision       TEXT NOT NULL,
    engine         TEXT NOT NULL,
    command        TEXT NOT NULL,
    min_replicas   INTEGER NOT NULL,
    max_replicas   INTEGER NOT NULL,
    gpu_millis     INTEGER NOT NULL,
    cpus           INTEGER NOT NULL,
    memory_mib     INTEGER NOT NULL,
    idle_seconds   INTEGER NOT NULL,
    access         TEXT NOT NULL,
    shared_with    TEXT NOT NULL,
    rpm            INTEGER NOT NULL,
    tpm            INTEGER NOT NULL,
    monthly_tokens INTEGER NOT NULL,
    explicit_label TEXT,
    log_content    INTEGER NOT NULL,
    retention_days INTEGER NOT NULL,
    state          TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    version        INTEGER NOT NULL
);
CREATE UNIQUE INDEX deployments_active_name ON deployments (org_id, name) WHERE state = 'ACTIVE';
CREATE TABLE deployment_replicas (
    job_id        TEXT PRIMARY KEY,
    deployment_id TEXT NOT NULL,
    revision      TEXT NOT NULL,
    state         TEXT NOT NULL,
    endpoint      TEXT,
    submitted_at  INTEGER NOT NULL,
    ready_at      INTEGER,
    cold_start_ms INTEGER,
    failures      INTEGER NOT NULL,
    message       TEXT
);
CREATE INDEX deployment_replicas_by_deployment ON deployment_replicas (deployment_id, state);
CREATE TABLE serving_usage (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    at                INTEGER NOT NULL,
    deployment_id     TEXT NOT NULL,
    owner_org_id      TEXT NOT NULL,
    model_id          TEXT NOT NULL,
    revision          TEXT NOT NULL,
    route             TEXT NOT NULL,
    token_id          TEXT NOT NULL,
    actor             TEXT NOT NULL,
    caller_org_id     TEXT NOT NULL,
    prompt_tokens     INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    latency_ms        INTEGER NOT NULL,
    status            INTEGER NOT NULL,
    replica_job       TEXT,
    produce_id        TEXT NOT NULL,
    content           TEXT
);
CREATE INDEX serving_usage_by_deployment ON serving_usage (deployment_id, id);
CREATE INDEX serving_usage_by_owner ON serving_usage (owner_org_id, at);
CREATE INDEX serving_usage_by_caller ON serving_usage (deployment_id, caller_org_id, at);
