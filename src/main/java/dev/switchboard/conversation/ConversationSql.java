package dev.switchboard.conversation;

/** SQL of conversations: status, assignment, history, reading, the message list and the export. */
final class ConversationSql {

  private ConversationSql() {
  }

  static final String LOCK = """
      SELECT id, status, assignee_type, assignee_id FROM conversations
       WHERE id = ANY($1) AND account_id = $2 ORDER BY id FOR UPDATE""";

  static final String OWNED = "SELECT id FROM conversations WHERE id = ANY($1) AND account_id = $2";
  static final String EXISTS = "SELECT id FROM conversations WHERE id = $1 AND account_id = $2";

  static final String AGENT_EXISTS = "SELECT 1 FROM users WHERE id = $1 AND account_id = $2";
  static final String TEAM_EXISTS = "SELECT 1 FROM teams WHERE id = $1 AND account_id = $2";

  /** One statement for one or many conversations: rows of (id, status, assignee_type, assignee_id). */
  static final String UPDATE_MANY = """
      UPDATE conversations c
         SET status = v.status, assignee_type = v.atype, assignee_id = v.aid, updated_at = now(),
             snoozed_until = CASE WHEN v.status = 'closed' THEN NULL ELSE c.snoozed_until END,
             snooze_mark = CASE WHEN v.status = 'closed' THEN NULL ELSE c.snooze_mark END
        FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[]) AS v(id, status, atype, aid)
       WHERE c.id = v.id AND c.account_id = $5""";

  static final String INSERT_HISTORY = """
      INSERT INTO conversation_history (account_id, conversation_id, actor_type, actor_id, from_status, to_status,
                                        from_assignee_type, from_assignee_id, to_assignee_type, to_assignee_id)
      SELECT $1, v.id, $2, $3, v.fs, v.ts, v.fat, v.fai, v.tat, v.tai
        FROM unnest($4::bigint[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::bigint[])
             AS v(id, fs, ts, fat, fai, tat, tai)""";

  static final String HISTORY = """
      SELECT h.id, h.actor_type, h.actor_id, COALESCE(u.name, 'API: ' || k.name) AS actor_name, h.from_status, h.to_status,
             h.from_assignee_type, h.from_assignee_id,
             CASE h.from_assignee_type WHEN 'agent' THEN (SELECT name FROM users WHERE id = h.from_assignee_id)
                                       WHEN 'team' THEN (SELECT name FROM teams WHERE id = h.from_assignee_id) END AS from_assignee_name,
             h.to_assignee_type, h.to_assignee_id,
             CASE h.to_assignee_type WHEN 'agent' THEN (SELECT name FROM users WHERE id = h.to_assignee_id)
                                     WHEN 'team' THEN (SELECT name FROM teams WHERE id = h.to_assignee_id) END AS to_assignee_name,
             h.created_at, h.action, h.snoozed_until, h.reason
        FROM conversation_history h
        LEFT JOIN users u ON h.actor_type = 'agent' AND u.id = h.actor_id
        LEFT JOIN api_keys k ON h.actor_type = 'api' AND k.id = h.actor_id
       WHERE h.conversation_id = $1 AND h.account_id = $2
       ORDER BY h.id
       LIMIT $3""";

  /**
   * Agent {@code $2}'s read mark on conversation {@code $1}: message {@code $4}, or the newest when
   * null. Moves only forward, so a late request from a stale tab never marks read messages unread.
   */
  static final String MARK_READ = """
      INSERT INTO conversation_reads (conversation_id, user_id, account_id, last_read_message_id, last_read_at)
      SELECT m.conversation_id, $2, $3, m.id, m.created_at
        FROM messages m
       WHERE m.conversation_id = $1 AND ($4::bigint IS NULL OR m.id = $4)
       ORDER BY m.created_at DESC, m.id DESC
       LIMIT 1
      ON CONFLICT (conversation_id, user_id) DO UPDATE
         SET last_read_message_id = excluded.last_read_message_id, last_read_at = excluded.last_read_at, updated_at = now()
       WHERE (conversation_reads.last_read_at, conversation_reads.last_read_message_id)
             < (excluded.last_read_at, excluded.last_read_message_id)
      RETURNING conversation_id""";

  static final String MESSAGE_OF = "SELECT 1 FROM messages WHERE id = $1 AND conversation_id = $2";


  /** Newest first (then reversed): the page of messages just before {@code $2} (a message id), or the newest. */
  static final String MESSAGES = "SELECT " + Views.MESSAGE_COLUMNS + """
       FROM messages
      WHERE conversation_id = $1
        AND ($2::bigint IS NULL OR (created_at, id) < (SELECT b.created_at, b.id FROM messages b WHERE b.id = $2 AND b.conversation_id = $1))
      ORDER BY created_at DESC, id DESC
      LIMIT $3""";

