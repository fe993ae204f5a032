-- Tenancy schema for SQLite. Times are epoch milliseconds, dates ISO-8601 text, GPU-hours thousandths.

CREATE TABLE organisations (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    kind         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    version      INTEGER NOT NULL
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    email          TEXT NOT NULL,
    platform_roles TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    version        INTEGER NOT NULL
);

CREATE TABLE memberships (
    org_id     TEXT NOT NULL REFERENCES organisations (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    role       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships (user_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    secret_hash  TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    revoked_at   INTEGER,
    last_used_at INTEGER
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id, id);

CREATE TABLE grants (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations (id),
    programme       TEXT NOT NULL,
    starts_on       TEXT NOT NULL,
    ends_on         TEXT NOT NULL,
    guaranteed_gpus INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    created_by      TEXT NOT NULL,
    expired_at      INTEGER,
    version         INTEGER NOT NULL
);
CREATE INDEX grants_by_org ON grants (org_id, id);

CREATE TABLE ledger_entries (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    grant_id        TEXT NOT NULL REFERENCES grants (id),
    org_id          TEXT NOT NULL REFERENCES organisations (id),
    kind            TEXT NOT NULL,
    gpu_type        TEXT NOT NULL,
    milli_gpu_hours INTEGER NOT NULL,
    occurred_at     INTEGER NOT NULL,
    reference       TEXT,
    note            TEXT,
    actor           TEXT NOT NULL
);
CREATE INDEX ledger_by_grant ON ledger_entries (grant_id, seq);
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;

CREATE TABLE grant_thresholds (
    grant_id   TEXT NOT NULL REFERENCES grants (id),
    percent    INTEGER NOT NULL,
    crossed_at INTEGER NOT NULL,
    PRIMARY KEY (grant_id, percent)
);

CREATE TABLE audit_events (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    occurred_at    INTEGER NOT NULL,
    actor          TEXT NOT NULL,
    action         TEXT NOT NULL,
    target_type    TEXT NOT NULL,
    target_id      TEXT NOT NULL,
    org_id         TEXT,
    request_id     TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    source_address TEXT NOT NULL,
    details        TEXT NOT NULL
);
CREATE INDEX audit_events_by_org ON audit_events (org_id, seq);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;

CREATE TABLE idempotency_keys (
    principal           TEXT NOT NULL,
    idempotency_key     TEXT NOT NULL,
    request_fingerprint TEXT NOT NULL,
    status              INTEGER NOT NULL,
    body                TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    PRIMARY KEY (principal, idempotency_key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
