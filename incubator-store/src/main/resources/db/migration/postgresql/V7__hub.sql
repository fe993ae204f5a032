-- The hub: encryption domains' wrapped data keys, packs and the chunk index, file manifests, repositories,
-- commits and refs. Times are epoch milliseconds.
CREATE TABLE hub_keys (
    domain      TEXT COLLATE "C" PRIMARY KEY,
    wrapper_id  TEXT NOT NULL,
    wrapped     BYTEA NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE TABLE hub_packs (
    id          TEXT COLLATE "C" PRIMARY KEY,
    domain      TEXT COLLATE "C" NOT NULL,
    size        BIGINT NOT NULL,
    chunks      BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE TABLE hub_chunks (
    domain       TEXT COLLATE "C" NOT NULL,
    hash         TEXT COLLATE "C" NOT NULL,
    pack         TEXT NOT NULL,
    offset_bytes BIGINT NOT NULL,
    length       BIGINT NOT NULL,
    raw_length   BIGINT NOT NULL,
    last_wanted  BIGINT NOT NULL,
    PRIMARY KEY (domain, hash)
);
CREATE INDEX hub_chunks_by_pack ON hub_chunks (pack);
CREATE TABLE hub_files (
    domain      TEXT COLLATE "C" NOT NULL,
    sha256      TEXT COLLATE "C" NOT NULL,
    size        BIGINT NOT NULL,
    chunks      BYTEA NOT NULL,
    last_wanted BIGINT NOT NULL,
    PRIMARY KEY (domain, sha256)
);
CREATE TABLE hub_repos (
    id          TEXT COLLATE "C" PRIMARY KEY,
    kind        TEXT NOT NULL,
    namespace   TEXT NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    lookup      TEXT NOT NULL UNIQUE,
    owner_kind  TEXT NOT NULL,
    owner_id    TEXT NOT NULL,
    visibility  TEXT NOT NULL,
    domain      TEXT COLLATE "C" NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    card        TEXT,
    keywords    TEXT NOT NULL,
    version     BIGINT NOT NULL
);
CREATE INDEX hub_repos_by_domain ON hub_repos (domain);
CREATE TABLE hub_commits (
    repo_id     TEXT COLLATE "C" NOT NULL,
    id          TEXT COLLATE "C" NOT NULL,
    parents     TEXT NOT NULL,
    author      TEXT NOT NULL,
    message     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    tree        TEXT NOT NULL,
    PRIMARY KEY (repo_id, id)
);
CREATE TABLE hub_refs (
    repo_id     TEXT COLLATE "C" NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    kind        TEXT NOT NULL,
    commit_id   TEXT NOT NULL,
    version     BIGINT NOT NULL,
    PRIMARY KEY (repo_id, name)
);
