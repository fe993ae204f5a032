-- The Xet protocol's names for content the chunk store holds: xorbs and their chunks, and files.
CREATE TABLE hub_xet_xorbs (
    domain     TEXT NOT NULL,
    hash       TEXT NOT NULL,
    chunks     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (domain, hash)
);
CREATE TABLE hub_xet_chunks (
    domain     TEXT NOT NULL,
    hash       TEXT NOT NULL,
    xorb       TEXT NOT NULL,
    PRIMARY KEY (domain, hash)
);
CREATE TABLE hub_xet_files (
    domain     TEXT NOT NULL,
    hash       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    size       INTEGER NOT NULL,
    terms      TEXT NOT NULL,
    PRIMARY KEY (domain, hash)
);
CREATE INDEX hub_xet_files_by_sha256 ON hub_xet_files (domain, sha256);
