package dev.switchboard.conversation;

import dev.switchboard.config.Config;
import dev.switchboard.common.Actor;
import dev.switchboard.common.ApiException;
import dev.switchboard.events.Event;
import dev.switchboard.common.Times;
import dev.switchboard.store.Bus;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Conversations as agents work them: list, tab counts, status and assignment, history, reading, messages. */
public final class ConversationService {

  private static final Logger LOG = LoggerFactory.getLogger(ConversationService.class);
  /** More in one bulk request is refused: one transaction should stay short. */
  public static final int BULK_MAX = 1000;

  private final Transactions tx;
  private final Config.Inbox config;

  public ConversationService(Transactions tx, Config.Inbox config) {
    this.tx = tx;
    this.config = config;
  }

  /**
   * {@code {items, nextCursor}}, newest activity first. With a label filter the query starts from
   * the label's contacts when fewer than LABEL_PROBE_MAX carry it, and otherwise walks the list
   * index checking each conversation: either way a page costs about sqrt(limit x conversations) rows.
   */
  public Future<JsonObject> list(long accountId, long reader, ConversationFilter filter, int limit, ListCursor cursor) {
    filter = filter.at(tx.clock().instant());
    ConversationFilter f = filter;
    return rareLabel(accountId, f).compose(rare -> list(accountId, reader, f, limit, cursor, rare));
  }

  private Future<JsonObject> list(long accountId, long reader, ConversationFilter filter, int limit, ListCursor cursor, boolean rareLabel) {
    ConversationFilter.Where w = filter.where(accountId, true,
        rareLabel ? ConversationFilter.LabelMode.IN_FROM : ConversationFilter.LabelMode.PROBE_PER_ROW);
    if (cursor != null) {
      w.and("(cv.last_message_at, cv.id) < ($?, $?)", cursor.lastMessageAt(), cursor.id());
    }
    String select = ConversationSql.LIST_SELECT;
    if (rareLabel) {
      w.args().add(filter.label());
      select = String.format(ConversationSql.LIST_SELECT_BY_LABEL, w.args().size());
    }
    String sql = select + w.sql() + ConversationSql.LIST_ORDER + (limit + 1);
    return tx.pool().preparedQuery(sql).execute(Tuple.wrap(w.args())).compose(rows -> {
      List<Long> ids = new ArrayList<>();
      ListCursor next = null;
      for (Row r : rows) {
        if (ids.size() == limit) {
          break;
        }
        ids.add(r.getLong("id"));
        next = new ListCursor(r.getOffsetDateTime("last_message_at"), r.getLong("id"));
      }
      String nextCursor = rows.size() > limit && next != null ? next.encode() : null;
      return views(ids, reader).map(items -> new JsonObject().put("items", new JsonArray(items)).put("nextCursor", nextCursor));
    });
  }

  /**
   * How many conversations each status tab holds under the same filter (its status ignored).
   * Each tab is counted up to COUNT_CAP (10,000): counting a million rows on every refresh costs
   * hundreds of milliseconds, and past the cap the inbox shows "10,000+". {@code capped} says which
   * numbers are lower bounds; {@code all} is their sum.
   */
  public Future<JsonObject> counts(long accountId, ConversationFilter unclocked) {
    ConversationFilter filter = unclocked.at(tx.clock().instant());
    int cap = config.countCap();
    if (filter.label() != null) {
      return countsByLabel(accountId, filter, cap);
    }
    List<Future<Long>> parts = new ArrayList<>();
    for (String tab : TABS) {
      parts.add(countTab(accountId, filter.withStatus(tab), cap));
    }
    return Future.all(parts).map(all -> {
      JsonObject out = new JsonObject();
      for (int i = 0; i < TABS.size(); i++) {
        out.put(TABS.get(i), parts.get(i).result());
      }
      return withTotals(out, cap, false);
    });
  }

  private static final List<String> TABS = List.of("open", "assigned", "closed", "snoozed");

