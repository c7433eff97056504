-- The durable send pipeline (issue 4): pending outbound messages are the queue.
ALTER TABLE messages
  -- Graph calls made (or claimed) for this message; bounded by GRAPH_MAX_ATTEMPTS
  ADD COLUMN attempts          integer NOT NULL DEFAULT 0,
  -- earliest time a retry (backoff) or a rate-limited send may be claimed again
  ADD COLUMN next_attempt_at   timestamptz,
  -- the lease: which node is sending it and until when; an expired lease is claimable again
  ADD COLUMN claimed_by        text,
  ADD COLUMN claim_expires_at  timestamptz,
  -- HUMAN_AGENT when the last send used the Messenger/Instagram human-agent tag
  ADD COLUMN messaging_tag     text,
  -- what the sender needs beyond text/attachments: {template: {...}} or {quickReplies: [...]}
  ADD COLUMN send_spec         jsonb;

-- the claim query: the oldest pending message of each conversation, in id order
CREATE INDEX messages_pending_idx ON messages (conversation_id, id) WHERE status = 'pending';
CREATE INDEX messages_pending_due_idx ON messages (id) WHERE status = 'pending';

-- Idempotency-Key (per account, 24 h): the primary key makes a second request with the same key
-- wait for the first transaction and then find its message, never insert a second one.
CREATE TABLE idempotency_keys (
  account_id       bigint NOT NULL,
  key              text NOT NULL,
  conversation_id  bigint,
  message_id       bigint,
  created_at       timestamptz NOT NULL,
  PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
