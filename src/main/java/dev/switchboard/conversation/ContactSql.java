package dev.switchboard.conversation;

/** SQL of contacts, their custom fields and labels. */
final class ContactSql {

  private ContactSql() {
  }

  static final String GET = "SELECT v.*, (SELECT min(cv.id) FROM conversations cv WHERE cv.contact_id = v.contact_id) AS conversation_id FROM ("
      + Views.CONTACT_SELECT + " WHERE ct.id = $1 AND ct.account_id = $2) v";

  /** The contact's channel, for refreshing its name from the platform. */
  static final String WITH_CHANNEL = """
      SELECT ct.platform_user_id, ch.platform, ch.access_token
        FROM contacts ct JOIN channels ch ON ch.id = ct.channel_id
       WHERE ct.id = $1 AND ct.account_id = $2""";

  /** Each column changes only when its flag is set: editing one never touches another. */
  static final String PATCH = """
      UPDATE contacts
         SET display_name = CASE WHEN $3 THEN $4 ELSE display_name END,
             email        = CASE WHEN $5 THEN $6 ELSE email END,
             phone        = CASE WHEN $7 THEN $8 ELSE phone END,
             updated_at   = now()
       WHERE id = $1 AND account_id = $2
       RETURNING id""";

  static final String SET_PLATFORM_NAME =
      "UPDATE contacts SET platform_name = $3, updated_at = now() WHERE id = $1 AND account_id = $2 RETURNING id";

  static final String OWNED = "SELECT id FROM contacts WHERE id = $1 AND account_id = $2";

  /**
   * Taken before a label or field is added: the per-contact limits are counted after it (ROOM), in
   * a statement of its own, whose snapshot then sees what an add that held the lock committed (a
   * count inside the locking statement would be read from before the wait). NO KEY: the inserts'
   * foreign-key checks on the contact (KEY SHARE) of this or the bot's transaction do not wait on it.
   */
  static final String LOCK_CONTACT = "SELECT id FROM contacts WHERE id = $1 AND account_id = $2 FOR NO KEY UPDATE";
  static final String ROOM = """
      SELECT (SELECT count(*) FROM contact_labels l WHERE l.contact_id = $1) AS labels,
             (SELECT count(*) FROM contact_fields f WHERE f.contact_id = $1) AS fields,
             EXISTS (SELECT 1 FROM contact_labels l WHERE l.contact_id = $1 AND lower(l.name) = lower($2)) AS has_label,
             EXISTS (SELECT 1 FROM contact_fields f WHERE f.contact_id = $1 AND f.name = $2) AS has_field""";

  static final String SET_FIELD = """
      INSERT INTO contact_fields (contact_id, account_id, name, value) VALUES ($1, $2, $3, $4)
      ON CONFLICT (contact_id, name) DO UPDATE SET value = EXCLUDED.value""";
  static final String DELETE_FIELD = "DELETE FROM contact_fields WHERE contact_id = $1 AND account_id = $2 AND name = $3";

  static final String ADD_LABEL = """
      INSERT INTO contact_labels (contact_id, account_id, name) VALUES ($1, $2, $3)
      ON CONFLICT (contact_id, name) DO NOTHING""";
  static final String DELETE_LABEL =
      "DELETE FROM contact_labels WHERE contact_id = $1 AND account_id = $2 AND lower(name) = lower($3)";
  static final String LABEL_SPELLING = "SELECT " + ContactService.labelSpelling("$1", "$2");

  static final String TOUCH = "UPDATE contacts SET updated_at = now() WHERE id = $1";

  // the fields in use and those an admin defined ahead of use (V66); UNION keeps each once
  static final String FIELD_NAMES = """
      SELECT name FROM contact_fields WHERE account_id = $1
       UNION SELECT name FROM field_names WHERE account_id = $1 ORDER BY name""";
  // the labels in use and those an admin defined ahead of use (V64); UNION keeps each once
  static final String LABEL_NAMES = """
      SELECT name FROM contact_labels WHERE account_id = $1
       UNION SELECT name FROM label_names WHERE account_id = $1 ORDER BY name""";

  static final String CHANNEL = "SELECT id, platform FROM channels WHERE id = $1 AND account_id = $2";

  /** A new contact keyed by its phone, or nothing when the phone (or that key) exists already. */
  static final String INSERT_CONTACT = """
      INSERT INTO contacts (account_id, channel_id, platform_user_id, display_name, phone, wa_id)
      VALUES ($1, $2, $3, $4, $3, $3)
      ON CONFLICT DO NOTHING
      RETURNING id""";
  /** The contact with this phone, whether keyed by it or by a BSUID. */
  static final String CONTACT_BY_USER = """
      SELECT id FROM contacts WHERE channel_id = $1 AND wa_id = $2
      UNION
      SELECT id FROM contacts WHERE channel_id = $1 AND platform_user_id = $2""";

  /** The contact's conversation: created Closed (no human needed yet) unless it exists. */
  static final String ENSURE_CONVERSATION = """
      WITH ins AS (
        INSERT INTO conversations (account_id, channel_id, contact_id, status) VALUES ($1, $2, $3, 'closed')
        ON CONFLICT (channel_id, contact_id) DO NOTHING RETURNING id)
      SELECT id, true AS created FROM ins
      UNION ALL
      SELECT id, false FROM conversations WHERE channel_id = $2 AND contact_id = $3""";
}
