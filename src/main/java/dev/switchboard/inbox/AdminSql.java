package dev.switchboard.inbox;

/** SQL of what admins manage: channels, agents (users) and teams. */
final class AdminSql {

  private AdminSql() {
  }

  static final String CHANNEL_COLUMNS = "id, platform, name, external_id, waba_id, needs_attention, created_at, last_webhook_at, "
      + "disconnected_at";

  /** (platform, external_id) is unique across all accounts: Meta's id routes webhooks to exactly one channel. */
  static final String INSERT_CHANNEL = """
      INSERT INTO channels (account_id, platform, name, external_id, access_token, waba_id)
      VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (platform, external_id) DO NOTHING
      RETURNING """ + " " + CHANNEL_COLUMNS;
  static final String CHANNEL_OF_ACCOUNT = "SELECT id FROM channels WHERE account_id = $1 AND platform = $2 AND external_id = $3";
  /** A new name and/or a new (proven) token; a new token clears needs_attention. */
  static final String UPDATE_CHANNEL = """
      UPDATE channels SET name = coalesce($3, name), access_token = coalesce($4, access_token),
        needs_attention = CASE WHEN $4::text IS NULL THEN needs_attention END
      WHERE id = $1 AND account_id = $2
      RETURNING """ + " " + CHANNEL_COLUMNS;
  static final String CHANNELS = "SELECT " + CHANNEL_COLUMNS + " FROM channels WHERE account_id = $1 ORDER BY id";
  static final String CHANNEL = "SELECT " + CHANNEL_COLUMNS + " FROM channels WHERE id = $1 AND account_id = $2";

  static final String USER_COLUMNS = "id, name, email, role, active, created_at";
  static final String INSERT_USER = """
      INSERT INTO users (account_id, name, email, password_hash, role) VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT ((lower(email))) DO NOTHING
      RETURNING """ + " " + USER_COLUMNS;
  static final String USERS = "SELECT " + USER_COLUMNS + ", availability FROM users WHERE account_id = $1 ORDER BY id";

  static final String USER_FOR_UPDATE = "SELECT " + USER_COLUMNS + " FROM users WHERE id = $1 AND account_id = $2 FOR UPDATE";
  // every active admin of the account, locked, so two admins cannot demote each other at once
  static final String ACTIVE_ADMINS = "SELECT id FROM users WHERE account_id = $1 AND role = 'admin' AND active ORDER BY id FOR UPDATE";
  static final String UPDATE_USER =
      "UPDATE users SET name = $3, role = $4, active = $5, password_hash = coalesce($6, password_hash)"
      + " WHERE id = $1 AND account_id = $2 RETURNING " + USER_COLUMNS;

  static final String USERS_IN_ACCOUNT = "SELECT id FROM users WHERE account_id = $1 AND id = ANY($2)";
  static final String INSERT_TEAM = "INSERT INTO teams (account_id, name) VALUES ($1, $2) RETURNING id";
  /** The team's row, locked, and its version (the editor's If-Match is checked against it). */
  static final String TEAM_FOR_UPDATE = "SELECT updated_at FROM teams WHERE id = $1 AND account_id = $2 FOR UPDATE";
  static final String RENAME_TEAM =
      "UPDATE teams SET name = coalesce($3, name), updated_at = now() WHERE id = $1 AND account_id = $2 RETURNING id";
  /** Teams a new agent joined have changed too: an editor opened before must read them again. */
  static final String TOUCH_TEAMS = "UPDATE teams SET updated_at = now() WHERE id = ANY($1) AND account_id = $2";
  static final String DELETE_MEMBERS = "DELETE FROM team_members WHERE team_id = $1";
  /** A new agent joins teams $2 of account $3 (a team of another account is not joined: the count tells). */
  static final String JOIN_TEAMS = "INSERT INTO team_members (team_id, user_id) SELECT t.id, $1 FROM teams t WHERE t.id = ANY($2) AND t.account_id = $3";
  static final String INSERT_MEMBERS = "INSERT INTO team_members (team_id, user_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING";
  static final String TEAMS = """
      SELECT t.id, t.name, t.created_at, t.updated_at, t.auto_assign,
             coalesce((SELECT jsonb_agg(m.user_id::text ORDER BY m.user_id) FROM team_members m WHERE m.team_id = t.id), '[]'::jsonb) AS member_ids
        FROM teams t WHERE t.account_id = $1 AND ($2::bigint IS NULL OR t.id = $2) ORDER BY t.id""";
}
