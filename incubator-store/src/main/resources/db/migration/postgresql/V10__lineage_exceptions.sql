-- Exceptions an upstream repository's owner grants to a derived repository's publication.
CREATE TABLE lineage_exceptions (
    upstream_repo_id  TEXT COLLATE "C" NOT NULL,
    downstream        TEXT COLLATE "C" NOT NULL,
    granted_by        TEXT NOT NULL,
    reason            TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    PRIMARY KEY (upstream_repo_id, downstream)
);
