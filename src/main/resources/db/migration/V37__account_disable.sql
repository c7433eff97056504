-- An operator disables an account (`accounts disable`): its people cannot sign in and their
-- sessions end, and its webhooks are still stored raw but held instead of processed: each held
-- entry is a dead letter with reason 'account_disabled', and `accounts enable` puts their raw
-- events back to pending (a redelivered message is stored once, so re-running a body is safe).
ALTER TABLE accounts ADD COLUMN disabled_at timestamptz;

CREATE INDEX dead_letters_held_idx ON dead_letters (platform, external_id) WHERE reason = 'account_disabled';