  /**
   * Tab counts under a label filter: one pass over the label's contacts, grouped by status. A tab
   * count walked along the status index would probe the label for every row until it found
   * COUNT_CAP matches (200,000 rows for a label on 5 % of contacts: 140 ms), so the counts start
   * from the label instead and read at most LABEL_PROBE_MAX (5,000) of its contacts, index-only
   * (about 12 ms at that bound). Exact when fewer contacts carry the label; otherwise every tab is
   * what those contacts hold, a lower bound, and flagged {@code capped}.
   */
  private Future<JsonObject> countsByLabel(long accountId, ConversationFilter filter, int cap) {
    int bound = config.labelProbeMax();
    ConversationFilter.Where w = filter.where(accountId, false, ConversationFilter.LabelMode.IN_FROM);
    w.args().add(filter.label());
    String sql = String.format(ConversationSql.COUNT_BY_LABEL, w.args().size(), bound, w.sql());
    Future<JsonObject> counted = tx.pool().preparedQuery(sql).execute(Tuple.wrap(w.args())).map(rows -> {
      JsonObject out = new JsonObject().put("open", 0L).put("assigned", 0L).put("closed", 0L).put("snoozed", 0L);
      for (Row r : rows) {
        out.put(r.getString("status"), r.getLong("n"));
      }
      return out;
    });
    Future<Boolean> rare = rareLabel(accountId, filter);
    return Future.all(counted, rare).map(v -> withTotals(counted.result(), cap, !rare.result()));
  }

  /** Adds {@code all} (the sum) and {@code capped} (which numbers are lower bounds). */
  private static JsonObject withTotals(JsonObject counts, int cap, boolean allLowerBounds) {
    JsonObject capped = new JsonObject();
    long total = 0;
    boolean any = false;
    for (String tab : TABS) {
      long n = counts.getLong(tab);
      boolean c = allLowerBounds || n >= cap;
      capped.put(tab, c);
      any |= c;
      total += n;
    }
    return counts.put("all", total).put("capped", capped.put("all", any));
  }

  private Future<Long> countTab(long accountId, ConversationFilter filter, int cap) {
    ConversationFilter.Where w = filter.where(accountId, true);
    String sql = "SELECT count(*) FROM (" + ConversationSql.LIST_SELECT + w.sql() + " LIMIT " + cap + ") x";
    return tx.pool().preparedQuery(sql).execute(Tuple.wrap(w.args())).map(rows -> rows.iterator().next().getLong(0));
  }

  /** Whether fewer than LABEL_PROBE_MAX contacts carry the filter's label (false without one). */
  private Future<Boolean> rareLabel(long accountId, ConversationFilter filter) {
    if (filter.label() == null) {
      return Future.succeededFuture(false);
    }
    int bound = config.labelProbeMax();
    return tx.pool().preparedQuery(ConversationSql.LABEL_USES).execute(Tuple.of(accountId, filter.label(), bound))
        .map(rows -> rows.iterator().next().getLong(0) < bound);
  }

  public Future<JsonObject> get(long accountId, long id) {
    return get(accountId, null, id);
  }

  /** One conversation, its unread count as agent {@code reader} sees it. */
  public Future<JsonObject> get(long accountId, Long reader, long id) {
    return requireOwned(accountId, id).compose(v -> views(List.of(id), reader)).map(l -> {
      if (l.isEmpty()) {
        throw ApiException.notFound("conversation");
      }
      return l.get(0);
    });
  }

  /** Applies one change; answers the conversation as it is now. */
  public Future<JsonObject> update(long accountId, long readerId, Actor actor, long id, StatusChange change) {
    return change(accountId, actor, List.of(id), change).compose(changed -> get(accountId, readerId, id));
  }

  /** Applies one change to many conversations in one transaction; answers how many changed. */
  public Future<Integer> bulk(long accountId, Actor actor, Collection<Long> ids, StatusChange change) {
    return change(accountId, actor, new ArrayList<>(new LinkedHashSet<>(ids)), change).map(List::size);
  }

  /**
   * Locks the conversations, refuses the whole request if one is not the account's or the rule
   * does not apply to one, writes the new states, their history rows and a
   * {@code conversation.updated} event for each conversation that changed, and commits.
   */
  private Future<List<Long>> change(long accountId, Actor actor, List<Long> ids, StatusChange change) {
    Long[] idArray = ids.toArray(new Long[0]);
    return tx.run(ev -> changeIn(ev, accountId, actor, ids, idArray, change));
  }

  private Future<List<Long>> changeIn(TxEvents ev, long accountId, Actor actor, List<Long> ids, Long[] idArray, StatusChange change) {
    SqlConnection conn = ev.conn();
    return checkAssignee(conn, accountId, change)
            .compose(v -> conn.preparedQuery(ConversationSql.LOCK).execute(Tuple.of(idArray, accountId)))
            .compose(rows -> {
              if (rows.size() != ids.size()) {
                List<Long> found = new ArrayList<>();
                rows.forEach(r -> found.add(r.getLong("id")));
                Long missing = ids.stream().filter(i -> !found.contains(i)).findFirst().orElse(null);
                return Future.failedFuture(new ApiException(404, "not_found", "conversation " + missing + " not found"));
              }
              Changes c = new Changes();
              for (Row r : rows) {
                long cid = r.getLong("id");
                StatusChange.State from = new StatusChange.State(r.getString("status"), r.getString("assignee_type"), r.getLong("assignee_id"));
                StatusChange.State to = change.apply(from, cid);
                if (!to.sameAs(from)) {
                  c.add(cid, from, to);
                }
              }
              return c.write(conn, accountId, actor);
            })
        .map(changed -> {
          changed.forEach(id -> ev.conversationChanged(accountId, id));
          return changed;
        });
  }

