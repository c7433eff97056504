package dev.switchboard.integrations;

/** SQL of outgoing webhooks (webhook_endpoints, webhook_deliveries; V44) and their reads of event_outbox. */
final class WebhookSql {

  private WebhookSql() {
  }

  static final String VIEW_COLUMNS = "id, url, events, description, attempts, failing_since, next_attempt_at, disabled_at, "
      + "disabled_reason, created_at";

  static final String COUNT = "SELECT count(*) FROM webhook_endpoints WHERE account_id = $1";

  /** A new endpoint reads from the newest position: it gets the events committed after it. */
  static final String INSERT = """
      INSERT INTO webhook_endpoints (account_id, url, events, description, secret, cursor_pos)
      VALUES ($1, $2, $3, $4, $5, (SELECT last_pos FROM event_relay WHERE id = 1))
      RETURNING\s""" + VIEW_COLUMNS;

  static final String LIST = "SELECT " + VIEW_COLUMNS + " FROM webhook_endpoints WHERE account_id = $1 ORDER BY id";

  static final String GET = "SELECT " + VIEW_COLUMNS + " FROM webhook_endpoints WHERE id = $1 AND account_id = $2";

  static final String DELETE = "DELETE FROM webhook_endpoints WHERE id = $1 AND account_id = $2 RETURNING id";

  /** The old secret keeps signing beside the new one until $4. */
  static final String ROTATE = """
      UPDATE webhook_endpoints SET previous_secret = secret, previous_until = $4, secret = $3
       WHERE id = $1 AND account_id = $2 RETURNING id""";

  /** Enabled again: from the newest position, with no failures counted. */
  static final String ENABLE = """
      UPDATE webhook_endpoints
         SET disabled_at = NULL, disabled_reason = NULL, attempts = 0, failing_since = NULL, next_attempt_at = NULL,
             cursor_pos = GREATEST(cursor_pos, (SELECT last_pos FROM event_relay WHERE id = 1))
       WHERE id = $1 AND account_id = $2 AND disabled_at IS NOT NULL""";

  /** Stopped by an admin: nothing is sent until it is enabled again (then from the newest event). */
  static final String DISABLE = """
      UPDATE webhook_endpoints
         SET disabled_at = now(), disabled_reason = $3, next_attempt_at = NULL
       WHERE id = $1 AND account_id = $2 AND disabled_at IS NULL""";

  static final String DELIVERIES = """
      SELECT id, event_id, event_type, attempt, ok, status_code, error, latency_ms, response, created_at
        FROM webhook_deliveries
       WHERE endpoint_id = $1 AND account_id = $2 AND ($3::bigint IS NULL OR id < $3)
       ORDER BY id DESC
       LIMIT $4""";

  /**
   * Leases up to $3 enabled endpoints that have positions to read and no retry pending, for $2 ms,
   * to owner $1; not those in $4, which the node is still working; only those whose id ≡ $6 (mod $5), the claiming
   * instance's share of the node's. SKIP LOCKED: nodes claiming at once take different endpoints.
   */
  static final String CLAIM = """
      UPDATE webhook_endpoints e
         SET lease_owner = $1, lease_until = now() + $2 * interval '1 millisecond'
       WHERE e.id IN (
         SELECT id FROM webhook_endpoints
          WHERE disabled_at IS NULL AND id <> ALL($4::bigint[]) AND id % $5 = $6
            AND (lease_until IS NULL OR lease_until < now())
            AND (next_attempt_at IS NULL OR next_attempt_at <= now())
            AND cursor_pos < (SELECT last_pos FROM event_relay WHERE id = 1)
          ORDER BY COALESCE(next_attempt_at, created_at)
          LIMIT $3
          FOR UPDATE SKIP LOCKED)
      RETURNING e.id, e.account_id, e.url, e.events, e.secret,
                CASE WHEN e.previous_until > now() THEN e.previous_secret END AS previous_secret,
                e.cursor_pos, e.attempts, e.failing_since""";

