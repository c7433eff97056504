package dev.switchboard.events;

/** The event outbox's statements (tables event_outbox and event_relay). */
final class EventSql {

  private EventSql() {
  }

  // WITH ORDINALITY + ORDER BY: the rows take their seq in the order the transaction published them
  static final String INSERT = """
      INSERT INTO event_outbox (account_id, body)
      SELECT a, b FROM unnest($1::bigint[], $2::text[]) WITH ORDINALITY AS e(a, b, n) ORDER BY n""";

  /**
   * Taken first in the relay's transaction: one relay at a time hands out positions. A statement
   * of its own, sent ahead of {@link #CLAIM} on the same connection: the claim's snapshot is then
   * taken after the lock is granted, so it sees every row another relay positioned before.
   */
  static final String LOCK_RELAY = "SELECT last_pos FROM event_relay WHERE id = 1 FOR UPDATE";

  /**
   * Gives the oldest committed rows without a position the next positions after the locked
   * last_pos, in seq order, and moves last_pos past them. $1: at most this many.
   */
  static final String CLAIM = """
      WITH r AS (
        SELECT last_pos FROM event_relay WHERE id = 1
      ), c AS (
        SELECT seq, row_number() OVER (ORDER BY seq) AS rn
        FROM event_outbox WHERE pos IS NULL ORDER BY seq LIMIT $1
      ), u AS (
        UPDATE event_outbox o SET pos = (SELECT last_pos FROM r) + c.rn FROM c WHERE o.seq = c.seq
        RETURNING o.pos, o.account_id, o.body, o.created_at
      ), s AS (
        UPDATE event_relay SET last_pos = (SELECT last_pos FROM r) + (SELECT count(*) FROM c) WHERE id = 1
      )
      SELECT pos, account_id, body, created_at FROM u ORDER BY pos""";

  static final String LAST_POS = "SELECT last_pos FROM event_relay WHERE id = 1";

  /** The oldest position the outbox still holds (null: none). */
  static final String FIRST_POS = "SELECT min(pos) FROM event_outbox WHERE pos IS NOT NULL";

  /** Positioned rows after $1 up to $2, in order: what a log that fell behind is missing. */
  static final String RANGE = """
      SELECT pos, account_id, body, created_at FROM event_outbox
      WHERE pos > $1 AND pos <= $2 ORDER BY pos LIMIT $3""";

  /**
   * Relayed rows (at or below $1, the log's last position) older than $2 ms; at most $3 a time.
   * A row an enabled outgoing webhook endpoint has not read yet (after its cursor) stays.
   */
  static final String PRUNE = """
      DELETE FROM event_outbox WHERE seq IN (
        SELECT seq FROM event_outbox
        WHERE pos IS NOT NULL AND pos <= $1
          AND pos <= COALESCE((SELECT min(cursor_pos) FROM webhook_endpoints WHERE disabled_at IS NULL), pos)
          AND created_at < clock_timestamp() - $2 * interval '1 millisecond'
        ORDER BY pos LIMIT $3)""";
}
