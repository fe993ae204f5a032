-- Tenancy schema for PostgreSQL. Times are epoch milliseconds, dates ISO-8601 text, GPU-hours thousandths.
-- Identifiers use the C collation so keyset pagination orders them exactly as SQLite does.

CREATE TABLE organisations (
    id           TEXT COLLATE "C" PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    kind         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    version      BIGINT NOT NULL
);

CREATE TABLE users (
    id             TEXT COLLATE "C" PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    email          TEXT NOT NULL,
    platform_roles TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    version        BIGINT NOT NULL
);

CREATE TABLE memberships (
    org_id     TEXT COLLATE "C" NOT NULL REFERENCES organisations (id),
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    role       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    version    BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships (user_id);

CREATE TABLE api_tokens (
    id           TEXT COLLATE "C" PRIMARY KEY,
    user_id      TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    secret_hash  TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    revoked_at   BIGINT,
    last_used_at BIGINT
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id, id);

CREATE TABLE grants (
    id              TEXT COLLATE "C" PRIMARY KEY,
    org_id          TEXT COLLATE "C" NOT NULL REFERENCES organisations (id),
    programme       TEXT NOT NULL,
    starts_on       TEXT NOT NULL,
    ends_on         TEXT NOT NULL,
    guaranteed_gpus INTEGER NOT NULL,
    created_at      BIGINT NOT NULL,
    created_by      TEXT NOT NULL,
    expired_at      BIGINT,
    version         BIGINT NOT NULL
);
CREATE INDEX grants_by_org ON grants (org_id, id);

CREATE TABLE ledger_entries (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    grant_id        TEXT COLLATE "C" NOT NULL REFERENCES grants (id),
    org_id          TEXT COLLATE "C" NOT NULL REFERENCES organisations (id),
    kind            TEXT NOT NULL,
    gpu_type        TEXT NOT NULL,
    milli_gpu_hours BIGINT NOT NULL,
    occurred_at     BIGINT NOT NULL,
    reference       TEXT,
    note            TEXT,
    actor           TEXT NOT NULL
);
CREATE INDEX ledger_by_grant ON ledger_entries (grant_id, seq);

CREATE TABLE grant_thresholds (
    grant_id   TEXT COLLATE "C" NOT NULL REFERENCES grants (id),
    percent    INTEGER NOT NULL,
    crossed_at BIGINT NOT NULL,
    PRIMARY KEY (grant_id, percent)
);

CREATE TABLE audit_events (
    seq            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at    BIGINT NOT NULL,
    actor          TEXT NOT NULL,
    action         TEXT NOT NULL,
    target_type    TEXT NOT NULL,
    target_id      TEXT NOT NULL,
    org_id         TEXT COLLATE "C",
    request_id     TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    source_address TEXT NOT NULL,
    details        TEXT NOT NULL
);
CREATE INDEX audit_events_by_org ON audit_events (org_id, seq);

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

CREATE TABLE idempotency_keys (
    principal           TEXT NOT NULL,
    idempotency_key     TEXT NOT NULL,
    request_fingerprint TEXT NOT NULL,
    status              INTEGER NOT NULL,
    body                TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    PRIMARY KEY (principal, idempotency_key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);

CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
