package dev.switchboard.conversation;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The processor's SQL: every statement takes whole batches as arrays (UNNEST), so a batch of
 * hundreds of raw events costs a dozen statements, not one per message.
 */
final class InboundSql {

  private InboundSql() {
  }

  /** Message columns qualified with {@code m.}, for UPDATE ... FROM ... RETURNING. */
  static final String M_COLUMNS = Arrays.stream(Views.MESSAGE_COLUMNS.split(","))
      .map(c -> "m." + c.trim()).collect(Collectors.joining(", "));

  /** Claimed rows stay locked until the batch commits; a crashed node's locks die with its connection. */
  static final String CLAIM = """
      SELECT id, platform, body, received_at FROM raw_events
       WHERE status = 'pending'
       ORDER BY id
       LIMIT $1
         FOR UPDATE SKIP LOCKED
      """;

  /** A raw row as it is (any status). */
  static final String RAW_BY_ID = "SELECT id, platform, body, received_at FROM raw_events WHERE id = $1";

  static final String CLAIM_ONE = """
      SELECT id, platform, body, received_at FROM raw_events
       WHERE id = $1 AND status = 'pending'
         FOR UPDATE SKIP LOCKED
      """;

  /*
   * The batch's channels; each one's last_webhook_at moves forward as well, at most once a minute,
   * and only where no other transaction holds the row (SKIP LOCKED): two nodes' batches never wait
   * for, or deadlock on, each other for this.
   */
  static final String CHANNELS = """
      WITH found AS (
        SELECT c.id, c.account_id, c.platform, c.external_id,
               CASE WHEN a.disabled_at IS NOT NULL THEN 'account_disabled'
                    WHEN c.disconnected_at IS NOT NULL THEN 'channel_disconnected' END AS held
          FROM channels c
          JOIN UNNEST($1::text[], $2::text[]) AS k(platform, external_id)
            ON c.platform = k.platform AND c.external_id = k.external_id
          JOIN accounts a ON a.id = c.account_id
      ), stale AS (
        SELECT c.id FROM channels c
         WHERE c.id IN (SELECT id FROM found)
           AND (c.last_webhook_at IS NULL OR c.last_webhook_at < now() - interval '1 minute')
         ORDER BY c.id FOR UPDATE SKIP LOCKED
      ), touched AS (
        UPDATE channels c SET last_webhook_at = now() FROM stale WHERE c.id = stale.id
      )
      SELECT id, account_id, platform, external_id, held FROM found
      """;

  /**
   * New contacts only: existing rows are not touched (a no-op update would still write a tuple
   * and its trigram index entries for every message). Rows go in key order.
   */
  static final String INSERT_CONTACTS = """
      INSERT INTO contacts (account_id, channel_id, platform_user_id, platform_name, phone)
      SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[])
          AS t(account_id, channel_id, platform_user_id, platform_name, phone)
       ORDER BY channel_id, platform_user_id
      ON CONFLICT (channel_id, platform_user_id) DO NOTHING
      """;

  /**
   * Every contact of the batch by key, after refreshing the platform name where it changed
   * ({@code renamed}: a {@code contact.updated} event). The SELECT sees the rows as before the
   * UPDATE, which is fine: only ids and keys are read from it.
   */
  static final String REFRESH_CONTACTS = """
      WITH input AS (
        SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[]) AS t(channel_id, platform_user_id, platform_name)
      ), renamed AS (
        UPDATE contacts c SET platform_name = i.platform_name, updated_at = now()
          FROM input i
         WHERE c.channel_id = i.channel_id AND c.platform_user_id = i.platform_user_id
           AND i.platform_name IS NOT NULL AND c.platform_name IS DISTINCT FROM i.platform_name
        RETURNING c.id
      )
      SELECT c.id, c.channel_id, c.platform_user_id, (c.id IN (SELECT id FROM renamed)) AS name_changed
        FROM contacts c JOIN input i USING (channel_id, platform_user_id)
      """;

  /** One conversation per (channel, contact); new ones are Closed (the column default). */
  static final String INSERT_CONVERSATIONS = """
      INSERT INTO conversations (account_id, channel_id, contact_id, last_message_at)
      SELECT a, ch, ct, at FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::timestamptz[]) AS t(a, ch, ct, at)
       ORDER BY ch, ct
      ON CONFLICT (channel_id, contact_id) DO NOTHING
      RETURNING id
      """;

