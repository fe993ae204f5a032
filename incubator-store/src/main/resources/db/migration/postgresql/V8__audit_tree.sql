-- The audit log as a Merkle tree: which event is which leaf, tiles of node hashes (height 8), signed tree heads.
CREATE TABLE audit_leaves (
    leaf_index  BIGINT PRIMARY KEY,
    seq         BIGINT NOT NULL UNIQUE
);
CREATE TABLE audit_tiles (
    level       INTEGER NOT NULL,
    idx         BIGINT NOT NULL,
    hashes      BYTEA NOT NULL,
    PRIMARY KEY (level, idx)
);
CREATE TABLE audit_heads (
    tree_size   BIGINT PRIMARY KEY,
    root_hash   BYTEA NOT NULL,
    issued_at   BIGINT NOT NULL,
    signature   BYTEA NOT NULL
);
CREATE TRIGGER audit_leaves_append_only BEFORE UPDATE OR DELETE ON audit_leaves
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_heads_append_only BEFORE UPDATE OR DELETE ON audit_heads
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
