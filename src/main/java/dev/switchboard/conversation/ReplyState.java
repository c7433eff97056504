package dev.switchboard.conversation;

import dev.switchboard.common.WindowPolicy;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import io.vertx.sqlclient.Row;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Whether a conversation needs a reply (its last message that is not a note, a reaction nor a
 * failed send is the customer's), by when ({@code reply_deadline}, the human deadline of {@link WindowPolicy}), and the
 * wake of a snoozed conversation by the customer's next message. Refreshed for the conversations a
 * transaction changed, in that transaction, just before its events read their views
 * ({@link TxEvents#write}): every path that stores a message (ingest, sends, the bot's replies)
 * marks its conversation changed, so the columns commit with the message; so does every path that
 * marks a message failed ({@link TxEvents#add}), so a reply that never reached the customer leaves
 * the conversation needing one again, with its deadline. A reply still pending counts: it is on its
 * way, and a second agent answering too is what {@code newer_reply} is for. One short statement per
 * transaction; a row whose state did not move is not written.
 */
final class ReplyState {

  private ReplyState() {
  }

  /** {@code $1}: conversation ids. */
  static String refreshSql(WindowPolicy policy) {
    return """
        WITH s AS (
          SELECT cv.id, cv.account_id, cv.needs_reply AS was, coalesce(lm.direction = 'in', false) AS needs,
                 CASE WHEN lm.direction = 'in' THEN %s END AS deadline,
                 cv.snoozed_until IS NOT NULL AND lm.direction = 'in' AND lm.id > coalesce(cv.snooze_mark, 0) AS woke
            FROM conversations cv
            JOIN channels ch ON ch.id = cv.channel_id
            LEFT JOIN LATERAL (
              SELECT m.id, m.direction FROM messages m
               WHERE m.conversation_id = cv.id AND m.type <> 'note' AND m.content_type <> 'reaction'
                 AND NOT (m.direction = 'out' AND m.status = 'failed')
               ORDER BY m.created_at DESC, m.id DESC LIMIT 1) lm ON true
           WHERE cv.id = ANY($1::bigint[])
        ), u AS (
          UPDATE conversations c
             SET needs_reply = s.needs, reply_deadline = s.deadline,
                 snoozed_until = CASE WHEN s.woke THEN NULL ELSE c.snoozed_until END,
                 snooze_mark = CASE WHEN s.woke THEN NULL ELSE c.snooze_mark END
            FROM s
           WHERE c.id = s.id
             AND (c.needs_reply IS DISTINCT FROM s.needs OR c.reply_deadline IS DISTINCT FROM s.deadline OR s.woke)
          RETURNING c.id, c.account_id, s.woke, s.was, s.needs, s.deadline
        ), h AS (
          INSERT INTO conversation_history (account_id, conversation_id, actor_type, action, reason)
          SELECT account_id, id, 'system', 'woke', 'customer_message' FROM u WHERE woke
        )
        SELECT id, deadline FROM u WHERE needs AND NOT coalesce(was, false) AND deadline IS NOT NULL
        """.formatted(policy.humanDeadlineSql("ch.platform", "cv.last_inbound_at", "cv.ad_referral_at"));
  }

  /**
   * Refreshes {@code ids}; answers the conversations that came to need a reply, with their
   * deadline ({@code [id, deadline ms]}), whose expiring warning is to be (re)armed after the commit.
   */
  static Future<List<long[]>> refresh(SqlConnection conn, Collection<Long> ids, WindowPolicy policy) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    Long[] sorted = ids.stream().sorted().toArray(Long[]::new);
    return conn.preparedQuery(refreshSql(policy)).execute(Tuple.of(sorted)).map(rows -> {
      List<long[]> out = new ArrayList<>();
      for (Row r : rows) {
        out.add(new long[] {r.getLong("id"), r.getOffsetDateTime("deadline").toInstant().toEpochMilli()});
      }
      return out;
    });
  }
}
