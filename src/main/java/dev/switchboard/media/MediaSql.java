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

  /**
   * A whole one-chunk blob in one statement: the sealed row and its chunk, or, when the account
   * keeps these bytes already, that copy marked used. A put of the same bytes that commits after
   * this statement's snapshot leaves it answering nothing (the caller tries again).
   */
  static final String PUT_ONE = """
      WITH kept AS (
        INSERT INTO media (account_id, mime_type, sha256, size) VALUES ($1, $2, $3, $4)
        ON CONFLICT (account_id, sha256) WHERE sha256 IS NOT NULL DO NOTHING
        RETURNING id, account_id, sha256, size, mime_type),
      chunk AS (
        INSERT INTO media_chunks (media_id, seq, data) SELECT id, 0, $5 FROM kept),
      touched AS (
        UPDATE media SET used_at = now()
         WHERE account_id = $1 AND sha256 = $3 AND NOT EXISTS (SELECT 1 FROM kept)
        RETURNING id, account_id, sha256, size, mime_type)
      SELECT * FROM kept UNION ALL SELECT * FROM touched
      """;

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

  /**
   * Records the results of fetches held by owner {@code $2}, all in one statement: each row of
   * the arrays (fetch id, status, error or '', attachment patch, kept blob or 0) ends its fetch,
   * merges the patch into the fetched attachment and references the blob from it. The blob was
   * put (or touched) just before, so it counts as used already. Answers each changed message;
   * nothing for a fetch whose lease was lost (another node's result counts) or whose attachment
   * is gone. At most one fetch per message in one call (an UPDATE changes a row once).
   */
  static final String FINISH_AND_PATCH = """
      WITH r AS (
        SELECT * FROM unnest($1::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[]) AS r(id, status, error, patch, blob)),
      f AS (
        UPDATE media_fetches mf SET status = r.status, error = NULLIF(r.error, ''), claimed_by = NULL, claim_expires_at = NULL
          FROM r
         WHERE mf.id = r.id AND mf.claimed_by = $2 AND mf.status = 'pending'
        RETURNING mf.message_id AS f_message, mf.idx AS f_idx, r.patch::jsonb AS f_patch, NULLIF(r.blob, 0) AS f_blob),
      ref AS (
        INSERT INTO media_refs (message_id, idx, media_id)
        SELECT f_message, f_idx, f_blob FROM f JOIN messages m ON m.id = f_message
         WHERE f_blob IS NOT NULL AND jsonb_typeof(m.attachments -> f_idx) = 'object'
        ON CONFLICT (message_id, idx) DO UPDATE SET media_id = EXCLUDED.media_id)
      UPDATE messages SET attachments = jsonb_set(attachments, ARRAY[f_idx::text], (attachments -> f_idx) || f_patch)
        FROM f
       WHERE id = f_message AND jsonb_typeof(attachments -> f_idx) = 'object'
      RETURNING\s""";
}
