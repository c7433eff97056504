-- The transactional event outbox. Every change writes the events that describe it into this table
-- in its own transaction, so an event exists exactly when its change committed. A relay on every
-- node gives committed rows their place in the log (pos, in the order the relay sees them
-- committed, under the lock on event_relay) and appends them to the Redis log in that order;
-- Redis records the last position it holds, so an append is never repeated and never skipped.
-- Rows stay for OUTBOX_RETENTION_MS after they are relayed, so a Redis that lost its data is
-- refilled from here.
CREATE TABLE event_outbox (
  seq             bigserial PRIMARY KEY,
  pos             bigint,
  account_id      bigint      NOT NULL,
  -- the event as the log stores it: {"type","accountId","conversationId","data"}
  body            text        NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- the rows still waiting for a position, oldest first
CREATE INDEX event_outbox_pending_idx ON event_outbox (seq) WHERE pos IS NULL;
-- refilling a log from a position, and retention
CREATE UNIQUE INDEX event_outbox_pos_idx ON event_outbox (pos) WHERE pos IS NOT NULL;

-- one row: the last position handed out; its row lock makes one relay at a time assign positions
CREATE TABLE event_relay (
  id        int    PRIMARY KEY CHECK (id = 1),
  last_pos  bigint NOT NULL
);
INSERT INTO event_relay (id, last_pos) VALUES (1, 0);
