-- Outside witnesses of the audit log: their Ed25519 keys, and their cosignatures of signed tree heads.
CREATE TABLE audit_witnesses (
    name        TEXT PRIMARY KEY,
    public_key  TEXT NOT NULL,
    added_by    TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE TABLE audit_cosignatures (
    tree_size   BIGINT NOT NULL REFERENCES audit_heads (tree_size),
    witness     TEXT NOT NULL REFERENCES audit_witnesses (name),
    signature   BYTEA NOT NULL,
    cosigned_at BIGINT NOT NULL,
    PRIMARY KEY (tree_size, witness)
);
CREATE INDEX audit_cosignatures_by_witness ON audit_cosignatures (witness, tree_size);
CREATE TRIGGER audit_cosignatures_append_only BEFORE UPDATE OR DELETE ON audit_cosignatures
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
