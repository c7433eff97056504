-- The work queue (issue 19): which conversations need a reply and by when, and snooze.
--
-- needs_reply: the last message that is not a note (nor a reaction) is the customer's. It is set
-- by conversation.ReplyState in the transaction that stores a message (ingest, sends, the bot's
-- replies), never computed per row when a list is read.
-- reply_deadline: while needs_reply, the moment a human reply becomes impossible or template-only
-- (common.WindowPolicy, the human deadline); NULL otherwise. The sort=window order and the
-- expiringWithin filter read it.
-- warned_deadline: the deadline whose conversation.window_expiring was published, so a rebuilt
-- timer never warns twice for one deadline.
-- snoozed_until / snooze_mark: a snoozed conversation keeps its status but leaves the Open and
-- Assigned lists until snoozed_until, or until the customer writes a message newer than
-- snooze_mark (the newest message id when it was snoozed: ids, not clocks, so the platform's
-- time and ours are never compared).
ALTER TABLE conversations
  ADD COLUMN needs_reply boolean NOT NULL DEFAULT false,
  ADD COLUMN reply_deadline timestamptz,
  ADD COLUMN warned_deadline timestamptz,
  ADD COLUMN snoozed_until timestamptz,
  ADD COLUMN snooze_mark bigint;

-- history rows for snooze, unsnooze and wake (status changes leave action NULL)
ALTER TABLE conversation_history
  ADD COLUMN action text CHECK (action IN ('snoozed', 'woke')),
  ADD COLUMN snoozed_until timestamptz,
  ADD COLUMN reason text;

-- Existing conversations, with the default windows (WhatsApp 24 h; Messenger and Instagram 7 days
-- for humans, or 7 days after an ad referral); rows touched later follow the configured ones.
UPDATE conversations cv
   SET needs_reply = true,
       reply_deadline = CASE WHEN cv.last_inbound_at IS NULL THEN NULL
                             WHEN ch.platform = 'whatsapp' THEN cv.last_inbound_at + interval '24 hours'
                             ELSE greatest(cv.last_inbound_at + interval '7 days', cv.ad_referral_at + interval '7 days') END
  FROM channels ch
 WHERE ch.id = cv.channel_id
   AND (SELECT m.direction = 'in' FROM messages m
         WHERE m.conversation_id = cv.id AND m.type <> 'note' AND m.content_type <> 'reaction'
         ORDER BY m.created_at DESC, m.id DESC LIMIT 1);

-- The lists walk these two indexes; the snooze and deadline columns join the covered ones so the
-- Open/Assigned lists and counts (snoozed_until IS NULL) and sort=window's second part (the rest
-- by activity) still read the index alone (see V20).
CREATE INDEX conversations_list_cover ON conversations (account_id, last_message_at DESC, id DESC)
  INCLUDE (channel_id, contact_id, snoozed_until, reply_deadline);
DROP INDEX conversations_list_idx;
ALTER INDEX conversations_list_cover RENAME TO conversations_list_idx;

CREATE INDEX conversations_status_list_cover ON conversations (account_id, status, last_message_at DESC, id DESC)
  INCLUDE (channel_id, contact_id, snoozed_until, reply_deadline);
DROP INDEX conversations_status_list_idx;
ALTER INDEX conversations_status_list_cover RENAME TO conversations_status_list_idx;

-- sort=window's first part: conversations that need a reply, soonest deadline first.
CREATE INDEX conversations_deadline_idx ON conversations (account_id, reply_deadline, id)
  INCLUDE (channel_id, contact_id, status, snoozed_until, assignee_type, assignee_id)
  WHERE reply_deadline IS NOT NULL;

-- the Snoozed view (few rows: a partial index) and the timer's rebuild of snoozes
CREATE INDEX conversations_snoozed_idx ON conversations (account_id, last_message_at DESC, id DESC)
  INCLUDE (channel_id, contact_id, status, snoozed_until)
  WHERE snoozed_until IS NOT NULL;

-- label filters look conversations up by contact: index-only with the new columns too
CREATE INDEX conversations_contact_cover ON conversations (contact_id)
  INCLUDE (account_id, last_message_at, id, status, channel_id, assignee_type, assignee_id, snoozed_until, reply_deadline);
DROP INDEX conversations_contact_idx;
ALTER INDEX conversations_contact_cover RENAME TO conversations_contact_idx;
