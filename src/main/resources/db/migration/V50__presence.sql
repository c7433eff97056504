-- An agent's own choice, available or away: kept with the agent, so it outlives a Redis restart.
-- Whether they are online (a bridge socket registered on some node) lives in Redis only.
ALTER TABLE users ADD COLUMN availability text NOT NULL DEFAULT 'available'
  CHECK (availability IN ('available', 'away'));
