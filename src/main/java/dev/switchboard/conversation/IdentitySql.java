package dev.switchboard.conversation;

/** SQL of WhatsApp identities: locking them, finding contacts by any of them, merging two contacts into one. */
final class IdentitySql {

  private IdentitySql() {
  }

  /**
   * One transaction-scoped advisory lock per (channel, phone or BSUID), taken in one global order
   * before any contact row is read: two batches (on two nodes) naming the same person in two
   * shapes (phone only; phone and BSUID) then run one after the other, and the second sees the
   * first's contact instead of inserting another. Hash collisions only serialise more.
   */
  static final String LOCK = """
      SELECT count(pg_advisory_xact_lock(k)) FROM (
        SELECT DISTINCT hashtextextended(ch::text || '/' || v, 7) AS k
          FROM UNNEST($1::bigint[], $2::text[]) AS t(ch, v)
         ORDER BY k) s
      """;

  /** Contacts named by any of the ids: its phone, its BSUID, or its key (rows written before wa_id existed). */
  static final String FIND = """
      WITH k AS (SELECT * FROM UNNEST($1::bigint[], $2::text[]) AS t(ch, v))
      SELECT c.id, c.channel_id, c.wa_id, c.bsuid, c.platform_user_id FROM contacts c JOIN k ON c.channel_id = k.ch AND c.wa_id = k.v
      UNION
      SELECT c.id, c.channel_id, c.wa_id, c.bsuid, c.platform_user_id FROM contacts c JOIN k ON c.channel_id = k.ch AND c.bsuid = k.v
      UNION
      SELECT c.id, c.channel_id, c.wa_id, c.bsuid, c.platform_user_id FROM contacts c JOIN k ON c.channel_id = k.ch AND c.platform_user_id = k.v
      """;

  /** New WhatsApp contacts, keyed by BSUID else phone; in key order. */
  static final String INSERT = """
      INSERT INTO contacts (account_id, channel_id, platform_user_id, platform_name, phone, wa_id, bsuid, parent_bsuid, username)
      SELECT a, ch, coalesce(b, p), n, p, p, b, pb, u
        FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
             AS t(a, ch, p, b, pb, u, n)
       ORDER BY ch, coalesce(b, p)
      ON CONFLICT DO NOTHING
      RETURNING id, channel_id, platform_user_id
      """;

  /**
   * Known contacts take what the webhook says: a BSUID or phone they lacked (the key becomes the
   * BSUID), parent BSUID, username, profile name. The agents' phone is only filled when empty.
   * Answers the contacts whose visible details changed.
   */
  static final String UPDATE = """
      UPDATE contacts c
         SET bsuid = coalesce(u.b, c.bsuid),
             wa_id = coalesce(u.p, c.wa_id),
             platform_user_id = coalesce(u.b, c.bsuid, u.p, c.wa_id, c.platform_user_id),
             parent_bsuid = coalesce(u.pb, c.parent_bsuid),
             username = coalesce(u.u, c.username),
             platform_name = coalesce(u.n, c.platform_name),
             phone = coalesce(c.phone, u.p),
             updated_at = now()
        FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(id, p, b, pb, u, n)
       WHERE c.id = u.id
         AND (c.bsuid IS DISTINCT FROM coalesce(u.b, c.bsuid) OR c.wa_id IS DISTINCT FROM coalesce(u.p, c.wa_id)
              OR c.platform_user_id IS DISTINCT FROM coalesce(u.b, c.bsuid, u.p, c.wa_id, c.platform_user_id)
              OR c.parent_bsuid IS DISTINCT FROM coalesce(u.pb, c.parent_bsuid) OR c.username IS DISTINCT FROM coalesce(u.u, c.username)
              OR c.platform_name IS DISTINCT FROM coalesce(u.n, c.platform_name) OR c.phone IS DISTINCT FROM coalesce(c.phone, u.p))
      RETURNING c.id
      """;

  /** A phone now belongs to another BSUID (the number changed hands): the old contact lets it go. */
  static final String RELEASE_PHONE = """
      UPDATE contacts SET wa_id = NULL, platform_user_id = coalesce(bsuid, platform_user_id), updated_at = now()
       WHERE id = ANY($1::bigint[])
      """;

  /** An identity change: the contact takes the new ids (null: unchanged); the key follows. */
  static final String MOVE = """
      UPDATE contacts
         SET bsuid = coalesce($2, bsuid),
             wa_id = coalesce($3, wa_id),
             parent_bsuid = coalesce($4, parent_bsuid),
             platform_user_id = coalesce($2, bsuid, $3, wa_id, platform_user_id),
             phone = CASE WHEN $3::text IS NOT NULL AND (phone IS NULL OR phone = wa_id) THEN $3 ELSE phone END,
             updated_at = now()
       WHERE id = $1
      """;

