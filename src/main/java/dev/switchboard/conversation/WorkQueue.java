package dev.switchboard.conversation;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The conversation list in {@code sort=window} order: first the conversations that need a reply
 * and can still get one, soonest deadline first ({@code reply_deadline}, conversations_deadline_idx),
 * then all the others by activity, as the default list. Each part is one keyset query under the
 * same filter and tab; a page that ends the first part continues with the second.
 */
public final class WorkQueue {

  private static final String NEEDS_SELECT = "SELECT cv.id, cv.reply_deadline AS at FROM conversations cv WHERE ";
  private static final String NEEDS_ORDER = " ORDER BY cv.reply_deadline, cv.id LIMIT ";
  private static final String REST_SELECT = "SELECT cv.id, cv.last_message_at AS at FROM conversations cv WHERE ";

  private final Transactions tx;

  public WorkQueue(Transactions tx) {
    this.tx = tx;
  }

  /** {@code {items, nextCursor}}; with {@code expiringWithin} only the first part can match. */
  public Future<JsonObject> list(long accountId, long reader, ConversationFilter unclocked, int limit, WindowCursor cursor) {
    ConversationFilter filter = unclocked.at(tx.clock().instant());
    OffsetDateTime now = filter.now().atOffset(ZoneOffset.UTC);
    List<Long> ids = new ArrayList<>();
    Future<WindowCursor> next;
    if (cursor == null || cursor.part() == 1) {
      ConversationFilter.Where w = filter.where(accountId, true, ConversationFilter.LabelMode.PROBE_PER_ROW);
      w.and("cv.reply_deadline > $?", now);
      if (cursor != null) {
        w.and("(cv.reply_deadline, cv.id) > ($?, $?)", cursor.at(), cursor.id());
      }
      next = page(NEEDS_SELECT + w.sql() + NEEDS_ORDER + (limit + 1), w, limit, 1, ids).compose(after -> {
        if (after != null || filter.expiringWithin() != null) {
          return Future.succeededFuture(after);
        }
        if (ids.size() == limit) {
          return Future.succeededFuture(WindowCursor.restStart());
        }
        return rest(accountId, filter, now, limit - ids.size(), null, ids);
      });
    } else if (filter.expiringWithin() != null) {
      next = Future.succeededFuture(null);
    } else {
      next = rest(accountId, filter, now, limit, cursor, ids);
    }
    return next.compose(after -> Views.conversations(tx.pool(), ids, reader, tx.windows(), filter.now())
        .map(items -> new JsonObject().put("items", new JsonArray(items)).put("nextCursor", after == null ? null : after.encode())));
  }

  private Future<WindowCursor> rest(long accountId, ConversationFilter filter, OffsetDateTime now, int limit, WindowCursor cursor,
                                    List<Long> ids) {
    ConversationFilter.Where w = filter.where(accountId, true, ConversationFilter.LabelMode.PROBE_PER_ROW);
    w.and("(cv.reply_deadline IS NULL OR cv.reply_deadline <= $?)", now);
    if (cursor != null && cursor.at() != null) {
      w.and("(cv.last_message_at, cv.id) < ($?, $?)", cursor.at(), cursor.id());
    }
    return page(REST_SELECT + w.sql() + ConversationSql.LIST_ORDER + (limit + 1), w, limit, 2, ids);
  }

  /** Adds up to {@code limit} ids; answers the cursor after the last one when more rows follow. */
  private Future<WindowCursor> page(String sql, ConversationFilter.Where w, int limit, int part, List<Long> ids) {
    return tx.pool().preparedQuery(sql).execute(Tuple.wrap(w.args())).map(rows -> {
      WindowCursor last = null;
      int taken = 0;
      for (Row r : rows) {
        if (taken == limit) {
          return last;
        }
        ids.add(r.getLong("id"));
        last = new WindowCursor(part, r.getOffsetDateTime("at"), r.getLong("id"));
        taken++;
      }
      return null;
    });
  }
}
