-- When the processor last stored a webhook delivery for the channel: admins see whether Meta is
-- sending anything at all. Written at most once a minute per channel (see InboundSql.CHANNELS).
ALTER TABLE channels ADD COLUMN last_webhook_at timestamptz;
