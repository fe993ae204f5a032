-- Outside witnesses of the audit log: their Ed25519 keys, and their cosignatures of signed tree heads.
CREATE TABLE audit_witnesses (
    name        TEXT PRIMARY KEY,
    public_key  TEXT NOT NULL,
    added_by    TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE TABLE audit_cosignatures (
    tree_size   INTEGER NOT NULL REFERENCES audit_heads (tree_size),
    witness     TEXT NOT NULL REFERENCES audit_witnesses (name),
    signature   BLOB NOT NULL,
    cosigned_at INTEGER NOT NULL,
    PRIMARY KEY (tree_size, witness)
);
CREATE INDEX audit_cosignatures_by_witness ON audit_cosignatures (witness, tree_size);
CREATE TRIGGER audit_cosignatures_no_update BEFORE UPDATE ON audit_cosignatures
BEGIN SELECT RAISE(ABORT, 'audit_cosignatures is append-only'); END;
CREATE TRIGGER audit_cosignatures_no_delete BEFORE DELETE ON audit_cosignatures
BEGIN SELECT RAISE(ABORT, 'audit_cosignatures is append-only'); END;
