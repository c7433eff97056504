-- A WhatsApp status webhook can beat our own 'sent' update (Meta answers the send, then the
-- status races our commit); the processor keeps such a status as a dead letter keyed by the
-- wamid. The send pipeline looks it up by that key when it records the wamid and applies it.
CREATE INDEX IF NOT EXISTS dead_letters_external_idx ON dead_letters (platform, external_id) WHERE external_id IS NOT NULL;