  /**
   * The batch's conversations, locked in key order (so concurrent batches touching the same
   * conversation serialise on it instead of deadlocking) without writing them yet.
   */
  static final String LOCK_CONVERSATIONS = """
      SELECT c.id, c.channel_id, c.contact_id, c.status, c.last_inbound_at
        FROM conversations c
        JOIN UNNEST($1::bigint[], $2::bigint[]) AS k(channel_id, contact_id)
          ON c.channel_id = k.channel_id AND c.contact_id = k.contact_id
       ORDER BY c.channel_id, c.contact_id
         FOR UPDATE OF c
      """;

  /** Exactly once per platform message id: redeliveries insert nothing. Ids follow the array order. */
  static final String INSERT_MESSAGES = """
      INSERT INTO messages (account_id, conversation_id, channel_id, direction, type, content_type, text, attachments,
                            raw, sender_type, status, external_id, reply_to, platform_timestamp, payload)
      SELECT a, cv, ch, d, ty, ct, tx, att::jsonb, rw::jsonb, st, s, ext, rt, ts, pl
        FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                    $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::timestamptz[], $15::text[])
             WITH ORDINALITY AS t(a, cv, ch, d, ty, ct, tx, att, rw, st, s, ext, rt, ts, pl, ord)
       ORDER BY ord
      ON CONFLICT (channel_id, external_id) WHERE external_id IS NOT NULL DO NOTHING
      RETURNING """ + " " + Views.MESSAGE_COLUMNS;

  /** One fetch per attachment the processor marked {@code status: pending}; {@code idx} is its place in the array. */
  static final String ENQUEUE_MEDIA = """
      INSERT INTO media_fetches (account_id, message_id, idx)
      SELECT m.account_id, m.id, (a.ord - 1)::int
        FROM messages m, jsonb_array_elements(m.attachments) WITH ORDINALITY AS a(att, ord)
       WHERE m.id = ANY($1::bigint[]) AND a.att->>'status' = 'pending'
      ON CONFLICT (message_id, idx) DO NOTHING
      """;

  /** Times never move backwards (GREATEST ignores NULL). */
  static final String UPDATE_CONVERSATIONS = """
      UPDATE conversations c
         SET last_message_at = GREATEST(c.last_message_at, u.last_at),
             last_inbound_at = GREATEST(c.last_inbound_at, u.last_in),
             unread_count = c.unread_count + u.unread,
             updated_at = now()
        FROM UNNEST($1::bigint[], $2::timestamptz[], $3::timestamptz[], $4::int[]) AS u(id, last_at, last_in, unread)
       WHERE c.id = u.id
      RETURNING c.id, c.status, c.last_inbound_at
      """;

  /** Whether status {@code u.status} moves message {@code m} forward (the rule of {@link MessageStatus}). */
  private static final String FORWARD = MessageStatus.movesForwardSql("m.status", "u.status");

  /**
   * Statuses only move forward: pending < sent < delivered < read. {@code failed} overrides
   * pending and sent only (a late failure never undoes a delivery) and nothing overrides it.
   * A status's pricing is kept even when the status itself is not news (Meta's "sent" usually
   * comes after we recorded sent ourselves).
   */
  static final String APPLY_STATUSES = """
      UPDATE messages m
         SET status = CASE WHEN %1$s THEN u.status ELSE m.status END,
             error_code = CASE WHEN u.status = 'failed' AND %1$s THEN u.code ELSE m.error_code END,
             error_message = CASE WHEN u.status = 'failed' AND %1$s THEN u.msg ELSE m.error_message END,
             pricing = coalesce(u.pricing::jsonb, m.pricing),
             updated_at = now()
        FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
             AS u(channel_id, external_id, status, code, msg, pricing)
       WHERE m.channel_id = u.channel_id AND m.external_id = u.external_id AND m.direction = 'out'
         AND (%1$s OR (u.pricing IS NOT NULL AND m.pricing IS DISTINCT FROM u.pricing::jsonb))
      RETURNING\s""".formatted(FORWARD) + M_COLUMNS;

  static final String UNKNOWN_MESSAGES = """
      SELECT u.channel_id, u.external_id
        FROM UNNEST($1::bigint[], $2::text[]) AS u(channel_id, external_id)
       WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.channel_id = u.channel_id AND m.external_id = u.external_id)
      """;

