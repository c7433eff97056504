package dev.switchboard.integrations;

import dev.switchboard.common.Services;
import dev.switchboard.config.Config;
import dev.switchboard.conversation.TxEvents;
import dev.switchboard.events.Event;
import dev.switchboard.events.EventPublisher;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Delivers the event outbox to outgoing webhook endpoints, on every node.
 *
 * <p>Each endpoint has a cursor over the outbox's positions ({@code event_outbox.pos}: dense, in
 * commit order). A node leases an endpoint that has positions to read and works it as a
 * {@link Pump}: it takes the endpoint's events in position order into lanes per conversation and
 * keeps up to {@code OUTGOING_WEBHOOK_CONCURRENCY} lanes in flight, each lane sending its events one
 * after the other, so an endpoint receives the events of one conversation in their commit order.
 * The cursor moves only past positions delivered with a 2xx, each at least once: a node that dies
 * mid-delivery leaves the cursor where it was and its lease runs out. A failure (not 2xx, a
 * timeout, a refused connection) stops the endpoint's lanes: once its requests in flight have
 * answered, the cursor moves to just before the first event not delivered and the endpoint waits
 * for its retry time, doubling from {@code OUTGOING_WEBHOOK_RETRY_BASE_MS} with jitter; after
 * {@code OUTGOING_WEBHOOK_RETRY_HORIZON_MS} of failures the endpoint is disabled. Endpoints are
 * worked independently, at most {@link #MAX_ACTIVE} at once per node, so a slow or dead one holds
 * only its own queue.
 *
 * <p>What costs per delivery is shared: the relay tells this node when it commits new positions
 * ({@link EventPublisher#POSITIONED}), the node then reads the new events once for all its
 * endpoints (the tail) and encodes each once; the attempts of every endpoint go to the delivery log
 * and the cursors move in one transaction every {@link #FLUSH_MS}. An endpoint far behind (after a
 * retry wait) reads its own events until it reaches the tail. Positions committed by another
 * node's relay are found by a short follow-up read while this node works endpoints, and by the
 * poll ({@code OUTGOING_WEBHOOK_POLL_MS}) otherwise, which also takes retries that came due.
 */
public final class WebhookDeliveryVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookDeliveryVerticle.class);
  /** Endpoints one node works at once. */
  static final int MAX_ACTIVE = 64;
  /**
   * How long a node that works {@link #MAX_ACTIVE} endpoints works one before handing it back, so
   * endpoints waiting for a place get their turn. It then takes no more events and hands it back
   * once it has sent those it holds: the node taking it next resends nothing that other lanes
   * delivered past the cursor.
   */
  static final long SLICE_MS = 30_000;
  /** An endpoint with nothing to send is kept this long for the next events, then handed back. */
  static final long IDLE_MS = 1_000;
  /** Events read per query by an endpoint behind the tail. */
  static final int BATCH = 500;
  /** Events one endpoint holds taken but not yet delivered (behind a slow conversation, say). */
  static final int WINDOW = 2_000;
  /** Rows per read of the tail. */
  static final int TAIL_READ = 2_000;
  /** The most events the tail keeps; endpoints behind it read their own. */
  static final int TAIL_MAX = 50_000;
  /** How often the attempts are logged and the cursors moved. */
  static final long FLUSH_MS = 50;
  /** While endpoints are worked: how often positions committed by other nodes' relays are looked for. */
  static final long FOLLOW_MS = 25;
  static final long MAX_BACKOFF_MS = 3_600_000;

  private final Services s;
  private final Config.Outgoing conf;
  private final String owner;
  /** The lease: never shorter than two delivery timeouts, so a delivery in flight outlives no lease. */
  private final long leaseMs;
  /** Endpoints this node is working: never claimed twice, even when a lease ran out meanwhile. */
  private final Map<Long, Pump> pumps = new LinkedHashMap<>();
  private HttpClient client;
  private WebhookSender sender;
  private MessageConsumer<Long> wake;
  private long poll = -1;
  private long follow = -1;
  private long prune = -1;
  private boolean claiming;
  private boolean claimAgain;
  private boolean stopping;

  /** The tail: the outbox's events in positions (tailFrom, tailThrough], every account's, in order. */
  private final ArrayList<Ev> tail = new ArrayList<>();
  private long tailFrom;
  private long tailThrough;
  /** The newest position this node knows committed. */
  private long positioned;
  private boolean reading;
  private boolean readAgain;

  /** Attempts not yet in the delivery log. */
  private List<LogRow> unlogged = new ArrayList<>();
  private Future<Void> flushed = Future.succeededFuture();
  private long flushTimer = -1;
  private long lastFlush;

  public WebhookDeliveryVerticle(Services s) {
    this.s = s;
    this.conf = s.config().outgoing();
    this.owner = s.config().nodeId() + "-" + UUID.randomUUID().toString().substring(0, 8);
    this.leaseMs = Math.max(conf.leaseMs(), 2L * conf.timeoutMs());
  }

  @Override
  public Future<?> start() {
    // connections per origin: every endpoint this node works may have its lanes in flight at once,
    // so endpoints on one host (or a slow one beside others) never wait for a pooled connection
    client = vertx.createHttpClient(new HttpClientOptions()
        .setConnectTimeout(conf.timeoutMs())
        .setIdleTimeout(60)
        .setKeepAlive(true)
        .setForceSni(true), new PoolOptions().setHttp1MaxSize(MAX_ACTIVE * conf.concurrency()));
    sender = new WebhookSender(vertx, client, conf);
    return s.pool().query(WebhookSql.LAST_POS).execute().compose(rows -> {
      long last = rows.iterator().next().getLong(0);
      tailFrom = tailThrough = positioned = last;
      wake = vertx.eventBus().localConsumer(EventPublisher.POSITIONED, m -> {
        positioned = Math.max(positioned, m.body());
        readTail();
        claim();
      });
      poll = vertx.setPeriodic(conf.pollMs(), t -> claim());
      follow = vertx.setPeriodic(FOLLOW_MS, t -> {
        if (!pumps.isEmpty()) {
          readTail();
          // the leases of endpoints with nothing delivered lately are renewed too
          if (System.currentTimeMillis() - lastFlush > leaseMs / 4) {
            flushSoon();
          }
        }
      });
      prune = vertx.setPeriodic(3_600_000, t -> s.pool().query(WebhookSql.PRUNE_LOG).execute()
          .onFailure(err -> LOG.warn("pruning the webhook delivery log failed: {}", err.toString())));
      // endpoints left pending (by a node that stopped) are taken at once
      claim();
      return wake.completion();
    });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(poll);
    vertx.cancelTimer(follow);
    vertx.cancelTimer(prune);
    Future<Void> unregister = wake == null ? Future.succeededFuture() : wake.unregister();
    // what was delivered is written before the client closes; the rest is delivered again
    return Future.join(unregister, flush().otherwiseEmpty()).eventually(() -> client.close());
  }

  // ---- claiming endpoints ----------------------------------------------------------------------

  private void claim() {
    if (stopping || pumps.size() >= MAX_ACTIVE) {
      return;
    }
    if (claiming) {
      claimAgain = true;
      return;
    }
    claiming = true;
    claimAgain = false;
    s.pool().preparedQuery(WebhookSql.CLAIM).execute(Tuple.of(owner, leaseMs, MAX_ACTIVE - pumps.size(), pumps.keySet().toArray(new Long[0])))
        .onComplete(ar -> {
          claiming = false;
          if (ar.failed()) {
            LOG.warn("claiming webhook endpoints failed: {}", ar.cause().toString());
          } else {
            for (Row r : ar.result()) {
              Endpoint e = Endpoint.of(r);
              if (stopping || pumps.containsKey(e.id())) {
                continue;
              }
              Pump p = new Pump(e);
              pumps.put(e.id(), p);
              p.fill();
            }
          }
          if (claimAgain) {
            claim();
          }
        });
  }

  private record Endpoint(long id, long accountId, String url, List<String> events, String secret, String previousSecret,
                          long cursor, int attempts, OffsetDateTime failingSince) {
    static Endpoint of(Row r) {
      return new Endpoint(r.getLong("id"), r.getLong("account_id"), r.getString("url"), List.of(r.getArrayOfStrings("events")),
          r.getString("secret"), r.getString("previous_secret"), r.getLong("cursor_pos"), r.getInteger("attempts"),
          r.getOffsetDateTime("failing_since"));
    }

    /** The same endpoint as a flush read it back: its URL, types and secrets may have changed. */
    Endpoint refreshed(Row r) {
      return new Endpoint(id, accountId, r.getString("url"), List.of(r.getArrayOfStrings("events")), r.getString("secret"),
          r.getString("previous_secret"), cursor, attempts, failingSince);
    }

    boolean wants(Ev ev) {
      return ev.accountId() == accountId && (events.contains("*") || events.contains(ev.type()));
    }
  }

  /**
   * One event of the outbox as every endpoint gets it: what is POSTed ({@code body}, encoded once),
   * and its lane (its conversation; events of none share one lane).
   */
  private record Ev(long pos, long accountId, String type, String lane, byte[] body) {
    static Ev of(long pos, long accountId, String storedBody, OffsetDateTime createdAt) {
      JsonObject payload = WebhookSender.payload(pos, storedBody, createdAt);
      String c = payload.getString("conversationId");
      return new Ev(pos, accountId, payload.getString("type"), c == null ? "" : c, payload.encode().getBytes(StandardCharsets.UTF_8));
    }

    String id() {
      return String.valueOf(pos);
    }
  }

  /** One attempt for the delivery log. */
  private record LogRow(long endpointId, long accountId, String eventId, String type, int attempt, WebhookSender.Attempt a) {
  }

  // ---- the tail: new events, read once for every endpoint --------------------------------------

  private void readTail() {
    if (stopping) {
      return;
    }
    if (reading) {
      readAgain = true;
      return;
    }
    reading = true;
    readAgain = false;
    long from = tailThrough;
    s.pool().preparedQuery(WebhookSql.TAIL).execute(Tuple.of(from, TAIL_READ)).onComplete(ar -> {
      reading = false;
      if (ar.failed()) {
        LOG.warn("reading the event outbox for webhooks failed: {}", ar.cause().toString());
        return;
      }
      boolean full = append(ar.result(), from);
      trimTail();
      for (Pump p : new ArrayList<>(pumps.values())) {
        p.fill();
      }
      if (full || readAgain || positioned > tailThrough) {
        readTail();
      }
    });
  }

  /** Adds what a read of the tail after {@code from} found; answers whether it was cut at {@link #TAIL_READ}. */
  private boolean append(RowSet<Row> rows, long from) {
    long last = from;
    int n = 0;
    long newest = from;
    for (Row r : rows) {
      newest = Math.max(newest, r.getLong("last_pos"));
      Long pos = r.getLong("pos");
      if (pos == null) {
        continue;
      }
      tail.add(Ev.of(pos, r.getLong("account_id"), r.getString("body"), r.getOffsetDateTime("created_at")));
      last = pos;
      n++;
    }
    positioned = Math.max(positioned, newest);
    boolean full = n >= TAIL_READ;
    // a read cut short covers up to its last row; one that was not covers every position up to the newest
    tailThrough = full ? last : Math.max(tailThrough, newest);
    return full;
  }

  /**
   * Drops the events every endpoint worked here has delivered, and the oldest beyond
   * {@link #TAIL_MAX}. With no endpoint at work the tail is kept (up to that bound): the next
   * endpoints claimed, and those handed back and taken again, start in it. An endpoint behind the
   * tail holds it where it is, so its own reads catch up with it.
   */
  private void trimTail() {
    long keepAfter = Long.MIN_VALUE;
    if (!pumps.isEmpty()) {
      keepAfter = Long.MAX_VALUE;
      for (Pump p : pumps.values()) {
        keepAfter = Math.min(keepAfter, p.target());
      }
    }
    int drop = keepAfter == Long.MIN_VALUE ? 0 : firstAfter(keepAfter);
    drop = Math.max(drop, tail.size() - TAIL_MAX);
    if (drop > 0) {
      tailFrom = tail.get(drop - 1).pos();
      tail.subList(0, drop).clear();
    } else if (tail.isEmpty()) {
      tailFrom = tailThrough;
    }
  }

  /** The index in the tail of the first event after position {@code pos}. */
  private int firstAfter(long pos) {
    int lo = 0;
    int hi = tail.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (tail.get(mid).pos() <= pos) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  // ---- the log and the cursors, written together for every endpoint -----------------------------

  private void flushSoon() {
    if (flushTimer < 0) {
      flushTimer = vertx.setTimer(FLUSH_MS, t -> {
        flushTimer = -1;
        flush();
      });
    }
  }

  /**
   * Writes the attempts to the delivery log and moves every worked endpoint's cursor to just before
   * its first event not yet delivered, renewing the leases, and hands back the endpoints done here
   * (idle, or their slice over), in one transaction. An endpoint no longer leased to this node,
   * disabled or deleted stops taking events. Flushes run one after the other.
   */
  private Future<Void> flush() {
    flushed = flushed.transform(ignored -> write());
    return flushed;
  }

  private Future<Void> write() {
    lastFlush = System.currentTimeMillis();
    List<LogRow> rows = unlogged;
    unlogged = new ArrayList<>();
    List<Pump> worked = new ArrayList<>(pumps.values());
    if (rows.isEmpty() && worked.isEmpty()) {
      return Future.succeededFuture();
    }
    Long[] ids = new Long[worked.size()];
    Long[] cursors = new Long[worked.size()];
    for (int i = 0; i < worked.size(); i++) {
      ids[i] = worked.get(i).e.id();
      cursors[i] = worked.get(i).target();
    }
    List<Pump> leaving = worked.stream().filter(p -> p.leaving).toList();
    Long[] released = leaving.stream().map(p -> p.e.id()).toArray(Long[]::new);
    return s.pool().withTransaction(tx -> logRows(tx, rows)
        .compose(v -> worked.isEmpty() ? Future.succeededFuture((RowSet<Row>) null)
            : tx.preparedQuery(WebhookSql.ADVANCE_MANY).execute(Tuple.of(ids, cursors, owner, leaseMs)))
        .compose(kept -> released.length == 0 ? Future.succeededFuture(kept)
            : tx.preparedQuery(WebhookSql.RELEASE_MANY).execute(Tuple.of(released, owner)).map(kept)))
        .map(kept -> {
          Map<Long, Row> still = new HashMap<>();
          if (kept != null) {
            kept.forEach(r -> still.put(r.getLong("id"), r));
          }
          for (int i = 0; i < worked.size(); i++) {
            Pump p = worked.get(i);
            Row r = still.get(p.e.id());
            if (r == null) {
              p.lost();
            } else {
              p.recorded = Math.max(p.recorded, cursors[i]);
              p.e = p.e.refreshed(r);
            }
          }
          if (!leaving.isEmpty()) {
            leaving.forEach(p -> pumps.remove(p.e.id()));
            // they may have more already, and slots are free
            claim();
          }
          return (Void) null;
        })
        .onFailure(err -> {
          if (!leaving.isEmpty()) {
            flushSoon();
          }
          // at a stop the pool may close first: what was not written is delivered again
          if (!stopping) {
            LOG.warn("writing webhook deliveries failed ({} attempts not logged): {}", rows.size(), err.toString());
          }
        });
  }

  private static Future<Void> logRows(io.vertx.sqlclient.SqlClient tx, List<LogRow> rows) {
    if (rows.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = rows.size();
    Long[] endpoints = new Long[n];
    Long[] accounts = new Long[n];
    String[] ids = new String[n];
    String[] types = new String[n];
    Integer[] tries = new Integer[n];
    Boolean[] oks = new Boolean[n];
    Integer[] statuses = new Integer[n];
    String[] errors = new String[n];
    Integer[] latencies = new Integer[n];
    String[] responses = new String[n];
    for (int i = 0; i < n; i++) {
      LogRow r = rows.get(i);
      endpoints[i] = r.endpointId();
      accounts[i] = r.accountId();
      ids[i] = r.eventId();
      types[i] = r.type();
      tries[i] = r.attempt();
      oks[i] = r.a().ok();
      statuses[i] = r.a().status() == 0 ? null : r.a().status();
      errors[i] = r.a().error();
      latencies[i] = (int) Math.min(Integer.MAX_VALUE, r.a().latencyMs());
      responses[i] = r.a().response();
    }
    return tx.preparedQuery(WebhookSql.LOG_ROWS).execute(Tuple.from(new Object[] {
        endpoints, accounts, ids, types, tries, oks, statuses, errors, latencies, responses})).mapEmpty();
  }

  // ---- one endpoint at work ---------------------------------------------------------------------

  /**
   * One leased endpoint: its events after {@link #scanned} are taken in position order into lanes
   * (one per conversation; one for all when {@code OUTGOING_WEBHOOK_CONCURRENCY} is 1, which keeps the
   * whole commit order), at most {@code OUTGOING_WEBHOOK_CONCURRENCY} lanes in flight. A lane sends
   * its events one after the other and holds its next event until the one before it is delivered;
   * a failure stops every lane, so nothing of its conversation overtakes it. Its cursor is the
   * position before the first event taken and not delivered ({@link #target}).
   */
  private final class Pump {
    Endpoint e;
    final long started = System.currentTimeMillis();
    /** Every event up to here is taken (or not the endpoint's). */
    long scanned;
    /** The cursor as last written. */
    long recorded;
    /** Taken, not yet delivered, by position. */
    final TreeMap<Long, Ev> open = new TreeMap<>();
    final Map<String, ArrayDeque<Ev>> lanes = new HashMap<>();
    /** Lanes with an event to send and none in flight, in the order they became so. */
    final ArrayDeque<String> ready = new ArrayDeque<>();
    final Set<String> sending = new HashSet<>();
    int inFlight;
    boolean readingBehind;
    /** The first failed attempt (by position), which stops the endpoint. */
    Ev failed;
    WebhookSender.Attempt failure;
    /** Takes no more events: the slice is over, the lease is gone, the node stops. */
    boolean closing;
    /** Until when a closing endpoint still sends the events it holds (its slice is over). */
    long drainUntil;
    boolean done;
    /** Handed back by the next flush, with its cursor. */
    boolean leaving;
    /** Whether an event was delivered since the claim: attempts are then counted afresh. */
    boolean delivered;
    /** When the endpoint last had an event to send. */
    long busyAt = System.currentTimeMillis();
    long idleTimer = -1;

    Pump(Endpoint e) {
      this.e = e;
      this.scanned = e.cursor();
      this.recorded = e.cursor();
    }

    long target() {
      return open.isEmpty() ? scanned : open.firstKey() - 1;
    }

    /** The attempt number logged: the claimed count of failures plus one until an event is delivered, then 1. */
    int attemptNumber() {
      return delivered ? 1 : e.attempts() + 1;
    }

    /** Takes the endpoint's next events (from the tail, or its own read when behind it) and sends what it can. */
    void fill() {
      if (done) {
        return;
      }
      if (!closing && failed == null && !stopping) {
        if (pumps.size() >= MAX_ACTIVE && System.currentTimeMillis() - started > SLICE_MS) {
          closing = true;
          drainUntil = Long.MAX_VALUE;
        } else if (scanned >= tailFrom) {
          int i = firstAfter(scanned);
          for (; i < tail.size() && open.size() < WINDOW; i++) {
            Ev ev = tail.get(i);
            scanned = ev.pos();
            if (e.wants(ev)) {
              take(ev);
            }
          }
          if (i >= tail.size()) {
            scanned = Math.max(scanned, tailThrough);
          }
        } else if (!readingBehind && open.size() < WINDOW) {
          readBehind();
        }
      }
      send();
      settle();
    }

    /** An endpoint behind the tail reads its own events, up to where the tail starts. */
    void readBehind() {
      readingBehind = true;
      long upTo = tailFrom;
      boolean all = e.events().contains("*");
      s.pool().preparedQuery(WebhookSql.NEXT_BATCH)
          .execute(Tuple.of(e.accountId(), scanned, upTo, all, e.events().toArray(new String[0]), BATCH))
          .onComplete(ar -> {
            readingBehind = false;
            if (ar.failed()) {
              LOG.warn("webhook endpoint {}: reading its events failed: {}", e.id(), ar.cause().toString());
              closing = true;
            } else if (!closing && failed == null) {
              long last = scanned;
              for (Row r : ar.result()) {
                Ev ev = Ev.of(r.getLong("pos"), e.accountId(), r.getString("body"), r.getOffsetDateTime("created_at"));
                last = ev.pos();
                take(ev);
              }
              scanned = ar.result().size() < BATCH ? Math.max(scanned, upTo) : last;
            }
            fill();
          });
    }

    void take(Ev ev) {
      busyAt = System.currentTimeMillis();
      open.put(ev.pos(), ev);
      String lane = conf.concurrency() == 1 ? "" : ev.lane();
      ArrayDeque<Ev> q = lanes.computeIfAbsent(lane, k -> new ArrayDeque<>());
      q.add(ev);
      if (q.size() == 1 && !sending.contains(lane)) {
        ready.add(lane);
      }
    }

    void send() {
      while (failed == null && (!closing || System.currentTimeMillis() < drainUntil) && !stopping && inFlight < conf.concurrency() && !ready.isEmpty()) {
        String lane = ready.poll();
        Ev ev = lanes.get(lane).peek();
        sending.add(lane);
        inFlight++;
        int attempt = attemptNumber();
        sender.deliver(e.url(), e.secret(), e.previousSecret(), ev.id(), ev.body()).onComplete(ar -> {
          inFlight--;
          sending.remove(lane);
          WebhookSender.Attempt a = ar.succeeded() ? ar.result()
              : new WebhookSender.Attempt(0, String.valueOf(ar.cause()), 0, null);
          unlogged.add(new LogRow(e.id(), e.accountId(), ev.id(), ev.type(), attempt, a));
          busyAt = System.currentTimeMillis();
          if (a.ok()) {
            delivered = true;
            ArrayDeque<Ev> q = lanes.get(lane);
            q.poll();
            open.remove(ev.pos());
            if (q.isEmpty()) {
              lanes.remove(lane);
            } else {
              ready.add(lane);
            }
          } else if (failed == null || ev.pos() < failed.pos()) {
            failed = ev;
            failure = a;
          }
          flushSoon();
          fill();
        });
      }
    }

    /** Ends the pump once it has nothing in flight and is failing, closing or idle long enough. */
    void settle() {
      if (done || inFlight > 0 || readingBehind) {
        return;
      }
      if (failed != null) {
        fail();
      } else if (stopping || closing && (open.isEmpty() || System.currentTimeMillis() >= drainUntil)) {
        done = true;
        vertx.cancelTimer(idleTimer);
        leaving = true;
        flushSoon();
      } else if (open.isEmpty() && idleTimer < 0) {
        idleTimer = vertx.setTimer(Math.max(1, busyAt + IDLE_MS - System.currentTimeMillis()), t -> {
          idleTimer = -1;
          if (!done && open.isEmpty() && inFlight == 0 && System.currentTimeMillis() - busyAt >= IDLE_MS) {
            closing = true;
          }
          settle();
        });
      }
    }

    /** The lease was not renewed: another node has the endpoint (or it was disabled or deleted). */
    void lost() {
      closing = true;
      drainUntil = 0;
      settle();
    }

    /** Writes what was delivered, then the failure, and lets the endpoint go. */
    void fail() {
      done = true;
      vertx.cancelTimer(idleTimer);
      // conditional on this node's lease: after a takeover it changes nothing
      flush().compose(v -> recordFailure()).onComplete(ar -> {
        pumps.remove(e.id());
        if (ar.failed() && !stopping) {
          LOG.warn("webhook endpoint {}: {}", e.id(), ar.cause().toString());
          s.pool().preparedQuery(WebhookSql.RELEASE).execute(Tuple.of(e.id(), owner));
        }
        // the endpoint may have more already, and a slot is free
        claim();
      });
    }

    /**
     * The cursor is just before the first event not delivered (written by the flush before this);
     * the endpoint's retry is scheduled, or it is disabled past the horizon. A disabling commits with
     * its webhook_endpoint.disabled event, which tells the account's admins.
     */
    Future<Void> recordFailure() {
      // the events before the failure were all delivered: the failure is counted from a new head
      boolean moved = recorded > e.cursor();
      int attempts = moved ? 0 : e.attempts();
      OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
      OffsetDateTime since = moved || e.failingSince() == null ? now : e.failingSince();
      boolean give = !since.plusNanos(conf.retryHorizonMs() * 1_000_000L).isAfter(now);
      WebhookSender.Attempt a = failure;
      String reason = give ? "deliveries failed for " + (conf.retryHorizonMs() / 1000) + " s; the last: "
          + (a.error() != null ? a.error() : "HTTP " + a.status()) : null;
      long wait = backoffMs(attempts);
      return TxEvents.inTransaction(s, ev -> {
        if (give) {
          LOG.warn("webhook endpoint {} of account {} disabled: {}", e.id(), e.accountId(), reason);
          ev.add(Event.webhookEndpointDisabled(e.accountId(), e.id(), e.url(), reason));
        }
        return ev.conn().preparedQuery(WebhookSql.FAILED).execute(Tuple.of(e.id(), owner,
            give ? null : now.plusNanos(wait * 1_000_000L), reason)).mapEmpty();
      }).map(v -> {
        if (!give) {
          // the retry is taken when it comes due, whatever the poll
          vertx.setTimer(wait + 1, t -> claim());
        }
        return (Void) null;
      });
    }
  }

  /** The wait before retry number {@code attempts + 1}: base × 2^attempts, at most an hour, plus up to 20 % jitter. */
  long backoffMs(int attempts) {
    long wait = Math.min(MAX_BACKOFF_MS, (long) conf.retryBaseMs() << Math.min(attempts, 20));
    return wait + ThreadLocalRandom.current().nextLong(wait / 5 + 1);
  }
}
