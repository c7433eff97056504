package dev.switchboard.bot;

import dev.switchboard.conversation.ContactService;

/** The SQL the bot runs inside the processor's transaction. */
final class BotSql {

  private BotSql() {
  }

  /**
   * The conversation's CURRENT status, locked until the transaction ends: a hand-off by an
   * earlier message of the batch (same transaction) or by an agent (committed before) is seen,
   * and nobody changes it while the bot decides. With the contact's fields and labels.
   */
  static final String LOCK_CONVERSATION = """
      SELECT cv.status, cv.contact_id,
             (SELECT coalesce(jsonb_object_agg(f.name, f.value), '{}'::jsonb) FROM contact_fields f WHERE f.contact_id = cv.contact_id) AS fields,
             (SELECT coalesce(jsonb_agg(l.name), '[]'::jsonb) FROM contact_labels l WHERE l.contact_id = cv.contact_id) AS labels
        FROM conversations cv
       WHERE cv.id = $1
         FOR UPDATE OF cv
      """;

  /** Bot messages of the conversation in the last minute, including those this transaction just queued (the loop guard). */
  static final String RECENT_BOT_REPLIES = """
      SELECT count(*) AS n FROM messages
       WHERE conversation_id = $1 AND sender_type = 'bot' AND created_at > now() - interval '1 minute'
      """;

  // the account's spelling of the label when it has one, as the API's label route does: a flow
  // adding "vip" where agents use "VIP" must not start a second label
  /** Taken once before a flow's label and field actions, as the API's adds take it: their counts below then see each other's. */
  static final String LOCK_CONTACT = "SELECT 1 FROM contacts WHERE id = $1 FOR NO KEY UPDATE";

  // a contact at its limit of labels or fields (ContactService) gets no new one from a flow; the
  // rest of the flow still runs (the count is read after LOCK_CONTACT, in a statement of its own)
  static final String ADD_LABEL = "INSERT INTO contact_labels (contact_id, account_id, name)"
      + " SELECT $1, $2, coalesce(" + ContactService.labelSpelling("$2", "$3") + ", $3)"
      + " WHERE (SELECT count(*) FROM contact_labels WHERE contact_id = $1) < " + ContactService.LABELS_MAX
      + " ON CONFLICT (contact_id, name) DO NOTHING";

  static final String SET_FIELD = """
      INSERT INTO contact_fields (contact_id, account_id, name, value)
      SELECT $1, $2, $3, $4
       WHERE EXISTS (SELECT 1 FROM contact_fields WHERE contact_id = $1 AND name = $3)
          OR (SELECT count(*) FROM contact_fields WHERE contact_id = $1) < """ + ContactService.FIELDS_MAX + """

      ON CONFLICT (contact_id, name) DO UPDATE SET value = EXCLUDED.value
       WHERE contact_fields.value IS DISTINCT FROM EXCLUDED.value
      """;

  static final String TOUCH_CONTACT = "UPDATE contacts SET updated_at = now() WHERE id = $1";

  static final String TEAM_OF_ACCOUNT = "SELECT id FROM teams WHERE id = $1 AND account_id = $2";

  /** Only a Closed conversation is handed off: the row is locked, so this is the status read above. */
  static final String HANDOFF = """
      UPDATE conversations SET status = $2, assignee_type = $3, assignee_id = $4, updated_at = now()
       WHERE id = $1 AND status = 'closed'
      """;

  static final String HISTORY = """
      INSERT INTO conversation_history (account_id, conversation_id, actor_type, from_status, to_status, to_assignee_type, to_assignee_id)
      VALUES ($1, $2, 'bot', 'closed', $3, $4, $5)
      """;
}
