-- Review: applications (what an organisation serves to people, with its risk) and their ethical reviews.
CREATE TABLE applications (
    id          TEXT COLLATE "C" PRIMARY KEY,
    org_id      TEXT NOT NULL,
    org_name    TEXT NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    purpose     TEXT NOT NULL,
    audience    TEXT NOT NULL,
    minors      BIGINT NOT NULL,
    domain      TEXT NOT NULL,
    deployments TEXT NOT NULL,
    datasets    TEXT NOT NULL,
    risk        TEXT NOT NULL,
    expert      BIGINT NOT NULL,
    reasons     TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    version     BIGINT NOT NULL
);
CREATE UNIQUE INDEX applications_by_name ON applications (org_id, name);
CREATE TABLE reviews (
    id             TEXT COLLATE "C" PRIMARY KEY,
    application_id TEXT NOT NULL,
    org_id         TEXT NOT NULL,
    dossier        TEXT NOT NULL,
    expert         BIGINT NOT NULL,
    state          TEXT NOT NULL,
    votes          TEXT NOT NULL,
    decision       TEXT,
    valid_until    TEXT,
    opened_by      TEXT NOT NULL,
    opened_at      BIGINT NOT NULL,
    decided_at     BIGINT,
    version        BIGINT NOT NULL
);
CREATE INDEX reviews_by_application ON reviews (application_id, opened_at);
CREATE INDEX reviews_by_state ON reviews (state, id);
