package dev.switchboard.auth;

/** SQL of sign-in sessions and token versions. */
final class SessionSql {

  private SessionSql() {
  }

  static final String INSERT =
      "INSERT INTO sessions (id, user_id, account_id, refresh_hash, expires_at) VALUES ($1, $2, $3, $4, $5)";
  // the grace is measured on the database's clock, the one refreshed_at was written with: a node
  // whose clock runs ahead would otherwise take two tabs refreshing together for a stolen token
  static final String FOR_REFRESH = """
      SELECT s.refresh_hash, s.previous_hash, s.refreshed_at + $2 * interval '1 millisecond' > now() AS in_grace,
             s.expires_at, s.revoked_at,
             u.id, u.account_id, u.role, u.name, u.email, u.token_version, u.active AND a.disabled_at IS NULL AS active
        FROM sessions s JOIN users u ON u.id = s.user_id JOIN accounts a ON a.id = u.account_id
       WHERE s.id = $1
         FOR UPDATE OF s""";
  static final String ROTATE =
      "UPDATE sessions SET previous_hash = refresh_hash, refresh_hash = $2, refreshed_at = now() WHERE id = $1";
  static final String REVOKE = "UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL";
  static final String REVOKE_ALL = "UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL";
  static final String REVOKED = "SELECT revoked_at FROM sessions WHERE id = $1";
  static final String BUMP_VERSION = "UPDATE users SET token_version = token_version + 1 WHERE id = $1 RETURNING token_version";
  static final String VERSION = "SELECT u.token_version, u.active AND a.disabled_at IS NULL AS active "
      + "FROM users u JOIN accounts a ON a.id = u.account_id WHERE u.id = $1";
  /** Every person of an account, for ending all their sessions when the account is disabled. */
  static final String ACCOUNT_USERS = "SELECT id FROM users WHERE account_id = $1 ORDER BY id";
}