  /**
   * Watermarks (Messenger delivery/read, Instagram seen): every sent outbound message of the
   * customer's conversation up to the watermark is delivered/read; read is never undone.
   */
  static final String APPLY_WATERMARKS = """
      UPDATE messages m
         SET status = CASE WHEN u.read_wm IS NOT NULL AND COALESCE(m.platform_timestamp, m.created_at) <= u.read_wm
                           THEN 'read' ELSE 'delivered' END,
             updated_at = now()
        FROM UNNEST($1::bigint[], $2::text[], $3::timestamptz[], $4::timestamptz[]) AS u(channel_id, uid, delivered_wm, read_wm)
        JOIN contacts ct ON ct.channel_id = u.channel_id AND ct.platform_user_id = u.uid
        JOIN conversations cv ON cv.channel_id = u.channel_id AND cv.contact_id = ct.id
       WHERE m.conversation_id = cv.id AND m.direction = 'out' AND m.status IN ('sent', 'delivered')
         AND COALESCE(m.platform_timestamp, m.created_at) <= GREATEST(u.delivered_wm, u.read_wm)
         AND (m.status = 'sent' OR (u.read_wm IS NOT NULL AND COALESCE(m.platform_timestamp, m.created_at) <= u.read_wm))
      RETURNING\s""" + M_COLUMNS;

  /** A message the customer deleted stays (the thread keeps its shape) but is marked deleted. */
  static final String DELETE_MESSAGES = """
      UPDATE messages m SET deleted_at = now(), updated_at = now()
        FROM UNNEST($1::bigint[], $2::text[]) AS u(channel_id, external_id)
       WHERE m.channel_id = u.channel_id AND m.external_id = u.external_id AND m.deleted_at IS NULL
      RETURNING\s""" + M_COLUMNS;

  /** A taken-back reaction: the customer's reactions to that message, up to the unreact, are marked deleted. */
  static final String UNREACT = """
      UPDATE messages m SET deleted_at = now(), updated_at = now()
        FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::timestamptz[]) AS u(channel_id, uid, reacted, at)
        JOIN contacts ct ON ct.channel_id = u.channel_id AND (ct.platform_user_id = u.uid OR ct.wa_id = u.uid)
        JOIN conversations cv ON cv.channel_id = u.channel_id AND cv.contact_id = ct.id
       WHERE m.conversation_id = cv.id AND m.channel_id = u.channel_id AND m.reply_to = u.reacted
         AND m.content_type = 'reaction' AND m.direction = 'in' AND m.deleted_at IS NULL
         AND (u.at IS NULL OR m.platform_timestamp IS NULL OR m.platform_timestamp <= u.at)
      RETURNING\s""" + M_COLUMNS;

  /** The newest ad referral of each thread (Messenger/Instagram customers are keyed by their platform id). */
  static final String AD_REFERRALS = """
      UPDATE conversations cv SET ad_referral_at = greatest(cv.ad_referral_at, u.at), updated_at = now()
        FROM UNNEST($1::bigint[], $2::text[], $3::timestamptz[]) AS u(channel_id, uid, at)
        JOIN contacts ct ON ct.channel_id = u.channel_id AND ct.platform_user_id = u.uid
       WHERE cv.channel_id = u.channel_id AND cv.contact_id = ct.id
         AND cv.ad_referral_at IS DISTINCT FROM greatest(cv.ad_referral_at, u.at)
      RETURNING cv.id, cv.account_id
      """;

  static final String DEAD_LETTERS = """
      INSERT INTO dead_letters (raw_event_id, platform, external_id, reason, payload)
      SELECT r, p, e, re, pl::jsonb FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[]) AS t(r, p, e, re, pl)
      """;

  static final String EARLY_STATUSES = """
      INSERT INTO early_statuses (raw_event_id, channel_id, wamid, payload)
      SELECT r, c, w, p::jsonb FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS t(r, c, w, p)
      """;

  static final String MARK_DONE = """
      UPDATE raw_events SET status = 'done', processed_at = now(), attempts = attempts + 1, error = NULL
       WHERE id = ANY($1::bigint[])
      """;

  static final String MARK_FAILED = """
      UPDATE raw_events r SET status = 'failed', processed_at = now(), attempts = r.attempts + 1, error = u.error
        FROM UNNEST($1::bigint[], $2::text[]) AS u(id, error)
       WHERE r.id = u.id
      """;

  static final String CONTACTS_BY_ID = Views.CONTACT_SELECT + " WHERE ct.id = ANY($1::bigint[])";
}
