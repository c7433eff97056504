-- Sessions: a sign-in is a row here; its refresh token (stored as a SHA-256) rotates on every use,
-- and a reuse of the one before revokes the whole session (a stolen copy was used). Access tokens
-- carry the session's id and the user's token_version: logging out revokes the session, and a
-- role change, a password change or a deactivation bumps token_version, which ends every token and
-- bridge socket of that user on every node.
ALTER TABLE users ADD COLUMN token_version integer NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true;

CREATE TABLE sessions (
  id            uuid PRIMARY KEY,
  user_id       bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  account_id    bigint NOT NULL,
  refresh_hash  bytea NOT NULL,
  previous_hash bytea,
  created_at    timestamptz NOT NULL DEFAULT now(),
  refreshed_at  timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz
);
CREATE INDEX sessions_user_live_idx ON sessions (user_id) WHERE revoked_at IS NULL;
