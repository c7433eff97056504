package dev.switchboard.integrations;

import dev.switchboard.conversation.Transactions;
import dev.switchboard.config.Config;
import dev.switchboard.conversation.TxEvents;
import dev.switchboard.events.Event;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Delivers the event outbox to outgoing webhook endpoints, on every node.
 *
 * <p>Each endpoint has a cursor over the outbox's positions ({@code event_outbox.pos}: dense, in
 * commit order). A node leases an endpoint that has positions to read, delivers its events in
 * lanes per conversation (several conversations at once, each one's events one after the other,
 * see {@link #work}), and moves the cursor only past positions delivered with a 2xx; so an
 * endpoint receives the events of one conversation in their commit order, each at least once: a
 * node that dies mid-delivery leaves the cursor where it was and its lease runs out. A failure
 * (not 2xx, a timeout, a refused connection) stops that endpoint until its retry time, doubling from {@code OUTGOING_WEBHOOK_RETRY_BASE_MS} with
 * jitter; after {@code OUTGOING_WEBHOOK_RETRY_HORIZON_MS} of failures the endpoint is disabled.
 * A node deploys one instance per core ({@code parts}), each working the endpoints whose id is its
 * {@code part} modulo {@code parts} on an event loop of its own.
 * Endpoints are worked independently, at most {@link #MAX_ACTIVE} at once per node, so a slow or
 * dead one holds only its own turn.
 */
public final class WebhookDeliveryVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookDeliveryVerticle.class);
  /** Endpoints one node works at once (its instances together). */
  static final int MAX_ACTIVE = 64;
  /** Events delivered to one endpoint per lease before it goes back to the pool (fairness between nodes). */
  static final int PER_LEASE = 200;
  /** Events read per round of one endpoint (when more than one may be in flight). */
  static final int BATCH = 100;
  static final long MAX_BACKOFF_MS = 3_600_000;
  /** Encoded events kept for the other endpoints' rounds: a few seconds of a busy account's events. */
  static final int ENCODED_MAX = 4096;

  private final Transactions tx;
  private final Config.Outgoing conf;
  /** How many instances the node runs, and this one's number: it works the endpoints whose id ≡ {@code part} (mod {@code parts}). */
  private final int parts;
  private final int part;
  /** Endpoints this instance works at once: its share of {@link #MAX_ACTIVE}. */
  private final int maxActive;
  private final String owner;
  /** The lease: never shorter than two delivery timeouts, so a delivery in flight outlives no lease. */
  private final long leaseMs;
  /** Endpoints this instance is working: never claimed twice, even when a lease ran out meanwhile. */
  private final java.util.Set<Long> working = new java.util.HashSet<>();
  /** The latest events encoded for delivery, by position (see {@link #body}); a position's event never changes. */
  private final Map<Long, WebhookSender.Body> encoded = new LinkedHashMap<>(ENCODED_MAX, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, WebhookSender.Body> eldest) {
      return size() > ENCODED_MAX;
    }
  };
  private HttpClient client;
  private WebhookSender sender;
  private long poll = -1;
  private long prune = -1;
  private int active;
  private boolean claiming;
  private boolean stopping;

  /** Instance {@code part} of {@code parts}: the endpoints whose id ≡ {@code part} (mod {@code parts}). */
  public WebhookDeliveryVerticle(Transactions tx, Config.Outgoing conf, String nodeId, int parts, int part) {
    this.tx = tx;
    this.parts = parts;
    this.part = part;
    this.maxActive = Math.max(1, MAX_ACTIVE / parts);
    this.conf = conf;
    this.owner = nodeId + "-" + UUID.randomUUID().toString().substring(0, 8);
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
        .setForceSni(true), new PoolOptions().setHttp1MaxSize(maxActive * conf.concurrency()));
    sender = new WebhookSender(vertx, client, conf);
    poll = vertx.setPeriodic(conf.pollMs(), t -> claim());
    if (part == 0) {
      prune = vertx.setPeriodic(3_600_000, t -> tx.pool().query(WebhookSql.PRUNE_LOG).execute()
          .onFailure(err -> LOG.warn("pruning the webhook delivery log failed: {}", err.toString())));
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(poll);
    vertx.cancelTimer(prune);
    return client.close();
  }

  private void claim() {
    if (claiming || stopping || active >= maxActive) {
      return;
    }
    claiming = true;
    tx.pool().preparedQuery(WebhookSql.CLAIM)
        .execute(Tuple.of(owner, leaseMs, maxActive - active, working.toArray(new Long[0]), parts, part))
        .onComplete(ar -> {
          claiming = false;
          if (ar.failed()) {
            LOG.warn("claiming webhook endpoints failed: {}", ar.cause().toString());
            return;
          }
          for (Row r : ar.result()) {
            active++;
            Endpoint e = Endpoint.of(r);
            working.add(e.id());
            work(e, 0).onComplete(done -> {
              active--;
              working.remove(e.id());
              if (done.failed()) {
                LOG.warn("webhook endpoint {}: {}", e.id(), done.cause().toString());
                tx.pool().preparedQuery(WebhookSql.RELEASE).execute(Tuple.of(e.id(), owner));
              }
            });
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

    Endpoint at(long pos) {
      return new Endpoint(id, accountId, url, events, secret, previousSecret, pos, 0, null);
    }
  }

  /** One event of a batch: its position, what is POSTed, and its lane (its conversation; events of none share one lane). */
  private record Item(long pos, WebhookSender.Body body) {
    String lane() {
      String c = body.conversationId();
      return c == null ? "" : c;
    }
  }

  /**
   * The event at {@code pos} as it is POSTed, encoded once for every endpoint that reads it near
   * the same time (the endpoints of an account read the same positions, round after round).
   */
  private WebhookSender.Body body(long pos, String stored, OffsetDateTime createdAt) {
    WebhookSender.Body b = encoded.get(pos);
    if (b == null) {
      b = WebhookSender.Body.of(WebhookSender.payload(pos, stored, createdAt));
      encoded.put(pos, b);
    }
    return b;
  }

  /**
   * Delivers the endpoint's next events until none is left, one fails, or the lease's share is
   * done. A round reads up to {@link #BATCH} events and delivers them in lanes, one lane per
   * conversation, at most {@code OUTGOING_WEBHOOK_CONCURRENCY} lanes at once: a lane sends its
   * events one after the other and stops at its first failure, so a conversation's events arrive
   * in order and none overtakes a failed one. The cursor then moves to just before the first
   * failure (every earlier position was delivered), or past the round. Events of other lanes
   * already delivered after a failure are sent again with the retry (at least once).
   */
  private Future<Void> work(Endpoint e, int done) {
    if (stopping || done >= PER_LEASE) {
      return release(e);
    }
    // one at a time keeps the whole commit order, not only each conversation's
    int limit = conf.concurrency() == 1 ? 1 : BATCH;
    return tx.pool().query(WebhookSql.LAST_POS).execute().compose(rows -> {
      long last = rows.iterator().next().getLong(0);
      boolean all = e.events().contains("*");
      return tx.pool().preparedQuery(WebhookSql.NEXT_BATCH)
          .execute(Tuple.of(e.accountId(), e.cursor(), last, all, e.events().toArray(new String[0]), limit))
          .compose(next -> {
            if (next.size() == 0) {
              // nothing of this endpoint's up to the newest position: the cursor passes the others' events
              return tx.pool().preparedQuery(WebhookSql.ADVANCE).execute(Tuple.of(e.id(), owner, last, leaseMs))
                  .compose(v -> release(e));
            }
            List<Item> items = new ArrayList<>();
            for (Row row : next) {
              long pos = row.getLong("pos");
              items.add(new Item(pos, body(pos, row.getString("body"), row.getOffsetDateTime("created_at"))));
            }
            long through = items.size() < limit ? last : items.get(items.size() - 1).pos();
            return deliver(e, items).compose(results -> record(e, items, results, through)
                .compose(ok -> ok ? work(e.at(through), done + items.size()) : Future.<Void>succeededFuture()));
          });
    });
  }

  /** Sends the items lane by lane, at most {@code concurrency} lanes at once; answers each attempted position's outcome. */
  private Future<Map<Long, WebhookSender.Attempt>> deliver(Endpoint e, List<Item> items) {
    Map<String, List<Item>> lanes = new LinkedHashMap<>();
    items.forEach(i -> lanes.computeIfAbsent(i.lane(), k -> new ArrayList<>()).add(i));
    // resolved and checked once a round: every POST of the round goes to the address checked
    Future<WebhookSender.Target> target = sender.target(e.url(), e.secret(), e.previousSecret());
    Map<Long, WebhookSender.Attempt> results = new HashMap<>();
    Iterator<List<Item>> waiting = lanes.values().iterator();
    Promise<Map<Long, WebhookSender.Attempt>> all = Promise.promise();
    int[] running = {0};
    Runnable[] more = new Runnable[1];
    more[0] = () -> {
      while (running[0] < conf.concurrency() && waiting.hasNext()) {
        running[0]++;
        lane(target, waiting.next(), 0, results).onComplete(ar -> {
          running[0]--;
          more[0].run();
        });
      }
      if (running[0] == 0 && !waiting.hasNext()) {
        all.tryComplete(results);
      }
    };
    more[0].run();
    return all.future();
  }

  private Future<Void> lane(Future<WebhookSender.Target> target, List<Item> lane, int i, Map<Long, WebhookSender.Attempt> results) {
    if (i >= lane.size() || stopping) {
      return Future.succeededFuture();
    }
    Item item = lane.get(i);
    return sender.deliver(target, item.body()).compose(a -> {
      results.put(item.pos(), a);
      return a.ok() ? lane(target, lane, i + 1, results) : Future.<Void>succeededFuture();
    });
  }

  private Future<Void> release(Endpoint e) {
    return tx.pool().preparedQuery(WebhookSql.RELEASE).execute(Tuple.of(e.id(), owner)).mapEmpty();
  }

  /**
   * Writes the round's attempts to the log and moves the cursor: past the round ({@code through})
   * when every event was delivered, else to just before the first failure, whose retry is then
   * scheduled (or the endpoint disabled past the horizon). Answers whether the round all succeeded.
   */
  private Future<Boolean> record(Endpoint e, List<Item> items, Map<Long, WebhookSender.Attempt> results, long through) {
    // the first event not delivered: failed, or not tried (the node is stopping)
    Item stop = null;
    for (Item i : items) {
      WebhookSender.Attempt a = results.get(i.pos());
      if (a == null || !a.ok()) {
        stop = i;
        break;
      }
    }
    Item first = stop;
    // a disabling commits with its webhook_endpoint.disabled event, which tells the account's admins
    return tx.run(ev -> {
      SqlConnection tx = ev.conn();
      List<WebhookSender.Body> payloads = new ArrayList<>();
      List<WebhookSender.Attempt> attempts = new ArrayList<>();
      for (Item i : items) {
        WebhookSender.Attempt a = results.get(i.pos());
        if (a != null) {
          payloads.add(i.body());
          attempts.add(a);
        }
      }
      Future<?> logged = payloads.isEmpty() ? Future.succeededFuture()
          : WebhookSender.logAll(tx, e.id(), e.accountId(), payloads, e.attempts() + 1, attempts);
      if (first == null) {
        return logged.compose(v -> tx.preparedQuery(WebhookSql.ADVANCE).execute(Tuple.of(e.id(), owner, through, leaseMs))).mapEmpty();
      }
      long before = first.pos() - 1;
      // the events before the failure were all delivered: the failure is counted from a new head
      Endpoint head = before > e.cursor() ? e.at(before) : e;
      Future<?> moved = before > e.cursor()
          ? logged.compose(v -> tx.preparedQuery(WebhookSql.ADVANCE).execute(Tuple.of(e.id(), owner, before, leaseMs)))
          : logged;
      WebhookSender.Attempt a = results.get(first.pos());
      if (a == null) {
        return moved.mapEmpty();
      }
      OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
      OffsetDateTime since = head.failingSince() == null ? now : head.failingSince();
      boolean give = !since.plusNanos(conf.retryHorizonMs() * 1_000_000L).isAfter(now);
      String reason = give ? "deliveries failed for " + (conf.retryHorizonMs() / 1000) + " s; the last: "
          + (a.error() != null ? a.error() : "HTTP " + a.status()) : null;
      if (give) {
        LOG.warn("webhook endpoint {} of account {} disabled: {}", e.id(), e.accountId(), reason);
        ev.add(Event.webhookEndpointDisabled(e.accountId(), e.id(), e.url(), reason));
      }
      return moved.compose(v -> tx.preparedQuery(WebhookSql.FAILED).execute(Tuple.of(e.id(), owner,
          give ? null : now.plusNanos(backoffMs(head.attempts()) * 1_000_000L), reason))).mapEmpty();
    }).map(v -> first == null);
  }

  /** The wait before retry number {@code attempts + 1}: base × 2^attempts, at most an hour, plus up to 20 % jitter. */
  long backoffMs(int attempts) {
    long wait = Math.min(MAX_BACKOFF_MS, (long) conf.retryBaseMs() << Math.min(attempts, 20));
    return wait + ThreadLocalRandom.current().nextLong(wait / 5 + 1);
  }
}
