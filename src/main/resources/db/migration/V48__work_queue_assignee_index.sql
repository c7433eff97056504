-- sort=window with an assignee filter ("Mine", a team): the conversations that need a reply of one
-- agent or team, soonest deadline first, read in order. Without it the first part walks all of the
-- assignee's conversations on conversations_assignee_idx, visits each row for its deadline and
-- sorts (an agent with 50,000 conversations: ~26 ms at 1M); with it, about a page of entries.
-- Partial: only conversations that need a reply have a deadline.
CREATE INDEX IF NOT EXISTS conversations_assignee_deadline_idx
  ON conversations (account_id, assignee_type, assignee_id, reply_deadline, id)
  INCLUDE (channel_id, contact_id, status, snoozed_until)
  WHERE reply_deadline IS NOT NULL;
