package dev.switchboard.outbound;

import dev.switchboard.conversation.Views;

/** SQL of the outbox: enqueueing outbound messages, idempotency keys, claims and results. */
final class OutboxSql {

  private OutboxSql() {
  }

  /** The conversation a message goes to, locked so last_inbound_at cannot move under the window check. */
  static final String CONVERSATION_FOR_SEND = """
      SELECT cv.id, cv.account_id, cv.channel_id, cv.contact_id, cv.last_inbound_at, cv.ad_referral_at, ch.platform, ch.waba_id,
             ch.access_token, ch.disconnected_at IS NOT NULL AS disconnected, (SELECT ct.wa_id FROM contacts ct WHERE ct.id = cv.contact_id) AS wa_id,
             (SELECT coalesce(jsonb_object_agg(f.name, f.value), '{}'::jsonb) FROM contact_fields f WHERE f.contact_id = cv.contact_id) AS fields
        FROM conversations cv
        JOIN channels ch ON ch.id = cv.channel_id
       WHERE cv.id = $1 AND ($2::bigint IS NULL OR cv.account_id = $2)
         FOR UPDATE OF cv
      """;

  static final String CHANNEL = """
      SELECT id, account_id, platform, waba_id, access_token FROM channels WHERE id = $1 AND account_id = $2
      """;

  static final String INSERT_MESSAGE = """
      INSERT INTO messages (account_id, conversation_id, channel_id, direction, type, content_type, text, attachments,
                            sender_type, sender_id, status, send_spec)
      VALUES ($1, $2, $3, 'out', $4, $5, $6, $7, $8, $9, $10, $11)
      RETURNING""" + " " + Views.MESSAGE_COLUMNS;

  static final String TOUCH_CONVERSATION = """
      UPDATE conversations SET last_message_at = greatest(last_message_at, now()), updated_at = now() WHERE id = $1
      """;

  /**
   * Takes the key, or takes over one older than 24 h; answers no row while a live key exists (a
   * concurrent holder makes this wait for its commit, then answers no row).
   */
  static final String TAKE_KEY = """
      INSERT INTO idempotency_keys (account_id, key, conversation_id, created_at) VALUES ($1, $2, $3, $4)
      ON CONFLICT (account_id, key) DO UPDATE SET conversation_id = EXCLUDED.conversation_id, message_id = NULL,
                                                  created_at = EXCLUDED.created_at
       WHERE idempotency_keys.created_at <= EXCLUDED.created_at - interval '24 hours'
      RETURNING key
      """;

  /** Keys older than 24 h are dead weight: a new request with one takes it over anyway. */
  static final String EXPIRE_KEYS = """
      DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
        SELECT ctid FROM idempotency_keys WHERE created_at < $1::timestamptz - interval '24 hours' LIMIT 10000))
      """;

  static final String SET_KEY_MESSAGE = "UPDATE idempotency_keys SET message_id = $3 WHERE account_id = $1 AND key = $2";

  static final String KEYED_MESSAGE = "SELECT k.conversation_id AS key_conversation_id, "
      + prefixed("m") + " FROM idempotency_keys k JOIN messages m ON m.id = k.message_id WHERE k.account_id = $1 AND k.key = $2";

  static final String MESSAGE = "SELECT " + Views.MESSAGE_COLUMNS + " FROM messages WHERE id = $1";

  /**
   * Claims due pending messages: per conversation only the oldest pending one (order is kept: a
   * later message waits while an earlier one is pending or in flight). Rows another node is
   * claiming are skipped; an expired lease is claimable again. {@code previous_claim} is set
   * when this claim takes over an expired lease (the send may or may not have happened).
   */
  /** Kept media of the account (sealed), for a reply that attaches an upload. */
  static final String KEPT_MEDIA = "SELECT mime_type, size FROM media WHERE id = $1 AND account_id = $2 AND sha256 IS NOT NULL";

