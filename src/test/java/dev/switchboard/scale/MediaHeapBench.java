package dev.switchboard.scale;

import dev.switchboard.support.Await;
import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.Fixtures;
import dev.switchboard.support.Http;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.multipart.MultipartForm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Media through a node with a 256 MiB heap (a child process, {@code -Xmx256m}): a 100 MB
 * WhatsApp document fetched into the PostgreSQL store, a 99 MB upload, and each downloaded back
 * by an agent, while the node's heap is sampled from {@code /metrics}. A node that held a whole
 * file (or two copies of it) would show it in the samples or die. Also the fetch rate of small
 * photos, for docs/benchmarks.md.
 */
@DisplayName("100 MB in and out of a -Xmx256m node with the heap bounded; media fetched per second")
// A benchmark (about two minutes, 200 MB through PostgreSQL): its name matches neither surefire's
// nor failsafe's patterns, so it runs only when named (-Dit.test=MediaHeapBench, docs/benchmarks.md)
// and never shows as a skipped test in a build that requires every test.
class MediaHeapBench {

  static final String WA = "118812345670099";
  static final long MB = 1_000_000L;
  static final String CONCURRENCY = System.getProperty("bench.fetchConcurrency", "4");
  static Vertx vertx;
  static FakeGraph graph;
  static TestDb db;
  static NodeProcess node;
  static Seed.Account acme;
  static String token;
  static HttpClient client;
  static Http http;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    graph = FakeGraph.start(vertx);
    db = TestDb.create();
    node = NodeProcess.start("media-heap", db, TestNode.REDIS_URL, TestNode.newRedisPrefix(),
        Map.of("GRAPH_API_URL", graph.url(), "MEDIA_FETCH_POLL_MS", "50", "PROCESSOR_SWEEP_MS", "200",
            "MEDIA_FETCH_CONCURRENCY", CONCURRENCY))
        .awaitReady(Duration.ofSeconds(90));
    acme = Seed.account(db, "Acme");
    Seed.channel(db, acme.accountId(), "whatsapp", WA);
    client = HttpClient.newHttpClient();
    http = new Http(vertx, node.baseUrl());
    token = http.login(acme.adminEmail(), acme.password());
  }

  @AfterAll
  static void stop() throws Exception {
    if (http != null) {
      http.close();
    }
    if (node != null) {
      node.close();
    }
    if (graph != null) {
      graph.close();
    }
    vertx.close().await();
    db.drop();
  }

  static final java.util.regex.Pattern HEAP =
      java.util.regex.Pattern.compile("(?m)^jvm_memory_used_bytes\\{area=\"heap\"[^}]*\\} ([0-9.eE+-]+)$");

  /** Samples the node's heap in use every 200 ms until closed; {@link #max} is the largest sample. */
  static final class HeapWatch implements AutoCloseable {
    final AtomicLong max = new AtomicLong();
    final java.util.concurrent.ScheduledExecutorService every = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();

    HeapWatch() {
      every.scheduleAtFixedRate(() -> {
        java.util.regex.Matcher m = HEAP.matcher(http.metrics().text());
        long used = 0;
        while (m.find()) {
          used += (long) Double.parseDouble(m.group(1));
        }
        max.accumulateAndGet(used, Math::max);
      }, 0, 200, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws InterruptedException {
      every.shutdown();
      every.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  static void whatsapp(String mediaId, String wamid, String type) {
    whatsapp(java.util.List.of(mediaId), java.util.List.of(wamid), type);
  }

  /** One webhook carrying one message per media id (as Meta batches them). */
  static void whatsapp(java.util.List<String> mediaIds, java.util.List<String> wamids, String type) {
    JsonObject hook = Fixtures.json("whatsapp_image.json");
    JsonObject value = hook.getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0).getJsonObject("value");
    value.getJsonObject("metadata").put("phone_number_id", WA);
    JsonObject template = value.getJsonArray("messages").getJsonObject(0);
    JsonArray messages = new JsonArray();
    for (int i = 0; i < mediaIds.size(); i++) {
      JsonObject msg = template.copy();
      msg.put("id", wamids.get(i));
      JsonObject media = (JsonObject) msg.remove("image");
      media.put("id", mediaIds.get(i));
      msg.put("type", type).put(type, media);
      messages.add(msg);
    }
    value.put("messages", messages);
    byte[] body = hook.encode().getBytes(StandardCharsets.UTF_8);
    HttpRequest req = HttpRequest.newBuilder(URI.create(node.baseUrl() + "/webhooks/whatsapp"))
        .header("Content-Type", "application/json").header("X-Hub-Signature-256", Fixtures.sign(body))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    try {
      assertThat(client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static JsonObject ready(String wamid, Duration within) {
    return Await.value(wamid + " ready", within, () -> {
      var rows = Seed.strings(db, "SELECT attachments::text FROM messages WHERE external_id = ?", wamid);
      JsonObject a = rows.isEmpty() ? null : new JsonArray(rows.get(0)).getJsonObject(0);
      assertThat(a == null ? null : a.getString("status")).isNotEqualTo("failed");
      return a != null && "ready".equals(a.getString("status")) ? a : null;
    });
  }

  /** Downloads the media as an agent, streaming; answers the sha256 of what came. */
  static String download(String mediaId) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(node.baseUrl() + "/api/v1/media/" + mediaId))
        .header("Authorization", "Bearer " + token).GET().build();
    HttpResponse<InputStream> r = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (InputStream in = r.body()) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        sha.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  static byte[] bytes(int n, long seed, byte... head) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    System.arraycopy(head, 0, b, 0, head.length);
    return b;
  }

  @Test
  @DisplayName("a 100 MB document fetched, a 99 MB PDF uploaded, both downloaded back: heap samples stay far under the 256 MiB heap")
  void hundredMegabytes() throws Exception {
    byte[] doc = bytes((int) (100 * MB), 1, (byte) '%', (byte) 'P', (byte) 'D', (byte) 'F', (byte) '-');
    graph.media("token-" + WA, "880000000001", doc, "application/pdf");
    String docSha = FakeGraph.sha256Hex(doc);
    long inPeak;
    long t0 = System.nanoTime();
    try (HeapWatch w = new HeapWatch()) {
      whatsapp("880000000001", "wamid.heap.doc", "document");
      JsonObject a = ready("wamid.heap.doc", Duration.ofMinutes(5));
      assertThat(a.getLong("size")).isEqualTo(100 * MB);
      assertThat(download(a.getString("mediaId"))).isEqualTo(docSha);
      w.close();
      inPeak = w.max.get();
    }
    double inSeconds = (System.nanoTime() - t0) / 1e9;
    doc = null;

    Path pdf = Files.createTempFile("upload", ".pdf");
    byte[] chunk = bytes((int) MB, 2, (byte) '%', (byte) 'P', (byte) 'D', (byte) 'F', (byte) '-');
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (OutputStream out = Files.newOutputStream(pdf)) {
      for (int i = 0; i < 99; i++) {
        chunk[1000] = (byte) i;
        out.write(chunk);
        sha.update(chunk);
      }
    }
    long outPeak;
    long t1 = System.nanoTime();
    try (HeapWatch w = new HeapWatch()) {
      WebClient web = WebClient.create(vertx);
      var r = web.postAbs(node.baseUrl() + "/api/v1/media?platform=whatsapp").bearerTokenAuthentication(token)
          .sendMultipartForm(MultipartForm.create().binaryFileUpload("file", "big.pdf", pdf.toString(), "application/pdf"))
          .await();
      web.close();
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
      assertThat(download(r.bodyAsJsonObject().getString("id"))).isEqualTo(HexFormat.of().formatHex(sha.digest()));
      w.close();
      outPeak = w.max.get();
    } finally {
      Files.deleteIfExists(pdf);
    }
    double outSeconds = (System.nanoTime() - t1) / 1e9;
    System.out.printf("MEDIA-HEAP fetch+download 100 MB: %.1f s, heap peak %.0f MiB; upload+download 99 MB: %.1f s, heap peak %.0f MiB%n",
        inSeconds, inPeak / 1048576.0, outSeconds, outPeak / 1048576.0);
    assertThat(inPeak).as("heap peak while fetching and serving 100 MB").isLessThan(200L << 20);
    assertThat(outPeak).as("heap peak while uploading and serving 99 MB").isLessThan(200L << 20);
  }

  @Test
  @DisplayName("300 WhatsApp photos of 50 kB: fetched per second (MEDIA_FETCH_CONCURRENCY 4 or -Dbench.fetchConcurrency, one node)")
  void fetchRate() {
    int n = 300;
    for (int i = 0; i < n; i++) {
      graph.media("token-" + WA, "881000000" + (1000 + i), bytes(50_000, 100 + i, (byte) 0xFF, (byte) 0xD8, (byte) 0xFF), "image/jpeg");
    }
    long t0 = System.nanoTime();
    // 50 messages per webhook, so the webhooks are posted in well under a second and the fetcher is what is measured
    for (int i = 0; i < n; i += 50) {
      java.util.List<String> ids = new java.util.ArrayList<>();
      java.util.List<String> wamids = new java.util.ArrayList<>();
      for (int k = i; k < i + 50; k++) {
        ids.add("881000000" + (1000 + k));
        wamids.add("wamid.rate." + k);
      }
      whatsapp(ids, wamids, "image");
    }
    double posting = (System.nanoTime() - t0) / 1e9;
    Await.until("every photo kept", Duration.ofMinutes(5), () -> Seed.scalar(db,
        "SELECT count(*) FROM media_fetches f JOIN messages m ON m.id = f.message_id WHERE f.status = 'done' AND m.external_id LIKE 'wamid.rate.%'") == n);
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf("MEDIA-RATE %d photos of 50 kB (6 webhooks of 50 posted in %.1f s) fetched and kept in %.1f s: %.0f per second,"
        + " MEDIA_FETCH_CONCURRENCY %s%n", n, posting, seconds, n / seconds, CONCURRENCY);
  }
}
