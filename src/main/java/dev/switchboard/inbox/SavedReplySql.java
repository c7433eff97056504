package dev.switchboard.inbox;

/** The SQL of saved replies (an account's canned answers); every statement is scoped to the account. */
final class SavedReplySql {

  static final String COLUMNS = "id, title, content, created_at, updated_at";
  static final String LIST = "SELECT " + COLUMNS + " FROM saved_replies WHERE account_id = $1 ORDER BY lower(title), id";
  static final String GET = "SELECT " + COLUMNS + " FROM saved_replies WHERE id = $1 AND account_id = $2";
  static final String INSERT = "INSERT INTO saved_replies (account_id, title, content) VALUES ($1, $2, $3) RETURNING " + COLUMNS;
  static final String UPDATE =
      "UPDATE saved_replies SET title = $3, content = $4, updated_at = now() WHERE id = $1 AND account_id = $2 RETURNING " + COLUMNS;
  static final String GET_FOR_UPDATE = GET + " FOR UPDATE";
  static final String DELETE = "DELETE FROM saved_replies WHERE id = $1 AND account_id = $2";

  private SavedReplySql() {
  }

  /** A contact of the account with its custom fields as one JSON object (no row: not the account's). */
  static final String CONTACT_FIELDS = """
      SELECT (SELECT coalesce(jsonb_object_agg(f.name, f.value), '{}'::jsonb) FROM contact_fields f WHERE f.contact_id = ct.id) AS fields
        FROM contacts ct WHERE ct.id = $1 AND ct.account_id = $2""";

  /** The account's saved replies that hold a placeholder at all, locked: a field rename rewrites them. */
  static final String WITH_PLACEHOLDERS =
      "SELECT id, title, content FROM saved_replies WHERE account_id = $1 AND strpos(content, '{{') > 0 ORDER BY id FOR UPDATE";
  static final String SET_CONTENT = "UPDATE saved_replies SET content = $3, updated_at = now() WHERE id = $1 AND account_id = $2";
}
