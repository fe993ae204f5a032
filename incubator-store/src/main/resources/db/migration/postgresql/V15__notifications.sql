-- Notifications: notices made from audited events (the router's cursor is its position in the audit tree), each
-- user's inbox entries, and the outbox of webhook deliveries. Times are epoch milliseconds; params a JSON object.
CREATE TABLE notices (
    id              TEXT COLLATE "C" PRIMARY KEY,
    kind            TEXT NOT NULL,
    organisation_id TEXT,
    subject_type    TEXT NOT NULL,
    subject_id      TEXT NOT NULL,
    params          TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    source          BIGINT NOT NULL UNIQUE
);
CREATE TABLE inbox_entries (
    user_id         TEXT COLLATE "C" NOT NULL,
    notice_id       TEXT COLLATE "C" NOT NULL REFERENCES notices (id),
    organisation_id TEXT,
    kind            TEXT NOT NULL,
    read_at         BIGINT,
    PRIMARY KEY (user_id, notice_id)
);
CREATE INDEX inbox_unread ON inbox_entries (user_id, read_at);
CREATE TABLE notify_cursor (
    name     TEXT COLLATE "C" PRIMARY KEY,
    position BIGINT NOT NULL
);
INSERT INTO notify_cursor (name, position) VALUES ('router', 0);
CREATE TABLE webhook_deliveries (
    notice_id       TEXT COLLATE "C" PRIMARY KEY REFERENCES notices (id),
    state           TEXT NOT NULL,
    attempts        BIGINT NOT NULL,
    next_attempt_at BIGINT,
    last_error      TEXT,
    delivered_at    BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
