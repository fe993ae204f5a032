-- Serving: deployments (a model revision served by replica jobs), their replicas, and one row per gateway request.
CREATE TABLE deployments (
    id             TEXT COLLATE "C" PRIMARY KEY,
    org_id         TEXT NOT NULL,
    org_name       TEXT NOT NULL,
    name           TEXT COLLATE "C" NOT NULL,
    model          TEXT NOT NULL,
    revision       TEXT NOT NULL,
    engine         TEXT NOT NULL,
    command        TEXT NOT NULL,
    min_replicas   BIGINT NOT NULL,
    max_replicas   BIGINT NOT NULL,
    gpu_millis     BIGINT NOT NULL,
    cpus           BIGINT NOT NULL,
    memory_mib     BIGINT NOT NULL,
    idle_seconds   BIGINT NOT NULL,
    access         TEXT NOT NULL,
    shared_with    TEXT NOT NULL,
    rpm            BIGINT NOT NULL,
    tpm            BIGINT NOT NULL,
    monthly_tokens BIGINT NOT NULL,
    explicit_label TEXT,
    log_content    BIGINT NOT NULL,
    retention_days BIGINT NOT NULL,
    state          TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    version        BIGINT NOT NULL
);
CREATE UNIQUE INDEX deployments_active_name ON deployments (org_id, name) WHERE state = 'ACTIVE';
CREATE TABLE deployment_replicas (
    job_id        TEXT COLLATE "C" PRIMARY KEY,
    deployment_id TEXT NOT NULL,
    revision      TEXT NOT NULL,
    state         TEXT NOT NULL,
    endpoint      TEXT,
    submitted_at  BIGINT NOT NULL,
    ready_at      BIGINT,
    cold_start_ms BIGINT,
    failures      BIGINT NOT NULL,
    message       TEXT
);
CREATE INDEX deployment_replicas_by_deployment ON deployment_replicas (deployment_id, state);
CREATE TABLE serving_usage (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at                BIGINT NOT NULL,
    deployment_id     TEXT NOT NULL,
    owner_org_id      TEXT NOT NULL,
    model_id          TEXT NOT NULL,
    revision          TEXT NOT NULL,
    route             TEXT NOT NULL,
    token_id          TEXT NOT NULL,
    actor             TEXT NOT NULL,
    caller_org_id     TEXT NOT NULL,
    prompt_tokens     BIGINT NOT NULL,
    completion_tokens BIGINT NOT NULL,
    latency_ms        BIGINT NOT NULL,
    status            BIGINT NOT NULL,
    replica_job       TEXT,
    produce_id        TEXT NOT NULL,
    content           TEXT
);
CREATE INDEX serving_usage_by_deployment ON serving_usage (deployment_id, id);
CREATE INDEX serving_usage_by_owner ON serving_usage (owner_org_id, at);
CREATE INDEX serving_usage_by_caller ON serving_usage (deployment_id, caller_org_id, at);
