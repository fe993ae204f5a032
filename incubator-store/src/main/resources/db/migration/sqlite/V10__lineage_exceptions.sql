-- Exceptions an upstream repository's owner grants to a derived repository's publication.
CREATE TABLE lineage_exceptions (
    upstream_repo_id  TEXT NOT NULL,
    downstream        TEXT NOT NULL,
    granted_by        TEXT NOT NULL,
    reason            TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    PRIMARY KEY (upstream_repo_id, downstream)
);
