-- Snoozed conversations and auto-assignment. The rule (docs/architecture.md, "Auto-assignment"):
-- a snoozed conversation is never picked by the assigner, and it does not count toward its
-- agent's capacity until it wakes; when it wakes it counts again, and the assigner, which
-- counts loads afresh under its per-account lock in every round, gives that agent nothing new
-- while they are at or over capacity.

-- What the assigner counts per agent in every round: the conversations an agent holds and works
-- on now. Partial and narrow, so the count stays an index-only scan of the active ones.
CREATE INDEX conversations_agent_load_idx ON conversations (account_id, assignee_id)
  WHERE assignee_type = 'agent' AND snoozed_until IS NULL;

-- The trigger also follows snoozes: an agent's conversation snoozed frees capacity, and a waiting
-- conversation that wakes is tried at once (both wakes only when something waits).
CREATE OR REPLACE FUNCTION sb_assign_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.status = 'open' OR (NEW.status = 'assigned' AND NEW.assignee_type = 'team'))
     AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status
          OR OLD.assignee_type IS DISTINCT FROM NEW.assignee_type OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id)
     AND (EXISTS (SELECT 1 FROM accounts a WHERE a.id = NEW.account_id AND a.auto_assign IS NOT NULL)
          OR (NEW.assignee_type = 'team'
              AND EXISTS (SELECT 1 FROM teams t WHERE t.id = NEW.assignee_id AND t.auto_assign IS NOT NULL))) THEN
    INSERT INTO assign_queue (conversation_id, account_id) VALUES (NEW.id, NEW.account_id)
      ON CONFLICT (conversation_id) DO NOTHING;
  END IF;
  IF TG_OP = 'UPDATE'
     AND (
       -- an agent's conversation left them, or was snoozed: capacity freed
       (OLD.assignee_type = 'agent'
        AND (NEW.assignee_type IS DISTINCT FROM 'agent' OR NEW.assignee_id IS DISTINCT FROM OLD.assignee_id
             OR (OLD.snoozed_until IS NULL AND NEW.snoozed_until IS NOT NULL))
        AND EXISTS (SELECT 1 FROM assign_queue q WHERE q.account_id = NEW.account_id))
       -- a waiting conversation woke: it may be assigned now
       OR (OLD.snoozed_until IS NOT NULL AND NEW.snoozed_until IS NULL
           AND EXISTS (SELECT 1 FROM assign_queue q WHERE q.conversation_id = NEW.id))) THEN
    INSERT INTO assign_wakes (account_id, woke_at) VALUES (NEW.account_id, clock_timestamp())
      ON CONFLICT (account_id) DO UPDATE SET woke_at = EXCLUDED.woke_at;
  END IF;
  RETURN NULL;
END $$;

DROP TRIGGER conversations_assign_enqueue ON conversations;
CREATE TRIGGER conversations_assign_enqueue
  AFTER INSERT OR UPDATE OF status, assignee_type, assignee_id, snoozed_until ON conversations
  FOR EACH ROW EXECUTE FUNCTION sb_assign_enqueue();
