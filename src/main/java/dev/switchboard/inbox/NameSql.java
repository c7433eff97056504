package dev.switchboard.inbox;

/**
 * SQL of the account-wide label and field names ($1 account): their use, rename or merge, delete.
 * Labels are one per account whatever their case (V33, V38); field names are exact.
 */
final class NameSql {

  private NameSql() {
  }

  static final String LABEL_USAGE =
      "SELECT name, count(*) AS contacts FROM contact_labels WHERE account_id = $1 GROUP BY name ORDER BY lower(name), name";
  static final String FIELD_USAGE =
      "SELECT name, count(*) AS contacts FROM contact_fields WHERE account_id = $1 GROUP BY name ORDER BY lower(name), name";

  /** The account's spelling of label $2 ("VIP" for "vip"), if any contact carries it. */
  static final String LABEL_SPELLING =
      "SELECT min(name) AS name FROM contact_labels WHERE account_id = $1 AND lower(name) = lower($2) HAVING count(*) > 0";
  /** A merge of label $2 into $3: a contact that carries both keeps only $3. */
  static final String LABEL_DROP_DOUBLES = """
      DELETE FROM contact_labels l
       WHERE l.account_id = $1 AND lower(l.name) = lower($2)
         AND EXISTS (SELECT 1 FROM contact_labels k WHERE k.contact_id = l.contact_id AND lower(k.name) = lower($3))""";
  static final String LABEL_RENAME = "UPDATE contact_labels SET name = $3 WHERE account_id = $1 AND lower(name) = lower($2)";
  static final String LABEL_DELETE = "DELETE FROM contact_labels WHERE account_id = $1 AND lower(name) = lower($2)";

  static final String FIELD_EXISTS = "SELECT 1 FROM contact_fields WHERE account_id = $1 AND name = $2 LIMIT 1";
  /** A merge of field $2 into $3: a contact that has both keeps its $3 value. */
  static final String FIELD_DROP_DOUBLES = """
      DELETE FROM contact_fields f
       WHERE f.account_id = $1 AND f.name = $2
         AND EXISTS (SELECT 1 FROM contact_fields g WHERE g.contact_id = f.contact_id AND g.name = $3)""";
  static final String FIELD_RENAME = "UPDATE contact_fields SET name = $3 WHERE account_id = $1 AND name = $2";
  static final String FIELD_DELETE = "DELETE FROM contact_fields WHERE account_id = $1 AND name = $2";
}
