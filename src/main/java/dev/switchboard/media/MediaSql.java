package dev.switchboard.media;

/** The statements of the media store and the fetch queue. */
final class MediaSql {

  private MediaSql() {
  }

  /** A blob being written: no sha256 yet, so nobody finds it until {@link #SEAL}. */
  static final String NEW_BLOB = "INSERT INTO media (account_id, mime_type) VALUES ($1, $2) RETURNING id";

  static final String CHUNK = "INSERT INTO media_chunks (media_id, seq, data) VALUES ($1, $2, $3)";

  /** Seals a written blob; the unique (account, sha256) index refuses a second copy of the same bytes. */
  static final String SEAL = "UPDATE media SET sha256 = $2, size = $3, mime_type = $4 WHERE id = $1";

  static final String BY_SHA = "SELECT id, account_id, sha256, size, mime_type FROM media WHERE account_id = $1 AND sha256 = $2";

  /** The kept copy of bytes stored again: used now, so retention starts over. */
  static final String TOUCH_BY_SHA = """
      UPDATE media SET used_at = now() WHERE account_id = $1 AND sha256 = $2 RETURNING id, account_id, sha256, size, mime_type
      """;

  /** The message's attachments naming kept blobs of its account: referenced, and those blobs used now. */
  static final String RECORD_REFS = """
      WITH refs AS (
        INSERT INTO media_refs (message_id, idx, media_id)
        SELECT m.id, (x.o - 1)::int, b.id
          FROM messages m
         CROSS JOIN LATERAL jsonb_array_elements(m.attachments) WITH ORDINALITY AS x(a, o)
          JOIN media b ON b.account_id = m.account_id AND (x.a ->> 'mediaId') ~ '^[0-9]{1,18}$'
                      AND b.id = (x.a ->> 'mediaId')::bigint
         WHERE m.id = $1
        ON CONFLICT (message_id, idx) DO UPDATE SET media_id = EXCLUDED.media_id
        RETURNING media_id)
      UPDATE media SET used_at = now() WHERE id IN (SELECT media_id FROM refs)
      """;

  /** Blobs unused for {@code $1} days, locked for the sweep (another node's sweep skips them). */
  static final String SWEEP_CLAIM = """
      SELECT id, account_id, sha256, size, mime_type FROM media
       WHERE sha256 IS NOT NULL AND used_at < now() - ($1 * interval '1 day')
       ORDER BY used_at
       LIMIT $2
         FOR UPDATE SKIP LOCKED
      """;

  /** Marks every attachment naming one of the blobs {@code $1} expired; answers the changed messages. */
  static final String EXPIRE_ATTACHMENTS = """
      UPDATE messages m
         SET attachments = (SELECT jsonb_agg(CASE WHEN r.media_id IS NULL THEN x.a
                                                  ELSE x.a || jsonb_build_object('status', 'expired', 'reason', $2::text) END
                                             ORDER BY x.o)
                              FROM jsonb_array_elements(m.attachments) WITH ORDINALITY AS x(a, o)
                              LEFT JOIN media_refs r ON r.message_id = m.id AND r.idx = x.o - 1 AND r.media_id = ANY($1)),
             updated_at = now()
       WHERE m.id IN (SELECT message_id FROM media_refs WHERE media_id = ANY($1))
      RETURNING\s""";

  static final String DELETE_MANY = "DELETE FROM media WHERE id = ANY($1)";

  static final String FIND = """
      SELECT id, account_id, sha256, size, mime_type FROM media WHERE id = $1 AND account_id = $2 AND sha256 IS NOT NULL
      """;

  static final String DELETE = "DELETE FROM media WHERE id = $1 AND account_id = $2";

  static final String READ_CHUNK = "SELECT data FROM media_chunks WHERE media_id = $1 AND seq = $2";

  /**
   * Claims due fetches with a lease (FOR UPDATE SKIP LOCKED: each row to one node), with what the
   * download needs: the attachment, the channel's platform and token.
   */
  static final String CLAIM = """
      UPDATE media_fetches f
         SET claimed_by = $1, claim_expires_at = now() + ($2 * interval '1 millisecond'), attempts = f.attempts + 1
        FROM (SELECT p.id FROM media_fetches p
               WHERE p.status = 'pending' AND p.next_attempt_at <= now()
                 AND (p.claim_expires_at IS NULL OR p.claim_expires_at < now())
               ORDER BY p.next_attempt_at, p.id
               LIMIT $3
                 FOR UPDATE OF p SKIP LOCKED) c, messages m, channels ch
       WHERE f.id = c.id AND m.id = f.message_id AND ch.id = m.channel_id
      RETURNING f.id, f.account_id, f.message_id, f.idx, f.attempts, m.conversation_id, m.attachments -> f.idx AS attachment,
                ch.platform, ch.access_token
      """;

  /** Due again after the delay; the lease is given up. */
  static final String RETRY_LATER = """
      UPDATE media_fetches SET claimed_by = NULL, claim_expires_at = NULL, error = $3,
                               next_attempt_at = now() + ($4 * interval '1 millisecond')
       WHERE id = $1 AND claimed_by = $2 AND status = 'pending'
      """;

  /** Ends a fetch held by this owner ({@code done} or {@code failed}); answers nothing when the lease was lost. */
  static final String FINISH = """
      UPDATE media_fetches SET status = $3, error = $4, claimed_by = NULL, claim_expires_at = NULL
       WHERE id = $1 AND claimed_by = $2 AND status = 'pending'
      RETURNING id
      """;

  /** Merges {@code $3} into attachment {@code $2} of message {@code $1}. */
  static final String PATCH_ATTACHMENT = """
      UPDATE messages SET attachments = jsonb_set(attachments, ARRAY[$2::text], (attachments -> $2::int) || $3::jsonb)
       WHERE id = $1 AND jsonb_typeof(attachments -> $2::int) = 'object'
      RETURNING\s""";
}
