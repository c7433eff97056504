package dev.switchboard.conversation;

import dev.switchboard.common.InboundHooks;
import dev.switchboard.common.Inbound;
import dev.switchboard.channel.ParsedEntry;
import dev.switchboard.channel.PlatformEvent;
import dev.switchboard.channel.WebhookParseException;
import dev.switchboard.channel.WebhookParsers;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns claimed raw webhook rows into contacts, conversations and messages inside the caller's
 * transaction: parses them, has {@link InboundBatch} run the batch's {@link InboundPlan} (one
 * set-based statement per step), hands what changed to the transaction's events and the hooks,
 * and marks the rows. Answers what it stored, so the caller can run the after-commit work.
 */
public final class InboundStore {

  /** A claimed {@code raw_events} row. */
  public record RawEvent(long id, String platform, String body, OffsetDateTime receivedAt) {
    public static RawEvent of(Row r) {
      return new RawEvent(r.getLong("id"), r.getString("platform"), r.getString("body"), r.getOffsetDateTime("received_at"));
    }
  }

  /**
   * What a batch stored: rows done and failed, the new customer messages (for the hooks after the
   * commit), the items it could not read (for the one-item pass, which marks its row itself) and
   * how many messages it queued media downloads for (to wake the fetcher).
   */
  public record Outcome(int done, int failed, List<Inbound> inbound, List<String> unreadable, int mediaQueued) {
  }

  /**
   * The dead-letter reason of an entry for a disabled account's channel; enabling the account
   * puts those entries' raw events back to pending ({@code accounts enable}).
   */
  public static final String HELD = InboundPlan.HELD;
  /** The dead-letter reason of an entry for a disconnected channel; connecting it again processes them. */
  public static final String DISCONNECTED = InboundPlan.DISCONNECTED;

  private final InboundHooks hooks;

  public InboundStore(InboundHooks hooks) {
    this.hooks = hooks;
  }

  /**
   * Processes the rows in {@code events}' transaction and writes their events there; a row that
   * cannot be normalised is marked failed, not thrown.
   */
  public Future<Outcome> process(TxEvents events, List<RawEvent> raws) {
    SqlConnection tx = events.conn();
    List<RawEvent> ok = new ArrayList<>();
    Map<Long, List<ParsedEntry>> parsed = new HashMap<>();
    List<Long> failedIds = new ArrayList<>();
    List<String> failedErrors = new ArrayList<>();
    for (RawEvent raw : raws) {
      try {
        parsed.put(raw.id(), WebhookParsers.parse(raw.platform(), raw.body()));
        ok.add(raw);
      } catch (WebhookParseException | IllegalArgumentException | ClassCastException e) {
        failedIds.add(raw.id());
        failedErrors.add(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
      }
    }
    InboundBatch b = new InboundBatch(tx, ok, parsed);
    return b.run()
        .compose(v -> {
          // Nothing after this reads the rows' marks: they go out with the hooks' first statements
          // (the connection pipelines them), in this order, so a partly failed row ends failed.
          Future<Void> marks = Future.all(markFailed(tx, failedIds, failedErrors), b.markDone(),
              markFailed(tx, new ArrayList<>(b.partlyFailed().keySet()), new ArrayList<>(b.partlyFailed().values()))).mapEmpty();
          b.changes.publishTo(events);
          Future<Void> hooked = hooks.inTransaction(events, b.inbound);
          // both settle before the transaction ends (no statement of theirs after its rollback); a
          // mark's error is the one reported, as when the marks ran first
          return Future.join(marks, hooked).transform(ar -> marks.failed() ? marks : hooked);
        })
        .compose(v -> events.write())
        .map(v -> new Outcome(ok.size(), failedIds.size(), b.inbound, List.copyOf(b.partlyFailed().values()), b.withMedia.size()));
  }

  /** A raw row whatever its status; empty when there is none. */
  public static Future<List<RawEvent>> raw(SqlClient sql, long id) {
    return sql.preparedQuery(InboundSql.RAW_BY_ID).execute(Tuple.of(id)).map(InboundStore::raws);
  }

  /** The items of a raw row, each one entry with one of its events (an entry with none counts once). */
  public static List<ParsedEntry> items(RawEvent raw) {
    List<ParsedEntry> out = new ArrayList<>();
    for (ParsedEntry e : WebhookParsers.parse(raw.platform(), raw.body())) {
      if (e.events().isEmpty()) {
        out.add(e);
      }
      for (PlatformEvent ev : e.events()) {
        out.add(new ParsedEntry(e.channelExternalId(), e.json(), List.of(ev)));
      }
    }
    return out;
  }

  /**
   * Stores one item of a raw row (see {@link #items}) in {@code events}' transaction, without
   * marking the row: the last pass over a row that failed as a whole, so one item the database
   * refuses costs only itself. The caller marks the row once every item had its turn.
   */
  public Future<Outcome> processItem(TxEvents events, RawEvent raw, ParsedEntry item) {
    InboundBatch b = new InboundBatch(events.conn(), List.of(raw), Map.of(raw.id(), List.of(item)));
    return b.run()
        .compose(v -> {
          b.changes.publishTo(events);
          return hooks.inTransaction(events, b.inbound);
        })
        .compose(v -> events.write())
        .map(v -> new Outcome(0, 0, b.inbound, List.copyOf(b.partlyFailed().values()), b.withMedia.size()));
  }

  /** Marks a row done, or failed with {@code error} when some of its items could not be stored. */
  public static Future<Void> finish(SqlConnection tx, long rawId, String error) {
    return error == null
        ? tx.preparedQuery(InboundSql.MARK_DONE).execute(Tuple.of((Object) new Long[] {rawId})).mapEmpty()
        : markFailed(tx, List.of(rawId), List.of(error));
  }

  /** Claims up to {@code limit} pending raw rows, oldest first; locked until {@code tx} ends. */
  public static Future<List<RawEvent>> claim(SqlConnection tx, int limit) {
    return tx.preparedQuery(InboundSql.CLAIM).execute(Tuple.of(limit)).map(InboundStore::raws);
  }

  /** Claims one pending raw row (the one-by-one fallback). */
  public static Future<List<RawEvent>> claimOne(SqlConnection tx, long id) {
    return tx.preparedQuery(InboundSql.CLAIM_ONE).execute(Tuple.of(id)).map(InboundStore::raws);
  }

  private static List<RawEvent> raws(RowSet<Row> rows) {
    List<RawEvent> out = new ArrayList<>();
    rows.forEach(r -> out.add(RawEvent.of(r)));
    return out;
  }

  /** Contact views by id (one query), for {@code contact.updated} events. */
  public static Future<List<JsonObject>> contacts(SqlClient sql, java.util.Collection<Long> ids) {
    return sql.preparedQuery(InboundSql.CONTACTS_BY_ID).execute(Tuple.of((Object) ids.toArray(new Long[0]))).map(rows -> {
      List<JsonObject> out = new ArrayList<>();
      rows.forEach(r -> out.add(Views.contact(r)));
      return out;
    });
  }

  /** Marks one row failed with the error (after its own processing rolled back). */
  public static Future<Void> markFailed(SqlConnection tx, List<Long> ids, List<String> errors) {
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    return tx.preparedQuery(InboundSql.MARK_FAILED)
        .execute(Tuple.of(ids.toArray(new Long[0]), (Object) errors.toArray(new String[0]))).mapEmpty();
  }
}
