-- Review: applications (what an organisation serves to people, with its risk) and their ethical reviews.
CREATE TABLE applications (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    org_name    TEXT NOT NULL,
    name        TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    audience    TEXT NOT NULL,
    minors      INTEGER NOT NULL,
    domain      TEXT NOT NULL,
    deployments TEXT NOT NULL,
    datasets    TEXT NOT NULL,
    risk        TEXT NOT NULL,
    expert      INTEGER NOT NULL,
    reasons     TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL
);
CREATE UNIQUE INDEX applications_by_name ON applications (org_id, name);
CREATE TABLE reviews (
    id             TEXT PRIMARY KEY,
    application_id TEXT NOT NULL,
    org_id         TEXT NOT NULL,
    dossier        TEXT NOT NULL,
    expert         INTEGER NOT NULL,
    state          TEXT NOT NULL,
    votes          TEXT NOT NULL,
    decision       TEXT,
    valid_until    TEXT,
    opened_by      TEXT NOT NULL,
    opened_at      INTEGER NOT NULL,
    decided_at     INTEGER,
    version        INTEGER NOT NULL
);
CREATE INDEX reviews_by_application ON reviews (application_id, opened_at);
CREATE INDEX reviews_by_state ON reviews (state, id);
