-- The Xet protocol's names for content the chunk store holds: xorbs and their chunks, and files.
CREATE TABLE hub_xet_xorbs (
    domain     TEXT COLLATE "C" NOT NULL,
    hash       TEXT COLLATE "C" NOT NULL,
    chunks     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (domain, hash)
);
CREATE TABLE hub_xet_chunks (
    domain     TEXT COLLATE "C" NOT NULL,
    hash       TEXT COLLATE "C" NOT NULL,
    xorb       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (domain, hash)
);
CREATE TABLE hub_xet_files (
    domain     TEXT COLLATE "C" NOT NULL,
    hash       TEXT COLLATE "C" NOT NULL,
    sha256     TEXT COLLATE "C" NOT NULL,
    size       BIGINT NOT NULL,
    terms      TEXT NOT NULL,
    PRIMARY KEY (domain, hash)
);
CREATE INDEX hub_xet_files_by_sha256 ON hub_xet_files (domain, sha256);
