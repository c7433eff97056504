package dev.switchboard.inbox;

import dev.switchboard.store.Replicas;
import dev.switchboard.common.Principal;
import dev.switchboard.http.StreamSlots;
import dev.switchboard.http.Bodies;
import dev.switchboard.common.Times;
import dev.switchboard.conversation.ConversationFilter;
import dev.switchboard.conversation.ConversationService;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowStream;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Pool;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * {@code POST /conversations/export}: a CSV of every message of the chosen conversations, streamed
 * from a PostgreSQL cursor. Rows are fetched {@code EXPORT_FETCH} at a time and the cursor is paused
 * whenever the response's write queue is full, so memory stays flat however large the export.
 */
public final class ExportRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(ExportRoutes.class);
  /** The export's columns (docs/openapi.yaml, POST /conversations/export). */
  static final String[] HEADER = {"conversationId", "channel", "platform", "contact", "platformName",
      "platformUserId", "status", "assignee", "createdAt", "direction", "senderType", "type", "text", "sender",
      "username", "pricingCategory", "pricingModel", "pricingType", "billable", "phone", "email", "labels", "fields"};
  /** Bytes gathered before one write to the socket. */
  private static final int CHUNK = 32 * 1024;

  private final Replicas replicas;
  private final ConversationService conversations;
  private final int fetch;
  private final StreamSlots streams;
  private final long idleMs;

  /**
   * @param streams the node's admission for exports, whose cursor holds a database connection
   *                for as long as the client takes to read
   * @param idleMs  an export whose client reads nothing for this long is cut
   */
  public ExportRoutes(ConversationService conversations, Replicas replicas, int fetch, StreamSlots streams, long idleMs) {
    this.replicas = replicas;
    this.conversations = conversations;
    this.fetch = fetch;
    this.streams = streams;
    this.idleMs = idleMs;
  }

  public void mount(Router api) {
    api.post("/conversations/export").handler(this::export);
  }

  private void export(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    JsonObject body = ctx.body() == null || ctx.body().length() <= 0 ? new JsonObject() : Bodies.object(ctx);
    JsonArray rawIds = Bodies.array(body, "ids", false);
    List<Long> ids = rawIds == null ? null : Bodies.ids(rawIds, "ids", "conversation");
    ConversationService.Query q = ConversationService.exportQuery(p.accountId(), ids,
        ids == null ? ConversationFilter.fromJson(body) : null);
    // as with bulk changes, another account's ids are refused, not silently left out of the file
    Future<Void> owned = ids == null ? Future.succeededFuture() : conversations.requireAllOwned(p.accountId(), ids);
    owned.compose(v -> streams.acquire(p.accountId())).onFailure(ctx::fail).onSuccess(slot -> {
      // given back once the cursor's connection is (see Stream#finish), or at once when none was taken
      ctx.addEndHandler(v -> slot.release());
      ReadSide.poolForCaller(replicas, p).onFailure(ctx::fail).onSuccess(pool -> stream(ctx, pool, q, slot));
    });
  }

  private void stream(RoutingContext ctx, Pool pool, ConversationService.Query q, StreamSlots.Slot slot) {
    pool.getConnection()
        .onFailure(ctx::fail)
        .onSuccess(conn -> conn.begin()
            .compose(tx -> conn.prepare(q.sql()).map(ps -> {
              new Stream(ctx, conn, tx, ps.createStream(fetch, q.args()), slot, idleMs).start();
              return null;
            }))
            .onFailure(err -> {
              conn.close();
              ctx.fail(err);
            }));
  }

  /**
   * Customer-controlled text opened in a spreadsheet must not run as a formula (CSV injection):
   * a cell starting with = + - @ or a control character is prefixed with an apostrophe.
   */
  static String cell(String value) {
    if (value == null || value.isEmpty()) {
      return value;
    }
    char c = value.charAt(0);
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r' ? "'" + value : value;
  }

  /** One export in flight: cursor to socket with back-pressure, and one clean-up however it ends. */
  private static final class Stream {
    private final RoutingContext ctx;
    private final HttpServerResponse response;
    private final SqlConnection conn;
    private final Transaction tx;
    private final RowStream<Row> rows;
    private final StringBuilder out = new StringBuilder(CHUNK + 4096);
    private final CSVPrinter csv;
    private boolean started;
    private final StreamSlots.Slot slot;
    private final long idleMs;
    private boolean finished;
    private long count;
    /** The timer that cuts a client reading nothing while the cursor waits for the socket to drain, or -1. */
    private long stalled = -1;

    Stream(RoutingContext ctx, SqlConnection conn, Transaction tx, RowStream<Row> rows, StreamSlots.Slot slot, long idleMs) {
      this.ctx = ctx;
      this.response = ctx.response();
      this.conn = conn;
      this.tx = tx;
      this.rows = rows;
      this.slot = slot;
      this.idleMs = idleMs;
      try {
        this.csv = new CSVPrinter(out, CSVFormat.DEFAULT);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    void start() {
      response.closeHandler(v -> finish(false));
      rows.exceptionHandler(this::failed);
      rows.endHandler(v -> {
        begin();
        flush();
        response.end();
        finish(true);
      });
      rows.handler(this::row);
    }

    // The status line waits for the first row: a query that fails at once still gets a JSON error.
    private void begin() {
      if (started) {
        return;
      }
      started = true;
      response.setChunked(true)
          .putHeader("Content-Type", "text/csv; charset=utf-8")
          .putHeader("Content-Disposition", "attachment; filename=\"conversations.csv\"");
      print((Object[]) HEADER);
    }

    private void row(Row r) {
      begin();
      String senderType = r.getString("sender_type");
      String senderName = r.getString("sender_name");
      print(r.getLong("conversation_id"), r.getString("channel_name"), r.getString("platform"),
          r.getString("display_name"), r.getString("platform_name"), r.getString("platform_user_id"),
          r.getString("status"), r.getString("assignee_name"), Times.iso(r.getOffsetDateTime("created_at")),
          r.getString("direction"), senderType,
          r.getString("type"), messageText(r),
          senderName, r.getString("username"),
          // what Meta said a sent WhatsApp message costs
          r.getString("pricing_category"), r.getString("pricing_model"), r.getString("pricing_type"),
          r.getString("pricing_billable"),
          // labels one per line (a label has no line break); fields as a JSON object (names and values may hold anything else)
          r.getString("phone"), r.getString("email"), r.getString("labels"), r.getString("fields"));
      count++;
      if (out.length() >= CHUNK) {
        flush();
        if (response.writeQueueFull()) {
          rows.pause();
          waitForTheClient();
        }
      }
    }

    /**
     * Resumes the cursor when the socket drains. A client that reads nothing for {@code idleMs}
     * (the queue does not drain) would hold the cursor's connection for as long as it keeps the
     * socket open: the export is cut instead, as a failure mid-stream is.
     */
    private void waitForTheClient() {
      long[] written = {response.bytesWritten()};
      stalled = ctx.vertx().setPeriodic(idleMs, t -> {
        long now = response.bytesWritten();
        if (now == written[0]) {
          failed(new java.util.concurrent.TimeoutException("the client read nothing for " + idleMs + " ms"));
        }
        written[0] = now;
      });
      response.drainHandler(v -> {
        ctx.vertx().cancelTimer(stalled);
        stalled = -1;
        rows.resume();
      });
    }

    /** The text, "[image]" for a message without one, nothing for a conversation without messages. */
    private static String messageText(Row r) {
      String text = r.getString("text");
      String contentType = r.getString("content_type");
      return text != null ? text : contentType == null ? "" : "[" + contentType + "]";
    }

    // Every text cell is defused, whoever wrote it: customers, agents (names) and admins (teams, channels).
    private void print(Object... values) {
      for (int i = 0; i < values.length; i++) {
        if (values[i] instanceof String text) {
          values[i] = cell(text);
        }
      }
      try {
        csv.printRecord(values);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private void flush() {
      if (out.length() > 0 && !finished) {
        response.write(Buffer.buffer(out.toString()));
        out.setLength(0);
      }
    }

    private void failed(Throwable err) {
      LOG.warn("export failed after {} rows: {}", count, err.toString());
      if (!started) {
        finish(false);
        ctx.fail(err);
      } else {
        // the client already has a 200 and part of the file: cut the connection so it cannot look complete
        finish(false);
        response.reset();
      }
    }

    private void finish(boolean ok) {
      if (finished) {
        return;
      }
      finished = true;
      if (stalled >= 0) {
        ctx.vertx().cancelTimer(stalled);
      }
      rows.close()
          .eventually(() -> ok ? tx.commit() : tx.rollback())
          .eventually(conn::close)
          .onComplete(ar -> slot.release())
          .onFailure(err -> LOG.debug("export clean-up: {}", err.toString()));
    }
  }
}
