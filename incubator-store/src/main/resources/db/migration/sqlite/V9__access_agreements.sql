-- Data-use agreements for gated repositories. Times are epoch milliseconds; purposes a JSON array.
CREATE TABLE access_agreements (
    id                 TEXT PRIMARY KEY,
    repo_id            TEXT NOT NULL,
    repository         TEXT NOT NULL,
    requester_id       TEXT NOT NULL,
    requester_name     TEXT NOT NULL,
    purpose            TEXT NOT NULL,
    justification      TEXT NOT NULL,
    state              TEXT NOT NULL,
    allowed_purposes   TEXT NOT NULL,
    expires_on         TEXT,
    mode               TEXT NOT NULL,
    no_redistribution  INTEGER NOT NULL,
    attribution        TEXT,
    decided_by         TEXT,
    decided_at         INTEGER,
    reason             TEXT,
    created_at         INTEGER NOT NULL,
    version            INTEGER NOT NULL
);
CREATE INDEX access_agreements_by_repo ON access_agreements (repo_id, requester_id, created_at);
CREATE INDEX access_agreements_by_requester ON access_agreements (requester_id, created_at);
CREATE INDEX audit_events_by_action_target ON audit_events (action, target_id, seq);
