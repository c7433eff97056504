-- Ingress and processor additions (issue 2).

-- Instagram's message_deleted (and an unreact) mark a message deleted instead of adding a new one.
ALTER TABLE messages ADD COLUMN deleted_at timestamptz;

-- The button / quick-reply / postback / ice-breaker payload of an inbound message (bot triggers).
ALTER TABLE messages ADD COLUMN payload text;

-- Watermarks (Messenger delivery/read, Instagram seen) touch a conversation's outbound messages by time.
CREATE INDEX messages_outbound_time_idx ON messages (conversation_id, platform_timestamp) WHERE direction = 'out';

-- Reactions are found again by the message they react to (unreact, WhatsApp empty emoji).
CREATE INDEX messages_reply_to_idx ON messages (channel_id, reply_to) WHERE content_type = 'reaction';

CREATE INDEX dead_letters_raw_idx ON dead_letters (raw_event_id);
