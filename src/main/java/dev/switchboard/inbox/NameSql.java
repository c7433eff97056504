package dev.switchboard.inbox;

import dev.switchboard.conversation.ContactService;

/**
 * SQL of the account-wide label and field names ($1 account): their use, definition ahead of use,
 * rename or merge, delete. Labels are one per account whatever their case (V33, V38) and may be
 * defined before any contact carries them (V64); field names are exact, and may be defined before
 * any contact has a value for them (V66).
 */
final class NameSql {

  private NameSql() {
  }

  /** Labels in use with their counts, and defined ones no contact carries with 0 (V64). */
  static final String LABEL_USAGE = """
      SELECT coalesce(u.name, d.name) AS name, coalesce(u.contacts, 0) AS contacts
        FROM (SELECT name, count(*) AS contacts FROM contact_labels WHERE account_id = $1 GROUP BY name) u
        FULL JOIN (SELECT name FROM label_names WHERE account_id = $1) d ON d.name = u.name
       ORDER BY lower(coalesce(u.name, d.name)), coalesce(u.name, d.name)""";
  /** Fields in use with their counts, and defined ones no contact has a value for with 0 (V66). */
  static final String FIELD_USAGE = """
      SELECT coalesce(u.name, d.name) AS name, coalesce(u.contacts, 0) AS contacts
        FROM (SELECT name, count(*) AS contacts FROM contact_fields WHERE account_id = $1 GROUP BY name) u
        FULL JOIN (SELECT name FROM field_names WHERE account_id = $1) d ON d.name = u.name
       ORDER BY lower(coalesce(u.name, d.name)), coalesce(u.name, d.name)""";

  /** The account's spelling of label $2 ("VIP" for "vip"), or null when it is neither defined nor in use. */
  static final String LABEL_SPELLING = "SELECT " + ContactService.labelSpelling("$1", "$2") + " AS name";
  /** Defines label $2 ahead of use; nothing when a spelling of it is defined already (then no row). */
  static final String LABEL_DEFINE = """
      INSERT INTO label_names (account_id, name) VALUES ($1, $2)
      ON CONFLICT (account_id, lower(name)) DO NOTHING RETURNING id""";
  static final String LABEL_UNDEFINE = "DELETE FROM label_names WHERE account_id = $1 AND lower(name) = lower($2)";
  static final String LABEL_DEFINED_COUNT = "SELECT count(*) FROM label_names WHERE account_id = $1";
  /** A merge of label $2 into $3: a contact that carries both keeps only $3. */
  static final String LABEL_DROP_DOUBLES = """
      DELETE FROM contact_labels l
       WHERE l.account_id = $1 AND lower(l.name) = lower($2)
         AND EXISTS (SELECT 1 FROM contact_labels k WHERE k.contact_id = l.contact_id AND lower(k.name) = lower($3))""";
  static final String LABEL_RENAME = "UPDATE contact_labels SET name = $3 WHERE account_id = $1 AND lower(name) = lower($2)";
  static final String LABEL_DELETE = "DELETE FROM contact_labels WHERE account_id = $1 AND lower(name) = lower($2)";

  /**
   * Field $2 itself when exactly that name is defined or some contact has it, else null: a field
   * has no other spelling ("plan" is not "Plan"). field_names_account_name_key and
   * contact_fields_account_name_idx answer it.
   */
  static final String FIELD_SPELLING = """
      SELECT CASE WHEN EXISTS (SELECT 1 FROM field_names WHERE account_id = $1 AND name = $2::text)
                    OR EXISTS (SELECT 1 FROM contact_fields WHERE account_id = $1 AND name = $2::text)
                  THEN $2::text END AS name""";
  /** Defines field $2 ahead of use; nothing when exactly that name is defined already (then no row). */
  static final String FIELD_DEFINE = """
      INSERT INTO field_names (account_id, name) VALUES ($1, $2)
      ON CONFLICT (account_id, name) DO NOTHING RETURNING id""";
  static final String FIELD_UNDEFINE = "DELETE FROM field_names WHERE account_id = $1 AND name = $2";
  static final String FIELD_DEFINED_COUNT = "SELECT count(*) FROM field_names WHERE account_id = $1";
  /** A merge of field $2 into $3: a contact that has both keeps its $3 value. */
  static final String FIELD_DROP_DOUBLES = """
      DELETE FROM contact_fields f
       WHERE f.account_id = $1 AND f.name = $2
         AND EXISTS (SELECT 1 FROM contact_fields g WHERE g.contact_id = f.contact_id AND g.name = $3)""";
  static final String FIELD_RENAME = "UPDATE contact_fields SET name = $3 WHERE account_id = $1 AND name = $2";
  static final String FIELD_DELETE = "DELETE FROM contact_fields WHERE account_id = $1 AND name = $2";
}
