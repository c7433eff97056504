-- Wakes are counted, not timed. A round marks the rows it could not place with the account's wake
-- generation it read when it claimed them, and a later wake (a higher generation) makes them
-- claimable again. A timestamp could not say this: a wake's clock_timestamp() is taken before its
-- transaction commits, so a round that started in between read loads without that change, marked
-- its rows tried after the wake's time, and they waited the whole retry interval.
ALTER TABLE assign_wakes ADD COLUMN generation bigint NOT NULL DEFAULT 0;
ALTER TABLE assign_queue ADD COLUMN tried_generation bigint;

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
    INSERT INTO assign_wakes (account_id, woke_at, generation) VALUES (NEW.account_id, clock_timestamp(), 1)
      ON CONFLICT (account_id) DO UPDATE SET woke_at = EXCLUDED.woke_at, generation = assign_wakes.generation + 1;
  END IF;
  RETURN NULL;
END $$;
