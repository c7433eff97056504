package dev.switchboard.auth;

/** SQL of API keys ({@code api_keys}, V43). */
final class ApiKeySql {

  private ApiKeySql() {
  }

  static final String COUNT_LIVE = "SELECT count(*) FROM api_keys WHERE account_id = $1 AND revoked_at IS NULL";

  static final String INSERT = """
      INSERT INTO api_keys (account_id, name, scopes, secret_hash, created_by)
      VALUES ($1, $2, $3, $4, $5)
      RETURNING id, name, scopes, created_at, last_used_at""";

  static final String LIST = """
      SELECT id, name, scopes, created_at, last_used_at
        FROM api_keys
       WHERE account_id = $1 AND revoked_at IS NULL
       ORDER BY id""";

  /** Every key's name, revoked ones too: old messages and history name their sender by it. */
  static final String NAMES = """
      SELECT id, name, revoked_at IS NOT NULL AS revoked
        FROM api_keys
       WHERE account_id = $1
       ORDER BY id DESC
       LIMIT 1000""";

  static final String REVOKE = """
      UPDATE api_keys SET revoked_at = now()
       WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL
      RETURNING id""";

  /** The live key of a secret's hash; its account must be enabled too. */
  static final String BY_HASH = """
      SELECT k.id, k.account_id, k.name, k.scopes
        FROM api_keys k
        JOIN accounts a ON a.id = k.account_id
       WHERE k.secret_hash = $1 AND k.revoked_at IS NULL AND a.disabled_at IS NULL""";

  /** Revoked, or its account disabled. */
  static final String REVOKED = """
      SELECT k.revoked_at IS NOT NULL OR a.disabled_at IS NOT NULL
        FROM api_keys k JOIN accounts a ON a.id = k.account_id
       WHERE k.id = $1""";

  // written at most once a minute per key and node: a busy key does not write a row per request
  static final String TOUCH = """
      UPDATE api_keys SET last_used_at = now()
       WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')""";
}
