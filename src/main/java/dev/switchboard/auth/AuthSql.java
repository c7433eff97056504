package dev.switchboard.auth;

/** SQL of accounts and users. */
final class AuthSql {

  private AuthSql() {
  }

  static final String USER_BY_EMAIL =
      "SELECT id, account_id, name, email, password_hash, role, token_version, active FROM users WHERE lower(email) = lower($1)";
  static final String USER_BY_ID =
      "SELECT id, account_id, name, email, password_hash, role, token_version, active FROM users WHERE id = $1";
  static final String SET_PASSWORD = "UPDATE users SET password_hash = $2 WHERE id = $1";
  static final String UPGRADE_HASH = "UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2";
  static final String ANY_USER = "SELECT 1 FROM users LIMIT 1";
  static final String INSERT_ACCOUNT = "INSERT INTO accounts (name) VALUES ($1) RETURNING id";
  static final String INSERT_USER =
      "INSERT INTO users (account_id, name, email, password_hash, role) VALUES ($1, $2, $3, $4, $5) RETURNING id";
}
