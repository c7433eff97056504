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