  static final String LAST_POS = "SELECT last_pos FROM event_relay WHERE id = 1";

  /** The endpoint's next event after its cursor $2 up to $3: its account's ($1), of a type it wants ($4 all, or in $5). */
  static final String NEXT = """
      SELECT pos, body, created_at FROM event_outbox
       WHERE account_id = $1 AND pos > $2 AND pos <= $3
         AND ($4 OR (body::jsonb ->> 'type') = ANY($5))
       ORDER BY pos
       LIMIT 1""";

  /** The endpoint's next events after its cursor $2 up to $3 (like {@link #NEXT}), at most $6, in position order. */
  static final String NEXT_BATCH = """
      SELECT pos, body, created_at FROM event_outbox
       WHERE account_id = $1 AND pos > $2 AND pos <= $3
         AND ($4 OR (body::jsonb ->> 'type') = ANY($5))
       ORDER BY pos
       LIMIT $6""";

  /** Delivered (or nothing to deliver up to $3): the cursor moves, failures are forgotten, the lease is renewed. */
  static final String ADVANCE = """
      UPDATE webhook_endpoints
         SET cursor_pos = GREATEST(cursor_pos, $3), attempts = 0, failing_since = NULL, next_attempt_at = NULL,
             lease_until = now() + $4 * interval '1 millisecond'
       WHERE id = $1 AND lease_owner = $2""";

  /** A failed attempt: retry at $3, or disable with reason $4 when it is not null. The lease is given back. */
  static final String FAILED = """
      UPDATE webhook_endpoints
         SET attempts = attempts + 1, failing_since = COALESCE(failing_since, now()), next_attempt_at = $3,
             disabled_at = CASE WHEN $4::text IS NULL THEN NULL ELSE now() END, disabled_reason = $4,
             lease_owner = NULL, lease_until = NULL
       WHERE id = $1 AND lease_owner = $2""";

  static final String RELEASE = "UPDATE webhook_endpoints SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2";

  static final String LOG = """
      INSERT INTO webhook_deliveries (endpoint_id, account_id, event_id, event_type, attempt, ok, status_code, error, latency_ms, response)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""";

  /** A round's attempts in one statement: one row per element of the arrays $3… */
  static final String LOG_MANY = """
      INSERT INTO webhook_deliveries (endpoint_id, account_id, event_id, event_type, attempt, ok, status_code, error, latency_ms, response)
      SELECT $1, $2, v.* FROM unnest($3::text[], $4::text[], $5::int[], $6::bool[], $7::int[], $8::text[], $9::int[], $10::text[])
        AS v(event_id, event_type, attempt, ok, status_code, error, latency_ms, response)""";

  /** A logged delivery of endpoint $2 (account $3) to send again: the endpoint's current secrets, how often it was tried. */
  static final String FOR_RESEND = """
      SELECT d.event_id, e.url, e.secret,
             CASE WHEN e.previous_until > now() THEN e.previous_secret END AS previous_secret,
             (SELECT count(*) FROM webhook_deliveries x WHERE x.endpoint_id = d.endpoint_id AND x.event_id = d.event_id) AS tried
        FROM webhook_deliveries d
        JOIN webhook_endpoints e ON e.id = d.endpoint_id
       WHERE d.id = $1 AND d.endpoint_id = $2 AND d.account_id = $3""";

  static final String SECRETS = """
      SELECT url, secret, CASE WHEN previous_until > now() THEN previous_secret END AS previous_secret
        FROM webhook_endpoints WHERE id = $1 AND account_id = $2""";

  static final String EVENT = "SELECT pos, body, created_at FROM event_outbox WHERE pos = $1 AND account_id = $2";

  /** The delivery log is kept 7 days. */
  static final String PRUNE_LOG = """
      DELETE FROM webhook_deliveries WHERE id IN (
        SELECT id FROM webhook_deliveries WHERE created_at < now() - interval '7 days' ORDER BY created_at LIMIT 10000)""";
}