  static final String CONVERSATIONS_OF = """
      SELECT id, contact_id FROM conversations WHERE contact_id = ANY($1::bigint[]) ORDER BY id FOR UPDATE
      """;

  static final String REASSIGN_CONVERSATION = "UPDATE conversations SET contact_id = $1, updated_at = now() WHERE id = $2";

  static final String MOVE_MESSAGES = "UPDATE messages SET conversation_id = $1 WHERE conversation_id = $2";
  static final String MOVE_HISTORY = "UPDATE conversation_history SET conversation_id = $1 WHERE conversation_id = $2";
  static final String MOVE_KEYS = "UPDATE idempotency_keys SET conversation_id = $1 WHERE conversation_id = $2";

  /**
   * The surviving conversation takes the other's times, unread count and, when it is itself
   * closed, the other's open state and assignee; then the other goes.
   */
  static final String ABSORB_CONVERSATION = """
      WITH gone AS (DELETE FROM conversations WHERE id = $2 RETURNING *)
      UPDATE conversations c
         SET last_message_at = greatest(c.last_message_at, g.last_message_at),
             last_inbound_at = greatest(c.last_inbound_at, g.last_inbound_at),
             unread_count = c.unread_count + g.unread_count,
             status = CASE WHEN c.status = 'closed' THEN g.status ELSE c.status END,
             assignee_type = CASE WHEN c.status = 'closed' THEN g.assignee_type ELSE c.assignee_type END,
             assignee_id = CASE WHEN c.status = 'closed' THEN g.assignee_id ELSE c.assignee_id END,
             updated_at = now()
        FROM gone g
       WHERE c.id = $1
      """;

  /**
   * The survivor's row, locked as the API's and the bot's label and field adds lock it: the counts
   * of the copies below then see theirs, and theirs see the copies.
   */
  static final String LOCK_SURVIVOR = "SELECT 1 FROM contacts WHERE id = $1 FOR NO KEY UPDATE";

  /**
   * The other contact's fields the survivor lacks, in name order, as many as keep the survivor
   * within its limit (the survivor's own values win); answers the names left out.
   */
  static final String COPY_FIELDS = """
      WITH missing AS (
        SELECT f.account_id, f.name, f.value, row_number() OVER (ORDER BY f.name) AS n
          FROM contact_fields f
         WHERE f.contact_id = $2 AND NOT EXISTS (SELECT 1 FROM contact_fields s WHERE s.contact_id = $1 AND s.name = f.name)),
      room AS (SELECT greatest(0, """ + ContactService.FIELDS_MAX + """
       - count(*)) AS free FROM contact_fields WHERE contact_id = $1),
      copied AS (
        INSERT INTO contact_fields (contact_id, account_id, name, value)
        SELECT $1, m.account_id, m.name, m.value FROM missing m, room WHERE m.n <= room.free
        ON CONFLICT (contact_id, name) DO NOTHING)
      SELECT m.name FROM missing m, room WHERE m.n > room.free ORDER BY m.n
      """;

  /** The same for labels (one spelling per account, so names compare as they are). */
  static final String COPY_LABELS = """
      WITH missing AS (
        SELECT l.account_id, l.name, row_number() OVER (ORDER BY l.name) AS n
          FROM contact_labels l
         WHERE l.contact_id = $2 AND NOT EXISTS (SELECT 1 FROM contact_labels s WHERE s.contact_id = $1 AND s.name = l.name)),
      room AS (SELECT greatest(0, """ + ContactService.LABELS_MAX + """
       - count(*)) AS free FROM contact_labels WHERE contact_id = $1),
      copied AS (
        INSERT INTO contact_labels (contact_id, account_id, name)
        SELECT $1, m.account_id, m.name FROM missing m, room WHERE m.n <= room.free
        ON CONFLICT (contact_id, name) DO NOTHING)
      SELECT m.name FROM missing m, room WHERE m.n > room.free ORDER BY m.n
      """;

  /** The survivor keeps its own details and fills the gaps from the other, which then goes (its fields and labels with it). */
  static final String ABSORB_CONTACT = """
      WITH gone AS (DELETE FROM contacts WHERE id = $2 RETURNING *)
      UPDATE contacts c
         SET display_name = coalesce(c.display_name, g.display_name),
             platform_name = coalesce(c.platform_name, g.platform_name),
             phone = coalesce(c.phone, g.phone),
             email = coalesce(c.email, g.email),
             username = coalesce(c.username, g.username),
             parent_bsuid = coalesce(c.parent_bsuid, g.parent_bsuid),
             bsuid = coalesce(c.bsuid, g.bsuid),
             wa_id = coalesce(c.wa_id, g.wa_id),
             platform_user_id = coalesce(c.bsuid, g.bsuid, c.wa_id, g.wa_id, c.platform_user_id),
             created_at = least(c.created_at, g.created_at),
             updated_at = now()
        FROM gone g
       WHERE c.id = $1
      """;
}
