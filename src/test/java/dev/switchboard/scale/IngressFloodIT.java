package dev.switchboard.scale;

import dev.switchboard.support.Await;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import dev.switchboard.support.Webhooks;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The header-only flood: thousands of sockets that each declare a 4 MiB webhook and send nothing.
 * A node with a 256 MiB heap keeps its heap small through it and still stores, and logs for
 * replay, a signed webhook that arrives in the middle of it.
 */
@DisplayName("A flood of header-only webhooks declaring 4 MiB costs a 256 MiB node almost nothing")
class IngressFloodIT {

  static final int SOCKETS = 2_000;
  static TestDb db;
  static NodeProcess node;
  static Seed.Account acme;

  @BeforeAll
  static void start() {
    db = TestDb.create();
    // NodeProcess runs every node with -Xmx256m; the node migrates the schema, then the test seeds it
    node = NodeProcess.start("flood", db, TestNode.REDIS_URL, TestNode.newRedisPrefix(),
        Map.of("INGRESS_IDLE_TIMEOUT_MS", "30000")).awaitReady(Duration.ofSeconds(60));
    acme = Seed.account(db, "Acme");
    Seed.channel(db, acme.accountId(), "whatsapp", Webhooks.WA_PHONE_NUMBER_ID);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    db.drop();
  }

  @Test
  @DisplayName("2,000 sockets declaring 4 MiB: heap after GC under 200 MiB, a signed webhook sent meanwhile is stored and in /events")
  void headerOnlyFlood() throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    List<Socket> flood = new ArrayList<>();
    try {
      byte[] head = ("POST /webhooks/messenger HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          + "X-Hub-Signature-256: sha256=" + "0".repeat(64) + "\r\nContent-Length: 4194304\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; i < SOCKETS; i++) {
        Socket s = new Socket("127.0.0.1", node.port);
        s.getOutputStream().write(head);
        s.getOutputStream().flush();
        flood.add(s);
      }
      Await.until("the node answers during the flood", Duration.ofSeconds(30),
          () -> !Double.isNaN(metric(client, "process_uptime_seconds")));

      String wamid = "wamid.flood-" + UUID.randomUUID();
      Webhooks.Signed w = Webhooks.whatsappText("15550001111", wamid, "sent during the flood");
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(node.baseUrl() + "/webhooks/whatsapp"))
          .header("Content-Type", "application/json").header("X-Hub-Signature-256", w.signature())
          .POST(HttpRequest.BodyPublishers.ofByteArray(w.body())).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);

      Await.until("the message is stored", Duration.ofSeconds(30),
          () -> Seed.scalar(db, "SELECT count(*) FROM messages WHERE external_id = ?", wamid) == 1);

      double heap = heapAfterGc(client);
      System.out.printf("heap used after GC with %d header-only sockets open: %.1f MiB%n", SOCKETS, heap / (1 << 20));
      assertThat(heap).as("heap used after GC, bytes").isLessThan(200.0 * (1 << 20));
      // none of the flood's requests has a byte of body for the node to hold
      assertThat(metric(client, "switchboard_ingress_pending_bytes")).isZero();

      String token = login(client);
      Await.until("message.created for it is in /events", Duration.ofSeconds(20), () -> {
        JsonArray events = new JsonObject(get(client, "/api/v1/events?after=0", token)).getJsonArray("items");
        return events.stream().map(JsonObject.class::cast).anyMatch(e -> "message.created".equals(e.getString("type"))
            && e.getJsonObject("data") != null && e.encode().contains(wamid));
      });
      assertThat(node.process.isAlive()).isTrue();
      assertThat(node.output()).doesNotContain("OutOfMemoryError");
    } finally {
      for (Socket s : flood) {
        closeQuietly(s);
      }
    }
  }

  static double heapAfterGc(HttpClient client) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process gc = new ProcessBuilder(jcmd.toString(), String.valueOf(node.process.pid()), "GC.run")
        .redirectErrorStream(true).start();
    assertThat(gc.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(gc.exitValue()).as(new String(gc.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
    return metricSum(client, "jvm_memory_used_bytes\\{area=\"heap\"[^}]*\\}");
  }

  static double metric(HttpClient client, String name) {
    return metricSum(client, Pattern.quote(name) + "(\\{[^}]*\\})?");
  }

  /** The sum of every sample whose name and labels match {@code regex} (label values may hold spaces). */
  static double metricSum(HttpClient client, String regex) {
    try {
      String text = get(client, "/metrics", TestNode.METRICS_TOKEN);
      Matcher m = Pattern.compile("(?m)^" + regex + " ([0-9.eE+-]+)$").matcher(text);
      double sum = 0;
      boolean found = false;
      while (m.find()) {
        sum += Double.parseDouble(m.group(m.groupCount()));
        found = true;
      }
      if (!found) {
        System.out.println("no sample matches " + regex + " in " + text.length() + " chars: "
            + text.lines().filter(l -> l.startsWith("switchboard_ingress") || l.startsWith("jvm_memory_used")).toList());
      }
      return found ? sum : Double.NaN;
    } catch (RuntimeException e) {
      System.out.println("metrics not read: " + e);
      return Double.NaN;
    }
  }

  static String get(HttpClient client, String path, String token) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.baseUrl() + path)).timeout(Duration.ofSeconds(10));
      if (token != null) {
        b.header("Authorization", "Bearer " + token);
      }
      return client.send(b.build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String login(HttpClient client) throws Exception {
    String body = new JsonObject().put("email", acme.adminEmail()).put("password", acme.password()).encode();
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(node.baseUrl() + "/api/v1/auth/login"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body()).getString("token");
  }

  static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // the node may have closed it already
    }
  }
}