  private Future<Void> checkAssignee(SqlConnection conn, long accountId, StatusChange change) {
    StatusChange.Assignee a = change.assignee();
    if (a == null) {
      return Future.succeededFuture();
    }
    String sql = "agent".equals(a.type()) ? ConversationSql.AGENT_EXISTS : ConversationSql.TEAM_EXISTS;
    return conn.preparedQuery(sql).execute(Tuple.of(a.id(), accountId)).compose(rows -> rows.size() == 1
        ? Future.succeededFuture()
        : Future.failedFuture(ApiException.unprocessable("unknown_assignee", "no " + a.type() + " with id " + a.id() + " in this account")));
  }

  /** The rows one change writes, as parallel arrays for unnest(). */
  private static final class Changes {
    final List<Long> ids = new ArrayList<>();
    final List<StatusChange.State> from = new ArrayList<>();
    final List<StatusChange.State> to = new ArrayList<>();

    void add(long id, StatusChange.State f, StatusChange.State t) {
      ids.add(id);
      from.add(f);
      to.add(t);
    }

    Future<List<Long>> write(SqlConnection conn, long accountId, Actor actor) {
      if (ids.isEmpty()) {
        return Future.succeededFuture(List.of());
      }
      Long[] id = ids.toArray(new Long[0]);
      String[] toStatus = to.stream().map(StatusChange.State::status).toArray(String[]::new);
      String[] toType = to.stream().map(StatusChange.State::assigneeType).toArray(String[]::new);
      Long[] toId = to.stream().map(StatusChange.State::assigneeId).toArray(Long[]::new);
      String[] fromStatus = from.stream().map(StatusChange.State::status).toArray(String[]::new);
      String[] fromType = from.stream().map(StatusChange.State::assigneeType).toArray(String[]::new);
      Long[] fromId = from.stream().map(StatusChange.State::assigneeId).toArray(Long[]::new);
      return conn.preparedQuery(ConversationSql.UPDATE_MANY).execute(Tuple.of(id, toStatus, toType, toId, accountId))
          .compose(u -> conn.preparedQuery(ConversationSql.INSERT_HISTORY).execute(Tuple.from(List.of(
              accountId, actor.type(), actor.id(), id, fromStatus, toStatus, fromType, fromId, toType, toId))))
          .map(List.copyOf(ids));
    }
  }

  /** {@code {items: [{id, actor, fromStatus, toStatus, fromAssignee, toAssignee, createdAt}]}}, oldest first. */
  public Future<JsonObject> history(long accountId, long id) {
    return requireOwned(accountId, id)
        .compose(v -> tx.pool().preparedQuery(ConversationSql.HISTORY).execute(Tuple.of(id, accountId, 1000)))
        .map(rows -> {
          JsonArray items = new JsonArray();
          for (Row r : rows) {
            items.add(new JsonObject()
                .put("id", String.valueOf(r.getLong("id")))
                .put("actor", new JsonObject()
                    .put("type", r.getString("actor_type"))
                    .put("id", r.getLong("actor_id") == null ? null : String.valueOf(r.getLong("actor_id")))
                    .put("name", r.getString("actor_name")))
                .put("fromStatus", r.getString("from_status"))
                .put("toStatus", r.getString("to_status"))
                .put("fromAssignee", assignee(r.getString("from_assignee_type"), r.getLong("from_assignee_id"), r.getString("from_assignee_name")))
                .put("toAssignee", assignee(r.getString("to_assignee_type"), r.getLong("to_assignee_id"), r.getString("to_assignee_name")))
                .put("createdAt", Times.iso(r.getOffsetDateTime("created_at")))
                .put("action", r.getString("action"))
                .put("snoozedUntil", Times.iso(r.getOffsetDateTime("snoozed_until")))
                .put("reason", r.getString("reason")));
          }
          return new JsonObject().put("items", items);
        });
  }

  private static JsonObject assignee(String type, Long id, String name) {
    return type == null ? null : new JsonObject().put("type", type).put("id", String.valueOf(id)).put("name", name);
  }

