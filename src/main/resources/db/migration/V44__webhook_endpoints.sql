-- Outgoing webhooks. Each endpoint reads the committed, positioned event outbox (event_outbox.pos,
-- dense and in commit order) with a cursor of its own: cursor_pos is the last position it has
-- handled (delivered, or passed over as not its account's or not a type it wants). The cursor
-- moves in the transaction that records the delivery, so a crash repeats at most the delivery in
-- flight (at least once) and never skips one. The relay's pruning keeps the rows an enabled
-- endpoint still has to read.
CREATE TABLE webhook_endpoints (
  id                  bigserial PRIMARY KEY,
  account_id          bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  url                 text NOT NULL,
  events              text[] NOT NULL,
  description         text NOT NULL DEFAULT '',
  -- the signing secret must be read to sign, so it is kept as is (like a channel's access token)
  secret              text NOT NULL,
  -- while a secret rotates, deliveries carry a signature with the old one too, until this time
  previous_secret     text,
  previous_until      timestamptz,
  cursor_pos          bigint NOT NULL,
  attempts            integer NOT NULL DEFAULT 0,
  failing_since       timestamptz,
  next_attempt_at     timestamptz,
  disabled_at         timestamptz,
  disabled_reason     text,
  lease_owner         text,
  lease_until         timestamptz,
  created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_account_idx ON webhook_endpoints (account_id, id);
CREATE INDEX webhook_endpoints_live_idx ON webhook_endpoints (cursor_pos) WHERE disabled_at IS NULL;

-- an endpoint reads its account's rows after its cursor
CREATE INDEX event_outbox_account_pos_idx ON event_outbox (account_id, pos) WHERE pos IS NOT NULL;

-- every attempt, kept 7 days: what was sent, what came back
CREATE TABLE webhook_deliveries (
  id            bigserial PRIMARY KEY,
  endpoint_id   bigint NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  account_id    bigint NOT NULL,
  event_id      text NOT NULL,
  event_type    text NOT NULL,
  attempt       integer NOT NULL,
  ok            boolean NOT NULL,
  status_code   integer,
  error         text,
  latency_ms    integer NOT NULL,
  response      text,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_created_idx ON webhook_deliveries (created_at);
