-- A disconnected channel keeps its contacts, conversations and messages; nothing is sent on it and
-- its webhooks are held as dead letters (reason channel_disconnected) until it is connected again,
-- when they are processed.
ALTER TABLE channels ADD COLUMN disconnected_at timestamptz;
