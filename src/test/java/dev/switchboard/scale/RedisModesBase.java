package dev.switchboard.scale;

import dev.switchboard.store.Bus;
import dev.switchboard.store.EventLog;
import dev.switchboard.support.Await;
import dev.switchboard.support.BridgeClient;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import dev.switchboard.support.Webhooks;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live log and the window timers on a distributed Redis (a subclass starts it): push, replay,
 * cursors and a timer that fires once, then a master killed mid-burst of 5,000 webhooks with two
 * clients connected to two nodes. Two nodes share the topology; the master is killed last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class RedisModesBase {

  static final int WINDOW_SECONDS = 8;
  static final int BURST = 5_000;

  static TestDb db;
  static RedisTopology redis;
  static TestNode nodeA;
  static TestNode nodeB;
  static Vertx clients;
  static Http http;
  static Seed.Account acme;

  static void start(NodeExtension env, RedisTopology topology) {
    db = env.db();
    redis = env.open(topology);
    JsonObject settings = new JsonObject()
        .put("REDIS_MODE", topology.mode())
        .put("REDIS_URL", topology.url())
        .put("WINDOW_STANDARD", "PT" + WINDOW_SECONDS + "S")
        .put("WINDOW_HUMAN_AGENT", "PT" + WINDOW_SECONDS + "S")
        .put("WINDOW_TIMER_POLL_MS", 200)
        .put("PROCESSOR_SWEEP_MS", 200)
        .put("RELAY_POLL_MS", 200);
    if (topology instanceof RedisTopology.Sentinel) {
      settings.put("REDIS_MASTER_NAME", RedisTopology.Sentinel.MASTER);
    }
    nodeA = env.open(TestNode.start(db, env.redisPrefix(), settings.copy().put("NODE_ID", "modes-a")));
    nodeB = env.open(TestNode.start(db, env.redisPrefix(), settings.copy().put("NODE_ID", "modes-b")));
    clients = env.vertx();
    http = env.open(new Http(clients, nodeA.baseUrl()));
    acme = env.account();
    Seed.channel(db, acme.accountId(), "whatsapp", Webhooks.WA_PHONE_NUMBER_ID);
  }

  static String token(TestNode node) {
    return node.node.services().tokens().issue(acme.adminId(), acme.accountId(), "admin", "Admin");
  }

  /**
   * A registered client that pings every 10 s as the browser's client does: the bridge closes a
   * socket that sends no ping for BRIDGE_PING_TIMEOUT_MS (30 s), which a test outlasts on a loaded
   * machine, and a closed client gets nothing more (what this class's burst once showed as "a
   * message sent after the burst never reached a client").
   */
  static BridgeClient client(TestNode node) {
    BridgeClient c = BridgeClient.connect(clients, node.port()).registered(node, Bus.accountAddress(acme.accountId()), token(node));
    clients.setPeriodic(10_000, t -> {
      if (c.closed) {
        clients.cancelTimer(t);
      } else {
        c.ws.writeTextMessage(new JsonObject().put("type", "ping").encode());
      }
    });
    return c;
  }

  static String post(String waId, String text) {
    Webhooks.Signed w = Webhooks.whatsappText(waId, "wamid.modes-" + UUID.randomUUID(), text);
    Http.Res r = http.webhook("whatsapp", w.body(), w.signature());
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    Await.until("message " + text + " stored", Duration.ofSeconds(30),
        () -> Seed.scalar(db, "SELECT count(*) FROM messages WHERE external_id = ?", w.wamid()) == 1);
    return w.wamid();
  }

  static List<JsonObject> created(BridgeClient c, String wamid) {
    return created(c.events(Bus.MESSAGE_CREATED), wamid);
  }

  static List<JsonObject> created(List<JsonObject> events, String wamid) {
    return events.stream().filter(e -> Bus.MESSAGE_CREATED.equals(e.getString("type"))
        && wamid.equals(e.getJsonObject("data").getString("externalId"))).toList();
  }

  /**
   * A page's live view as web/js/live.js keeps it: events apply in id order, each once (an id at or below the last one applied is dropped); when the bridge drops the socket
   * anyway (too slow) the page reconnects, registers and replays from GET /events after the last
   * id it applied. {@link #drops} says how often that happened.
   */
  static final class Page implements AutoCloseable {
    private final TestNode node;
    private final List<JsonObject> applied = new ArrayList<>();
    private BridgeClient current;
    int drops;

    Page(TestNode node) {
      this.node = node;
      this.current = client(node);
    }

    /** Every event the page applied so far, reconnecting first if its socket was dropped. */
    synchronized List<JsonObject> events() {
      if (current.closed) {
        take(current.events());
        drops++;
        System.out.printf("page on %s: the bridge closed its socket (code %s, SockJS %s) after %d events; it reconnects and replays%n",
            node.baseUrl(), current.closeCode, current.sockjsCloseCode, applied.size());
        current.close();
        current = client(node);
        take(replay(last()));
      }
      List<JsonObject> out = new ArrayList<>(applied);
      apply(out, current.events());
      return out;
    }

    private void take(List<JsonObject> events) {
      apply(applied, events);
    }

    private String last() {
      return applied.isEmpty() ? null : applied.get(applied.size() - 1).getString("id");
    }

    private static void apply(List<JsonObject> view, List<JsonObject> events) {
      for (JsonObject e : events) {
        String last = view.isEmpty() ? null : view.get(view.size() - 1).getString("id");
        if (last == null || EventLog.compareIds(e.getString("id"), last) > 0) {
          view.add(e);
        }
      }
    }

    @Override
    public synchronized void close() {
      current.close();
    }
  }

  /** The account's events after {@code cursor}, every page (limit 200, following nextCursor). */
  static List<JsonObject> replay(String cursor) {
    List<JsonObject> out = new ArrayList<>();
    String after = cursor;
    while (true) {
      Http.Res page = http.as(token(nodeA)).get("/api/v1/events?limit=200" + (after == null ? "" : "&after=" + after));
      assertThat(page.status()).as(page.text()).isEqualTo(200);
      page.items().forEach(o -> out.add((JsonObject) o));
      after = page.json().getString("nextCursor");
      if (after == null) {
        return out;
      }
    }
  }

  @Test
  @Order(1)
  @DisplayName("events are pushed to clients on both nodes, replayed after a cursor and paged with opaque cursors")
  void pushReplayCursors() {
    try (BridgeClient onA = client(nodeA); BridgeClient onB = client(nodeB)) {
      String first = post("14155590001", "modes one");
      Await.passes(Duration.ofSeconds(20), () -> {
        assertThat(created(onA, first)).hasSize(1);
        assertThat(created(onB, first)).hasSize(1);
      });
      String cursor = created(onA, first).get(0).getString("id");
      String second = post("14155590002", "modes two");
      String third = post("14155590001", "modes three");
      Await.passes(Duration.ofSeconds(20), () -> {
        assertThat(created(onA, third)).hasSize(1);
        assertThat(created(onB, second)).hasSize(1);
      });
      // the replay after the cursor holds exactly what came later, once, in the order pushed
      Await.passes(Duration.ofSeconds(10), () -> {
        List<String> later = replay(cursor).stream().filter(e -> Bus.MESSAGE_CREATED.equals(e.getString("type")))
            .map(e -> e.getJsonObject("data").getString("externalId")).toList();
        assertThat(later).containsExactly(second, third);
      });
      // the trailing events of the last message may still be on their way to the socket, and the
      // replay may read a replica a moment behind: both settle on the same list
      List<String> replayed = new ArrayList<>();
      Await.passes(Duration.ofSeconds(10), () -> {
        List<String> pushed = onA.events().stream().map(e -> e.getString("id")).toList();
        replayed.clear();
        replay(cursor).stream().map(e -> e.getString("id")).forEach(replayed::add);
        assertThat(pushed.subList(pushed.indexOf(cursor) + 1, pushed.size())).containsExactlyElementsOf(replayed);
      });
      // paged one by one: the same events
      List<String> paged = new ArrayList<>();
      String after = cursor;
      for (int i = 0; i < replayed.size(); i++) {
        Http.Res page = http.as(token(nodeB)).get("/api/v1/events?limit=1&after=" + after);
        assertThat(page.status()).as(page.text()).isEqualTo(200);
        after = page.items().getJsonObject(0).getString("id");
        paged.add(after);
      }
      assertThat(paged).containsExactlyElementsOf(replayed);
    }
  }

  @Test
  @Order(2)
  @DisplayName("a window timer fires once, on one node")
  void timerFiresOnce() {
    try (BridgeClient onA = client(nodeA)) {
      String wamid = post("14155590101", "modes timer");
      long conversation = Seed.scalar(db, "SELECT conversation_id FROM messages WHERE external_id = ?", wamid);
      Await.passes(Duration.ofSeconds(WINDOW_SECONDS + 20), () -> assertThat(windowChanged(onA, conversation)).isEqualTo(1));
      // both nodes poll every 200 ms: a second firing would have come by now
      Await.passes(Duration.ofSeconds(2), () -> assertThat(windowChanged(onA, conversation)).isEqualTo(1));
      assertThat(replay(null).stream().filter(e -> Bus.WINDOW_CHANGED.equals(e.getString("type"))
          && String.valueOf(conversation).equals(e.getString("conversationId")))).hasSize(1);
    }
  }

  static long windowChanged(BridgeClient c, long conversation) {
    return c.events(Bus.WINDOW_CHANGED).stream().filter(e -> String.valueOf(conversation).equals(e.getString("conversationId"))).count();
  }

  /**
   * A master killed mid-burst of 5,000 webhooks: both pages get every message.created once
   * (pushed or replayed), timers fire once, live push resumes within 5 s of the promotion.
   */
  void masterKilledMidBurst() throws Exception {
    try (Page onA = new Page(nodeA); Page onB = new Page(nodeB)) {
      // timers due after the kill: 10 conversations of their own
      List<Long> timed = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        String w = post("1415559020" + i, "modes timed " + i);
        timed.add(Seed.scalar(db, "SELECT conversation_id FROM messages WHERE external_id = ?", w));
      }
      HttpClient sender = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      Semaphore inFlight = new Semaphore(16);
      AtomicInteger acknowledged = new AtomicInteger();
      List<CompletableFuture<?>> sends = new ArrayList<>();
      long killedAt = 0;
      int killIndex = BURST / 5;
      // when a webhook sent after the kill is first pushed: live push has resumed
      AtomicLong resumedAt = new AtomicLong();
      Thread watch = new Thread(() -> {
        while (resumedAt.get() == 0 && !Thread.currentThread().isInterrupted()) {
          if (onA.events().stream().anyMatch(e -> Bus.MESSAGE_CREATED.equals(e.getString("type")) && afterKill(e, killIndex))) {
            resumedAt.set(System.nanoTime());
          }
          try {
            Thread.sleep(20);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      String partitionKey = "{p" + nodeA.node.services().events().partitionOf(acme.accountId()) + "}";
      // when a write to the killed master's slot (the partition's hash tag) succeeds again from a node
      AtomicLong writableAt = new AtomicLong();
      Thread writes = new Thread(() -> {
        var api = nodeA.node.services().redis().api();
        String key = nodeA.node.services().redis().key("failover-probe:" + partitionKey);
        while (writableAt.get() == 0 && !Thread.currentThread().isInterrupted()) {
          try {
            api.set(List.of(key, "1")).toCompletionStage().toCompletableFuture().get(500, java.util.concurrent.TimeUnit.MILLISECONDS);
            writableAt.set(System.nanoTime());
          } catch (InterruptedException e) {
            return;
          } catch (Exception e) {
            // the master is gone, or the cluster is not ok yet: try again
          }
        }
      });
      for (int i = 0; i < BURST; i++) {
        if (i == killIndex) {
          // a fifth of the burst in: the master holding this account's log dies
          killedAt = System.nanoTime();
          watch.start();
          int port = redis.killMaster(partitionKey);
          writes.start();
          System.out.println("killed the Redis master on port " + port + " after " + i + " webhooks were sent");
        }
        Webhooks.Signed w = Webhooks.whatsappText(String.valueOf(14_155_591_000L + i % 20), "wamid.burst-" + i + "-" + UUID.randomUUID(),
            "burst " + i);
        inFlight.acquire();
        sends.add(sendWithRetries(sender, w, 5).whenComplete((ok, err) -> {
          inFlight.release();
          if (Boolean.TRUE.equals(ok)) {
            acknowledged.incrementAndGet();
          }
        }));
      }
      CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
      assertThat(acknowledged.get()).isEqualTo(BURST);

      // live push is back: a message sent now reaches both clients
      String probe = post("14155590300", "modes after the failover");
      Await.passes(Duration.ofSeconds(60), () -> {
        assertThat(created(onA.events(), probe)).hasSize(1);
        assertThat(created(onB.events(), probe)).hasSize(1);
      });
      watch.interrupt();
      watch.join();
      writes.interrupt();
      writes.join();
      double resumed = resumedAt.get() == 0 ? -1 : (resumedAt.get() - killedAt) / 1e9;
      double writable = writableAt.get() == 0 ? -1 : (writableAt.get() - killedAt) / 1e9;
      System.out.printf("FIGURE %s: live push resumed %.2f s after the master was killed, writes to its slot succeeded again after %.2f s"
          + " (pages dropped by the bridge: %d, %d)%n", redis.mode(), resumed, writable, onA.drops, onB.drops);
      assertThat(resumedAt.get()).as("a webhook sent after the kill was pushed").isNotZero();
      assertThat(writableAt.get()).as("Redis took writes again").isNotZero();
      // the nodes' part: from the promotion (the first write the promoted master takes) to live push;
      // detection and election are Redis's (1 s timeouts here, seconds more on a loaded machine)
      assertThat(resumed - writable).as("seconds from the promotion until live push resumed").isLessThan(5.0);

      Await.until("every webhook stored", Duration.ofSeconds(120),
          () -> Seed.scalar(db, "SELECT count(*) FROM messages WHERE text LIKE 'burst %'") == BURST);
      List<String> stored = new ArrayList<>();
      try (var c = db.connect(); var rs = c.createStatement().executeQuery(
          "SELECT id FROM messages WHERE account_id = " + acme.accountId()
              + " AND (text LIKE 'burst %' OR text LIKE 'modes timed %' OR text = 'modes after the failover')")) {
        while (rs.next()) {
          stored.add(String.valueOf(rs.getLong(1)));
        }
      }
      for (Page c : List.of(onA, onB)) {
        Await.passes(Duration.ofSeconds(60), () -> {
          Map<String, Integer> seen = new HashMap<>();
          List<JsonObject> pushed = c.events();
          List<JsonObject> all = new ArrayList<>(pushed);
          // what the client missed while it was connected: the replay after the last event it got
          all.addAll(replay(pushed.get(pushed.size() - 1).getString("id")));
          for (JsonObject e : all) {
            if (Bus.MESSAGE_CREATED.equals(e.getString("type"))) {
              seen.merge(e.getJsonObject("data").getString("id"), 1, Integer::sum);
            }
          }
          for (String id : stored) {
            assertThat(seen.getOrDefault(id, 0)).as("message.created of message %s, pushed or replayed", id).isEqualTo(1);
          }
        });
      }
      // each timer set before the kill fires once
      Await.passes(Duration.ofSeconds(WINDOW_SECONDS + 30), () -> {
        for (long conversation : timed) {
          assertThat(onA.events().stream().filter(e -> Bus.WINDOW_CHANGED.equals(e.getString("type"))
              && String.valueOf(conversation).equals(e.getString("conversationId")))).as("window_changed of conversation %d", conversation).hasSize(1);
        }
      });
    }
  }

  static boolean afterKill(JsonObject created, int killIndex) {
    String text = created.getJsonObject("data").getString("text");
    return text != null && text.startsWith("burst ") && Integer.parseInt(text.substring(6)) > killIndex;
  }

  /** Meta's way: a webhook not acknowledged is sent again (here up to {@code attempts} times). */
  static CompletableFuture<Boolean> sendWithRetries(HttpClient client, Webhooks.Signed w, int attempts) {
    HttpRequest req = HttpRequest.newBuilder(URI.create(nodeA.baseUrl() + "/webhooks/whatsapp"))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .header("X-Hub-Signature-256", w.signature())
        .POST(HttpRequest.BodyPublishers.ofByteArray(w.body())).build();
    return client.sendAsync(req, HttpResponse.BodyHandlers.discarding())
        .handle((r, err) -> err == null && r.statusCode() / 100 == 2)
        .thenCompose(ok -> ok || attempts <= 1 ? CompletableFuture.completedFuture(ok) : sendWithRetries(client, w, attempts - 1));
  }
}
