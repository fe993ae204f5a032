-- An operator may disable a user: from then on the user's tokens and jobs' credentials are refused.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
