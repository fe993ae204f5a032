-- The hub: encryption domains' wrapped data keys, packs and the chunk index, file manifests, repositories,
-- commits and refs. Times are epoch milliseconds.
CREATE TABLE hub_keys (
    domain      TEXT PRIMARY KEY,
    wrapper_id  TEXT NOT NULL,
    wrapped     BLOB NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE TABLE hub_packs (
    id          TEXT PRIMARY KEY,
    domain      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    chunks      INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE TABLE hub_chunks (
    domain       TEXT NOT NULL,
    hash         TEXT NOT NULL,
    pack         TEXT NOT NULL,
    offset_bytes INTEGER NOT NULL,
    length       INTEGER NOT NULL,
    raw_length   INTEGER NOT NULL,
    last_wanted  INTEGER NOT NULL,
    PRIMARY KEY (domain, hash)
);
CREATE INDEX hub_chunks_by_pack ON hub_chunks (pack);
CREATE TABLE hub_files (
    domain      TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    chunks      BLOB NOT NULL,
    last_wanted INTEGER NOT NULL,
    PRIMARY KEY (domain, sha256)
);
CREATE TABLE hub_repos (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    namespace   TEXT NOT NULL,
    name        TEXT NOT NULL,
    lookup      TEXT NOT NULL UNIQUE,
    owner_kind  TEXT NOT NULL,
    owner_id    TEXT NOT NULL,
    visibility  TEXT NOT NULL,
    domain      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    card        TEXT,
    keywords    TEXT NOT NULL,
    version     INTEGER NOT NULL
);
CREATE INDEX hub_repos_by_domain ON hub_repos (domain);
CREATE TABLE hub_commits (
    repo_id     TEXT NOT NULL,
    id          TEXT NOT NULL,
    parents     TEXT NOT NULL,
    author      TEXT NOT NULL,
    message     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    tree        TEXT NOT NULL,
    PRIMARY KEY (repo_id, id)
);
CREATE TABLE hub_refs (
    repo_id     TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    commit_id   TEXT NOT NULL,
    version     INTEGER NOT NULL,
    PRIMARY KEY (repo_id, name)
);