  static final String CLAIM = """
      UPDATE messages m
         SET claimed_by = $1, claim_expires_at = now() + ($2 * interval '1 millisecond'), attempts = m.attempts + 1
        FROM (SELECT p.id, p.claimed_by AS previous_claim, ch.platform, ch.external_id AS channel_external_id,
                     ch.access_token, coalesce(ct.wa_id, ct.platform_user_id) AS platform_user_id, cv.last_inbound_at,
                     cv.ad_referral_at, ct.bsuid AS contact_bsuid
                FROM messages p
                JOIN conversations cv ON cv.id = p.conversation_id
                JOIN contacts ct ON ct.id = cv.contact_id
                JOIN channels ch ON ch.id = p.channel_id
               WHERE p.status = 'pending' AND ch.disconnected_at IS NULL
                 AND (p.next_attempt_at IS NULL OR p.next_attempt_at <= now())
                 AND (p.claim_expires_at IS NULL OR p.claim_expires_at < now())
                 AND NOT EXISTS (SELECT 1 FROM messages e
                                  WHERE e.conversation_id = p.conversation_id AND e.status = 'pending' AND e.id < p.id)
               ORDER BY p.id
               LIMIT $3
                 FOR UPDATE OF p SKIP LOCKED) c
       WHERE m.id = c.id
      RETURNING m.id, m.account_id, m.conversation_id, m.channel_id, m.type, m.text, m.attachments, m.sender_type,
                m.reply_to, m.send_spec, m.attempts, c.previous_claim, c.platform, c.channel_external_id,
                c.access_token, c.platform_user_id, c.last_inbound_at, c.ad_referral_at, c.contact_bsuid
      """;

  /** Hands a claim back without counting it as an attempt (rate limit, stop): due again after the delay. */
  static final String RELEASE = """
      UPDATE messages SET claimed_by = NULL, claim_expires_at = NULL, attempts = greatest(attempts - 1, 0),
                          next_attempt_at = now() + ($3 * interval '1 millisecond')
       WHERE id = $1 AND claimed_by = $2 AND status = 'pending'
      """;

  /** A failed attempt that will be retried after the backoff. */
  static final String RETRY_LATER = """
      UPDATE messages SET claimed_by = NULL, claim_expires_at = NULL, next_attempt_at = now() + ($3 * interval '1 millisecond'),
                          messaging_tag = $4, updated_at = now()
       WHERE id = $1 AND claimed_by = $2 AND status = 'pending'
      """;

  /**
   * The echo webhook of this very send may have been stored first (as type 'echo'): remove it,
   * so the platform message appears once, as our message.
   */
  static final String DELETE_ECHO = """
      DELETE FROM messages WHERE channel_id = $1 AND external_id = $2 AND type = 'echo' AND id <> $3
      """;

  /** Success: status sent with the platform's message id (a result is recorded even if the lease ran out). */
  static final String MARK_SENT = """
      UPDATE messages SET status = 'sent', external_id = $2, messaging_tag = $3, claimed_by = NULL, claim_expires_at = NULL,
                          next_attempt_at = NULL, error_code = NULL, error_message = NULL, updated_at = now()
       WHERE id = $1 AND status = 'pending'
      RETURNING""" + " " + Views.MESSAGE_COLUMNS;

  /** Statuses of this wamid that arrived before we knew it (kept by the processor as dead letters). */
  /** The channel of one of the account's conversations ($1 conversation, $2 account). */
  static final String CHANNEL_OF_CONVERSATION = """
      SELECT ch.id, ch.platform, ch.waba_id, ch.access_token FROM conversations cv
        JOIN channels ch ON ch.id = cv.channel_id
       WHERE cv.id = $1 AND cv.account_id = $2""";

  /** Statuses that arrived before this send's wamid was recorded ($2: its channel; null for rows kept before channels were). */
  static final String EARLY_STATUSES = """
      SELECT id, payload FROM early_statuses
       WHERE wamid = $1 AND (channel_id = $2 OR channel_id IS NULL)
       ORDER BY id
      """;

  static final String DELETE_EARLY_STATUSES = "DELETE FROM early_statuses WHERE id = ANY($1)";

  /** Applies an early status on top of 'sent' (one row, inside the transaction that set the wamid). */
  static final String APPLY_EARLY_STATUS = """
      UPDATE messages SET status = $2, error_code = $3, error_message = $4, pricing = coalesce($5, pricing), updated_at = now()
       WHERE id = $1
      RETURNING""" + " " + Views.MESSAGE_COLUMNS;

  static final String MARK_FAILED = """
      UPDATE messages SET status = 'failed', error_code = $2, error_message = $3, messaging_tag = $4, claimed_by = NULL,
                          claim_expires_at = NULL, next_attempt_at = NULL, updated_at = now()
       WHERE id = $1 AND status = 'pending'
      RETURNING""" + " " + Views.MESSAGE_COLUMNS;

  static final String CHANNEL_NEEDS_ATTENTION = """
      UPDATE channels SET needs_attention = $2 WHERE id = $1 RETURNING id, account_id, platform, name, external_id, needs_attention
      """;

  private static String prefixed(String alias) {
    StringBuilder b = new StringBuilder();
    for (String col : Views.MESSAGE_COLUMNS.split(",")) {
      if (b.length() > 0) {
        b.append(", ");
      }
      b.append(alias).append('.').append(col.trim());
    }
    return b.toString();
  }
}
