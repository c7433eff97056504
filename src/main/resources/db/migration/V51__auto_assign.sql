-- Auto-assignment: {mode, capacity, onlyAvailable} per account and per team; NULL is off.
ALTER TABLE accounts ADD COLUMN auto_assign jsonb;
ALTER TABLE teams ADD COLUMN auto_assign jsonb;

-- Round robin: the agent each scope ('account' or 'team:<id>') gave its last conversation to.
-- Written only by the assigner, under its per-account lock.
CREATE TABLE assign_pointers (
  account_id    bigint NOT NULL,
  scope         text NOT NULL,
  last_user_id  bigint NOT NULL,
  PRIMARY KEY (account_id, scope)
);

-- Conversations waiting for an agent. A row is the durable claim: the assigner takes rows with
-- FOR UPDATE SKIP LOCKED in the transaction that assigns them and deletes them, so each is
-- assigned once across nodes, and a node that dies mid-way leaves its rows to the next.
-- tried_at: when an assigner last found nobody to take it (NULL: not tried yet).
CREATE TABLE assign_queue (
  conversation_id  bigint PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
  account_id       bigint NOT NULL,
  enqueued_at      timestamptz NOT NULL DEFAULT now(),
  tried_at         timestamptz
);
CREATE INDEX assign_queue_account_idx ON assign_queue (account_id, enqueued_at);

-- When capacity last freed up in an account (an agent's conversation closed or changed hands,
-- an agent came online or available, a setting changed): waiting rows tried before it are tried again.
CREATE TABLE assign_wakes (
  account_id  bigint PRIMARY KEY,
  woke_at     timestamptz NOT NULL
);

-- A trigger, so every path that leaves a conversation Open without an agent (a new customer, a
-- reopen, the bot's hand-off to a team, an unassign, an import) queues it in its own transaction,
-- and nothing is queued when the account and the team have auto-assignment off.
CREATE FUNCTION sb_assign_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
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
  -- an agent's conversation left them: capacity freed, worth a wake only when something waits
  IF TG_OP = 'UPDATE' AND OLD.assignee_type = 'agent'
     AND (NEW.assignee_type IS DISTINCT FROM 'agent' OR NEW.assignee_id IS DISTINCT FROM OLD.assignee_id)
     AND EXISTS (SELECT 1 FROM assign_queue q WHERE q.account_id = NEW.account_id) THEN
    INSERT INTO assign_wakes (account_id, woke_at) VALUES (NEW.account_id, clock_timestamp())
      ON CONFLICT (account_id) DO UPDATE SET woke_at = EXCLUDED.woke_at;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER conversations_assign_enqueue
  AFTER INSERT OR UPDATE OF status, assignee_type, assignee_id ON conversations
  FOR EACH ROW EXECUTE FUNCTION sb_assign_enqueue();