  /**
   * Every column a filter reads, all in conversations_contact_idx (V20): looking up a labelled
   * contact's conversation is then index-only. {@code c.*} would visit the heap for each one.
   */
  private static final String BY_CONTACT_COLUMNS =
      "c.id, c.account_id, c.contact_id, c.last_message_at, c.status, c.channel_id, c.assignee_type, c.assignee_id, "
          + "c.snoozed_until, c.reply_deadline";
  static final String LIST_SELECT = "SELECT cv.id, cv.last_message_at FROM conversations cv WHERE ";
  /**
   * The list for a rare label: start from the label's contacts (contact_labels_account_name_idx)
   * and look up each one's conversation; OFFSET 0 keeps that a nested loop on conversations_contact_idx.
   * {@code %d} is the label's parameter number.
   */
  static final String LIST_SELECT_BY_LABEL = """
      SELECT cv.id, cv.last_message_at
        FROM (SELECT l.contact_id FROM contact_labels l WHERE l.account_id = $1 AND l.name = $%d) lc
       CROSS JOIN LATERAL (SELECT\s""" + BY_CONTACT_COLUMNS + """
                             FROM conversations c WHERE c.contact_id = lc.contact_id OFFSET 0) cv
       WHERE\s""";
  /**
   * Tab counts under a label filter, in one pass over the label's contacts (at most {@code %2$d}
   * of them) grouped by status. {@code %1$d} is the label's parameter number.
   */
  static final String COUNT_BY_LABEL = """
      SELECT CASE WHEN cv.snoozed_until IS NULL THEN cv.status ELSE 'snoozed' END AS status, count(*) AS n
        FROM (SELECT l.contact_id FROM contact_labels l WHERE l.account_id = $1 AND l.name = $%1$d LIMIT %2$d) lc
       CROSS JOIN LATERAL (SELECT\s""" + BY_CONTACT_COLUMNS + """
                             FROM conversations c WHERE c.contact_id = lc.contact_id OFFSET 0) cv
       WHERE %3$s
       GROUP BY 1""";
  /** How many contacts carry a label, counted up to a bound. */
  static final String LABEL_USES = "SELECT count(*) FROM (SELECT 1 FROM contact_labels WHERE account_id = $1 AND name = $2 LIMIT $3) x";
  static final String LIST_ORDER = " ORDER BY cv.last_message_at DESC, cv.id DESC LIMIT ";

  /**
   * The export: one row per message, conversations in list order, messages oldest first; a
   * conversation without messages (a contact added by hand, never written to) is one row with
   * empty message columns. The
   * conversations come from a WHERE on {@code cv} appended by the caller; the messages of each are
   * read through messages_conversation_idx, so PostgreSQL only sorts within one conversation.
   */
  static final String EXPORT_HEAD = """
      SELECT cv.id AS conversation_id, ch.name AS channel_name, ch.platform, ct.display_name, ct.platform_name,
             ct.platform_user_id, cv.status,
             CASE cv.assignee_type WHEN 'agent' THEN (SELECT u.name FROM users u WHERE u.id = cv.assignee_id)
                                   WHEN 'team' THEN (SELECT t.name FROM teams t WHERE t.id = cv.assignee_id) END AS assignee_name,
             m.created_at, m.direction, m.sender_type,
             CASE m.sender_type WHEN 'agent' THEN (SELECT u.name FROM users u WHERE u.id = m.sender_id)
                                WHEN 'api' THEN (SELECT 'API: ' || k.name FROM api_keys k WHERE k.id = m.sender_id) END AS sender_name,
             m.type, m.content_type, m.text, ct.username,
             m.pricing->>'category' AS pricing_category, m.pricing->>'pricing_model' AS pricing_model,
             m.pricing->>'type' AS pricing_type, m.pricing->>'billable' AS pricing_billable,
             ct.phone, ct.email, lb.labels, fd.fields
        FROM conversations cv
        JOIN channels ch ON ch.id = cv.channel_id
        JOIN contacts ct ON ct.id = cv.contact_id
        -- the contact's labels and fields once per conversation, before its messages multiply the rows
        LEFT JOIN LATERAL (SELECT string_agg(l.name, E'\\n' ORDER BY lower(l.name), l.name) AS labels
                             FROM contact_labels l WHERE l.contact_id = ct.id) lb ON true
        LEFT JOIN LATERAL (SELECT jsonb_object_agg(f.name, f.value)::text AS fields
                             FROM contact_fields f WHERE f.contact_id = ct.id) fd ON true
        LEFT JOIN messages m ON m.conversation_id = cv.id
       WHERE\s""";
  static final String EXPORT_ORDER = " ORDER BY cv.last_message_at DESC, cv.id DESC, m.created_at, m.id";
}
