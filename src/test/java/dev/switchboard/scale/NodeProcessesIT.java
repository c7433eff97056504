package dev.switchboard.scale;

import dev.switchboard.support.Await;
import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Requires;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import dev.switchboard.support.Webhooks;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nodes as real processes behind nginx: one SIGKILLed in the middle of a webhook burst, the other
 * stopped with SIGTERM while work is in flight.
 */
@DisplayName("Node processes: a crash loses and doubles nothing, SIGTERM stops gracefully")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeProcessesIT {

  @RegisterExtension
  static final Requires TOOL = Nginx.REQUIRED;

  static TestDb db;
  static Vertx vertx;
  static FakeGraph graph;
  static NodeProcess a;
  static NodeProcess b;
  static Nginx nginx;
  static Seed.Account acme;

  // the nodes are processes, started here
  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().graph().withoutNode().account("Acme").build();

  @BeforeAll
  static void start() {
    db = env.db();
    vertx = env.vertx();
    graph = env.graph();
    graph.respond("POST", "/", c -> new FakeGraph.Answer(200, new JsonObject().put("messaging_product", "whatsapp")
        .put("messages", new JsonArray().add(new JsonObject().put("id", "wamid.out-" + UUID.randomUUID()))).encode(),
        c.body().contains("slow reply") ? 3_000 : 0));
    String prefix = env.redisPrefix();
    Map<String, String> settings = Map.of(
        "GRAPH_API_URL", graph.url(),
        "PROCESSOR_SWEEP_MS", "200",
        "PROCESSOR_BATCH", "50",
        "OUTBOUND_POLL_MS", "200",
        "GRAPH_TIMEOUT_MS", "8000");
    a = env.open(NodeProcess.start("proc-a", db, TestNode.REDIS_URL, prefix, settings));
    b = env.open(NodeProcess.start("proc-b", db, TestNode.REDIS_URL, prefix, settings));
    a.awaitReady(Duration.ofSeconds(90));
    b.awaitReady(Duration.ofSeconds(90));
    nginx = env.open(Nginx.start(List.of(a.port, b.port)));
    acme = env.account();
    Seed.channel(db, acme.accountId(), "whatsapp", Webhooks.WA_PHONE_NUMBER_ID);
  }

  static long count(String sql, Object... args) {
    return Seed.scalar(db, sql, args);
  }

  @Test
  @Order(1)
  @DisplayName("SIGKILL of a node mid-burst, the sender retrying what was not acknowledged: every message stored once, every raw event processed")
  void crashMidBurst() throws Exception {
    int total = 400;
    List<Webhooks.Signed> bodies = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      // 40 customers: conversations are created and updated concurrently on both nodes
      bodies.add(Webhooks.whatsappText(String.valueOf(14_155_560_000L + i % 40), "wamid.crash-" + i + "-" + UUID.randomUUID(), "burst " + i));
    }
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    AtomicInteger acked = new AtomicInteger();
    AtomicInteger retries = new AtomicInteger();
    AtomicInteger next = new AtomicInteger();
    ExecutorService senders = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        // half the senders go through nginx (which itself retries a dead node's requests on the other),
        // half straight to node A, as a sender pinned to one address would
        String first = t % 2 == 0 ? nginx.baseUrl() : a.baseUrl();
        running.add(senders.submit(() -> {
          for (int i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
            Webhooks.Signed w = bodies.get(i);
            // like Meta: whatever is not answered 2xx is sent again, here through the balancer
            boolean ok = deliver(client, first, w);
            while (!ok) {
              retries.incrementAndGet();
              Await.pause(50);
              ok = deliver(client, nginx.baseUrl(), w);
            }
            acked.incrementAndGet();
          }
          return null;
        }));
      }
      Await.until("a third of the burst acknowledged", Duration.ofSeconds(60), () -> acked.get() >= total / 3);
      a.kill();
      for (Future<?> f : running) {
        f.get();
      }
    } finally {
      senders.shutdownNow();
    }
    assertThat(acked.get()).isEqualTo(total);
    assertThat(retries.get()).as("webhooks the sender had to send again").isPositive();
    Await.passes(Duration.ofSeconds(40), () ->
        assertThat(count("SELECT count(*) FROM raw_events WHERE status = 'pending'")).isZero());
    assertThat(count("SELECT count(*) FROM raw_events WHERE status <> 'done'")).as("failed raw events").isZero();
    assertThat(count("SELECT count(*) FROM messages WHERE external_id LIKE 'wamid.crash-%'")).isEqualTo(total);
    assertThat(count("SELECT count(DISTINCT external_id) FROM messages WHERE external_id LIKE 'wamid.crash-%'")).isEqualTo(total);
    // unread counts were incremented once per stored message: nothing was applied twice
    assertThat(count("SELECT coalesce(sum(unread_count), 0) FROM conversations")).isEqualTo(total);
    System.out.printf("crash test: %d webhooks, %d retries by the sender after the SIGKILL%n", total, retries.get());
  }

  static boolean deliver(HttpClient client, String base, Webhooks.Signed w) {
    try {
      HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create(base + "/webhooks/whatsapp"))
          .timeout(Duration.ofSeconds(10))
          .header("Content-Type", "application/json")
          .header("X-Hub-Signature-256", w.signature())
          .POST(HttpRequest.BodyPublishers.ofByteArray(w.body())).build(), HttpResponse.BodyHandlers.discarding());
      return r.statusCode() / 100 == 2;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  @Order(2)
  @DisplayName("SIGTERM: the node stops accepting, finishes the request and the Graph call in flight, hands back its claims and exits 0")
  void gracefulStop() throws Exception {
    // a conversation with an open window, and an agent's reply whose Graph call takes 3 s
    Webhooks.Signed first = Webhooks.whatsappText("14155570001", "wamid.term-1-" + UUID.randomUUID(), "hello");
    assertThat(deliver(HttpClient.newHttpClient(), nginx.baseUrl(), first)).isTrue();
    Await.passes(Duration.ofSeconds(20), () ->
        assertThat(count("SELECT count(*) FROM messages WHERE external_id = ?", first.wamid())).isEqualTo(1));
    long conversation = count("SELECT conversation_id FROM messages WHERE external_id = ?", first.wamid());
    String token = login();
    try (Http http = new Http(vertx, b.baseUrl())) {
      Http.Res r = http.as(token).post("/api/v1/conversations/" + conversation + "/messages",
          new JsonObject().put("type", "reply").put("text", "a slow reply"));
      assertThat(r.status()).as(r.text()).isEqualTo(201);
    }
    long reply = count("SELECT id FROM messages WHERE text = 'a slow reply'");
    Await.until("the slow Graph call to start", Duration.ofSeconds(20), () ->
        graph.calls().stream().anyMatch(c -> c.body().contains("slow reply")));

    // a webhook half uploaded when SIGTERM arrives
    Webhooks.Signed inFlight = Webhooks.whatsappText("14155570002", "wamid.term-2-" + UUID.randomUUID(), "in flight");
    try (Socket s = new Socket("127.0.0.1", b.port)) {
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      byte[] body = inFlight.body();
      out.write(("POST /webhooks/whatsapp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "X-Hub-Signature-256: " + inFlight.signature() + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body, 0, body.length / 2);
      out.flush();
      Await.pause(200); // let the node read the headers: the request is in flight

      b.terminate();
      Await.until("the node to refuse new connections", Duration.ofSeconds(10), () -> refuses(b.port));
      assertThat(b.process.isAlive()).as("still finishing its work").isTrue();

      out.write(body, body.length / 2, body.length - body.length / 2);
      out.flush();
      String answer = readHead(s.getInputStream());
      assertThat(answer).startsWith("HTTP/1.1 200");
    }
    assertThat(b.waitExit(Duration.ofSeconds(40))).as("exit code; log:\n%s", b.tail()).isZero();
    assertThat(b.output()).contains("stopping: finishing in-flight work");

    assertThat(count("SELECT count(*) FROM raw_events WHERE body LIKE ?", "%" + inFlight.wamid() + "%"))
        .as("the acknowledged webhook is stored").isEqualTo(1);
    assertThat(graph.calls().stream().filter(c -> c.body().contains("slow reply")).count()).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM messages WHERE id = ? AND status = 'sent' AND claimed_by IS NULL", reply))
        .as("the reply in flight was recorded and its claim released").isEqualTo(1);
    assertThat(count("SELECT count(*) FROM messages WHERE claimed_by IS NOT NULL")).as("claims left behind").isZero();
  }

  static String login() {
    try (Http http = new Http(vertx, b.baseUrl())) {
      return http.login(acme.adminEmail(), acme.password());
    }
  }

  static boolean refuses(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 300);
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (IOException e) {
      return true;
    }
  }

  static String readHead(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      sb.append((char) c);
      if (sb.toString().endsWith("\r\n\r\n")) {
        break;
      }
    }
    return sb.toString();
  }
}
