package dev.switchboard.auth;

/** SQL of accounts and users. */
final class AuthSql {

  private AuthSql() {
  }

  // a person of a disabled account is as inactive as a deactivated one: no sign-in, no refresh, no token
  private static final String USER = "SELECT u.id, u.account_id, u.name, u.email, u.password_hash, u.role, u.token_version, "
      + "u.active AND a.disabled_at IS NULL AS active FROM users u JOIN accounts a ON a.id = u.account_id ";
  static final String USER_BY_EMAIL = USER + "WHERE lower(u.email) = lower($1)";
  static final String USER_BY_ID = USER + "WHERE u.id = $1";
  static final String SET_PASSWORD = "UPDATE users SET password_hash = $2 WHERE id = $1";
  static final String UPGRADE_HASH = "UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2";
  static final String ANY_USER = "SELECT 1 FROM users LIMIT 1";
  static final String INSERT_ACCOUNT = "INSERT INTO accounts (name) VALUES ($1) RETURNING id";
  static final String INSERT_USER =
      "INSERT INTO users (account_id, name, email, password_hash, role) VALUES ($1, $2, $3, $4, $5) RETURNING id";
}
