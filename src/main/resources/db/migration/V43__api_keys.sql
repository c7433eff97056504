-- API keys: a system (a CRM, an order system, a bot platform) calls /api/v1 with a key of its
-- account instead of an agent's token. Only the SHA-256 of the 256-bit secret is kept: the secret
-- is random, so its hash cannot be reversed by guessing, and a fast hash lets every request find
-- its key through the unique index. A key acts as its own actor ('api', its id) in a
-- conversation's history and on the messages it writes.
CREATE TABLE api_keys (
  id            bigserial PRIMARY KEY,
  account_id    bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name          text NOT NULL,
  scopes        text[] NOT NULL CHECK (scopes <@ ARRAY['read', 'write', 'send']::text[] AND cardinality(scopes) > 0),
  secret_hash   bytea NOT NULL UNIQUE,
  created_by    bigint REFERENCES users(id) ON DELETE SET NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX api_keys_account_idx ON api_keys (account_id, id);

ALTER TABLE messages DROP CONSTRAINT messages_sender_type_check;
ALTER TABLE messages ADD CONSTRAINT messages_sender_type_check
  CHECK (sender_type IN ('contact', 'agent', 'bot', 'external', 'api'));
