-- A WhatsApp status can arrive before the send pipeline has recorded the wamid of its own send
-- (Meta answers the send, the status webhook races the UPDATE that stores the id). Such a status
-- is kept here, by wamid, until the send is recorded, which applies it by the MessageStatus rule.
-- Before, these lived in dead_letters, whose external_id meant a channel id in some rows and a
-- wamid in others; dead_letters now holds only what nobody can apply.
CREATE TABLE early_statuses (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  channel_id    bigint REFERENCES channels(id) ON DELETE CASCADE,
  wamid         text NOT NULL,
  raw_event_id  bigint REFERENCES raw_events(id),
  -- {id, status, timestamp, errorCode, errorMessage, pricing}
  payload       jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX early_statuses_wamid_idx ON early_statuses (wamid);

-- the statuses parked so far; their channel was not recorded (wamids are unique at Meta)
INSERT INTO early_statuses (channel_id, wamid, raw_event_id, payload, created_at)
SELECT NULL, external_id, raw_event_id, payload, created_at
  FROM dead_letters
 WHERE platform = 'whatsapp' AND external_id IS NOT NULL AND payload ? 'status' AND reason LIKE 'status %';
DELETE FROM dead_letters
 WHERE platform = 'whatsapp' AND external_id IS NOT NULL AND payload ? 'status' AND reason LIKE 'status %';
