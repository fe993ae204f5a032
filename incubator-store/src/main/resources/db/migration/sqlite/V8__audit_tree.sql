-- The audit log as a Merkle tree: which event is which leaf, tiles of node hashes (height 8), signed tree heads.
CREATE TABLE audit_leaves (
    leaf_index  INTEGER PRIMARY KEY,
    seq         INTEGER NOT NULL UNIQUE
);
CREATE TABLE audit_tiles (
    level       INTEGER NOT NULL,
    idx         INTEGER NOT NULL,
    hashes      BLOB NOT NULL,
    PRIMARY KEY (level, idx)
);
CREATE TABLE audit_heads (
    tree_size   INTEGER PRIMARY KEY,
    root_hash   BLOB NOT NULL,
    issued_at   INTEGER NOT NULL,
    signature   BLOB NOT NULL
);
CREATE TRIGGER audit_leaves_no_update BEFORE UPDATE ON audit_leaves
BEGIN SELECT RAISE(ABORT, 'audit_leaves is append-only'); END;
CREATE TRIGGER audit_leaves_no_delete BEFORE DELETE ON audit_leaves
BEGIN SELECT RAISE(ABORT, 'audit_leaves is append-only'); END;
CREATE TRIGGER audit_heads_no_update BEFORE UPDATE ON audit_heads
BEGIN SELECT RAISE(ABORT, 'audit_heads is append-only'); END;
CREATE TRIGGER audit_heads_no_delete BEFORE DELETE ON audit_heads
BEGIN SELECT RAISE(ABORT, 'audit_heads is append-only'); END;
