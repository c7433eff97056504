-- Read state per agent and conversation: the newest message each agent has read. A conversation's
-- unread count is the customer messages after the read mark of its assigned agent (or, when it
-- has none, of the agent looking at it). The mark keeps the message's (created_at, id), the
-- order of messages_conversation_idx, so counting what follows it is an index range scan.
CREATE TABLE conversation_reads (
  conversation_id       bigint NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  user_id               bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  account_id            bigint NOT NULL,
  last_read_message_id  bigint NOT NULL,
  last_read_at          timestamptz NOT NULL,
  updated_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (conversation_id, user_id)
);
