-- Reviewers' verdicts that replace the judge's on single items of a safety assessment (the latest per item counts).
CREATE TABLE assessment_overrides (
    assessment_id TEXT NOT NULL,
    item_id       TEXT NOT NULL,
    pass          INTEGER NOT NULL,
    refused       INTEGER NOT NULL,
    reason        TEXT NOT NULL,
    reviewer      TEXT NOT NULL,
    at            BIGINT NOT NULL,
    PRIMARY KEY (assessment_id, item_id)
);
