-- Storage accounting: each chunk is charged to the owner (organisation or user) whose upload first stored it in
-- its domain; hub_storage holds each owner's plaintext bytes after deduplication and a quota set by an operator
-- (NULL: the platform default). Accounts are 'organisation:<id>' or 'user:<id>'.
ALTER TABLE hub_chunks ADD COLUMN charged_to TEXT;
UPDATE hub_chunks SET charged_to = CASE
    WHEN domain LIKE 'org-%' THEN 'organisation:' || substr(domain, 5)
    WHEN domain LIKE 'user-%' THEN 'user:' || substr(domain, 6)
    WHEN domain LIKE 'repo-%' THEN (SELECT r.owner_kind || ':' || r.owner_id FROM hub_repos r
                                    WHERE r.id = substr(hub_chunks.domain, 6))
    END;
CREATE TABLE hub_storage (
    account     TEXT PRIMARY KEY,
    bytes       INTEGER NOT NULL,
    quota_bytes INTEGER
);
INSERT INTO hub_storage (account, bytes)
    SELECT charged_to, SUM(raw_length) FROM hub_chunks WHERE charged_to IS NOT NULL GROUP BY charged_to;