  /**
   * Marks the conversation read for one agent up to {@code messageId} (a message of it), or up to
   * its newest message; a mark never moves back. Answers the conversation as the agent sees it now
   * and publishes {@code conversation.read} with the mark, which keeps the agent's other tabs in step.
   */
  public Future<JsonObject> markRead(long accountId, long agentId, long id, Long messageId) {
    return requireOwned(accountId, id).compose(v -> tx.run(ev -> ev.conn().preparedQuery(ConversationSql.MARK_READ)
        .execute(Tuple.of(id, agentId, accountId, messageId))
        .compose(rows -> {
          // nothing written: the mark was already there or later, or the message is not this conversation's
          if (messageId != null && rows.size() == 0) {
            return ev.conn().preparedQuery(ConversationSql.MESSAGE_OF).execute(Tuple.of(messageId, id))
                .compose(found -> found.size() == 0
                    ? Future.failedFuture(ApiException.unprocessable("unknown_message", "message " + messageId + " is not in this conversation"))
                    : Future.<Void>succeededFuture());
          }
          return Future.<Void>succeededFuture();
        })
        .compose(x -> Views.conversations(ev.conn(), List.of(id), agentId, tx.windows(), tx.clock().instant()))
        .map(views -> {
          if (views.isEmpty()) {
            throw ApiException.notFound("conversation");
          }
          JsonObject view = views.get(0);
          ev.add(Event.conversationRead(accountId, id, new JsonObject()
              .put("conversationId", view.getString("id"))
              .put("agentId", String.valueOf(agentId))
              .put("lastReadMessageId", view.getString("lastReadMessageId"))));
          return view;
        })));
  }

  /** {@code {items, nextCursor}}: the page of messages before {@code before} (a message id), oldest first. */
  public Future<JsonObject> messages(long accountId, long id, int limit, Long before) {
    return requireOwned(accountId, id)
        .compose(v -> tx.pool().preparedQuery(ConversationSql.MESSAGES).execute(Tuple.of(id, before, limit + 1)))
        .map(rows -> {
          List<JsonObject> page = new ArrayList<>();
          for (Row r : rows) {
            if (page.size() == limit) {
              break;
            }
            page.add(Views.message(r));
          }
          String next = rows.size() > limit && !page.isEmpty() ? page.get(page.size() - 1).getString("id") : null;
          java.util.Collections.reverse(page);
          return new JsonObject().put("items", new JsonArray(page)).put("nextCursor", next);
        });
  }

  /** Fails with 404 naming the first id that is not a conversation of this account. */
  public Future<Void> requireAllOwned(long accountId, List<Long> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    return tx.pool().preparedQuery(ConversationSql.OWNED).execute(Tuple.of(ids.toArray(new Long[0]), accountId))
        .compose(rows -> {
          Set<Long> mine = new HashSet<>();
          rows.forEach(r -> mine.add(r.getLong(0)));
          for (Long id : ids) {
            if (!mine.contains(id)) {
              return Future.failedFuture(ApiException.notFound("conversation " + id));
            }
          }
          return Future.succeededFuture();
        });
  }

  private Future<Void> requireOwned(long accountId, long id) {
    return tx.pool().preparedQuery(ConversationSql.EXISTS).execute(Tuple.of(id, accountId))
        .compose(rows -> rows.size() == 1 ? Future.succeededFuture() : Future.failedFuture(ApiException.notFound("conversation")));
  }

  /** Conversation views in the order of {@code ids}. */
  public Future<List<JsonObject>> views(Collection<Long> ids) {
    return views(ids, null);
  }

  /** The same, unread counts as agent {@code reader} sees them (null: as no agent does). */
  public Future<List<JsonObject>> views(Collection<Long> ids, Long reader) {
    return Views.conversations(tx.pool(), ids, reader, tx.windows(), tx.clock().instant());
  }

  /** The export's SQL and arguments: the messages of {@code ids}, or of every conversation the filter lists. */
  public static Query exportQuery(long accountId, List<Long> ids, ConversationFilter filter) {
    ConversationFilter.Where w;
    if (ids != null) {
      w = ConversationFilter.all().where(accountId, false).and("cv.id = ANY($?)", (Object) ids.toArray(new Long[0]));
    } else {
      w = filter.where(accountId, true);
    }
    return new Query(ConversationSql.EXPORT_HEAD + w.sql() + ConversationSql.EXPORT_ORDER, Tuple.wrap(w.args()));
  }

  /** A statement to run. */
  public record Query(String sql, Tuple args) {
  }
}
