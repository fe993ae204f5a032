-- Console sessions: a browser signed in with a token; the cookie's secret is stored only as its SHA-256.
CREATE TABLE console_sessions (
    id           TEXT COLLATE "C" PRIMARY KEY,
    secret_hash  TEXT COLLATE "C" NOT NULL,
    user_id      TEXT COLLATE "C" NOT NULL,
    user_name    TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    csrf         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT,
    user_agent   TEXT NOT NULL,
    address      TEXT NOT NULL
);
CREATE UNIQUE INDEX console_sessions_by_secret ON console_sessions (secret_hash);
CREATE INDEX console_sessions_by_user ON console_sessions (user_id, created_at);
