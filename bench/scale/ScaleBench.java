import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scale benchmark driver (not a test): an open-loop webhook sender paced at --rate messages/s for
 * --seconds, with bridge sockets on every node listed in --ws, measuring webhook-to-browser push
 * latency (request written -> message.created frame read) and the end-to-end rates: webhooks
 * acknowledged, messages stored (PostgreSQL), events pushed (sockets). See bench/scale/README.md.
 *
 *   java -cp target/switchboard.jar bench/scale/ScaleBench.java seed --db postgresql://...
 *   java -cp target/switchboard.jar bench/scale/ScaleBench.java run --url http://127.0.0.1:8090 \
 *        --ws 127.0.0.1:18081,127.0.0.1:18082 --rate 1000 --seconds 20 --db postgresql://...
 *
 * With --media-rate N, N WhatsApp photo messages a second are sent beside the text ones, for the
 * nodes to fetch from the Graph stand-in that "graph" serves (--port; the nodes' GRAPH_API_URL
 * points at it); "media" sends only those, for a run of bench/ingress/compare.sh.
 */
public class ScaleBench {

  static final String PHONE_ID = "100000000000077";
  static final Map<String, String> opts = new HashMap<>();
  static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  /** Graph media ids of the photos: numeric, as Meta's are, and apart from every other id here. */
  static final long MEDIA_ID_BASE = 7_100_000_000_000_000L;
  static final int PHOTO_BYTES = 50_000;
  static final io.netty.buffer.ByteBuf CREATED = io.netty.buffer.Unpooled.copiedBuffer("\"type\":\"message.created\"", StandardCharsets.UTF_8);

  public static void main(String[] args) throws Exception {
    for (int i = 1; i + 1 < args.length; i += 2) {
      opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    // An exception out of main is printed here, then the process exits: Vert.x's threads would keep
    // it alive, and the source launcher fails on an exception without a stack trace (Vert.x's
    // NoStackTraceThrowable) while trimming it ("0 > -7"), so the cause was lost and the run hung.
    try {
      switch (args.length == 0 ? "" : args[0]) {
        case "seed" -> seed();
        case "run" -> run();
        case "graph" -> graph();
        case "media" -> mediaOnly();
        default -> throw new IllegalArgumentException("mode: seed | run | graph | media");
      }
    } catch (Throwable e) {
      System.out.println("bench failed: " + e);
      e.printStackTrace(System.out);
      System.out.flush();
      System.exit(1);
    }
  }

  static final java.net.http.HttpClient SCRAPER = java.net.http.HttpClient.newHttpClient();

  /** What the nodes' /metrics (METRICS_TOKEN) held at one moment, and when it was read. */
  record Scrape(List<String> lines, long atNanos) {
  }

  /** Every node's /metrics; null when no token is set or a node does not answer. */
  static Scrape scrape(String[] nodes) {
    String token = System.getenv("METRICS_TOKEN");
    if (token == null || nodes.length == 0) {
      return null;
    }
    List<String> lines = new ArrayList<>();
    for (String node : nodes) {
      try {
        java.net.http.HttpRequest req = java.net.http.HttpRequest.newBuilder(URI.create("http://" + node + "/metrics"))
            .header("Authorization", "Bearer " + token).build();
        lines.addAll(List.of(SCRAPER.send(req, java.net.http.HttpResponse.BodyHandlers.ofString()).body().split("\n")));
      } catch (Exception e) {
        return null;
      }
    }
    return new Scrape(lines, System.nanoTime());
  }

  /** The relay-lag histogram's cumulative buckets ({upper bound in s -> events}) summed over the nodes; null without any. */
  static TreeMap<Double, Long> lagBuckets(Scrape s) {
    if (s == null) {
      return null;
    }
    TreeMap<Double, Long> out = new TreeMap<>();
    for (String line : s.lines()) {
      if (line.startsWith("switchboard_event_relay_lag_seconds_bucket{")) {
        int at = line.indexOf("le=\"") + 4;
        String le = line.substring(at, line.indexOf('"', at));
        double bound = "+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
        out.merge(bound, (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Long::sum);
      }
    }
    return out.isEmpty() ? null : out;
  }

  /** A metric's samples summed over the nodes (every label set); NaN without any. */
  static double sum(Scrape s, String metric) {
    double total = Double.NaN;
    if (s != null) {
      for (String line : s.lines()) {
        if (line.startsWith(metric + "{") || line.startsWith(metric + " ")) {
          double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
          total = Double.isNaN(total) ? v : total + v;
        }
      }
    }
    return total;
  }

  /**
   * The nodes' JIT compiling over the lag's span. On two cores a compiler thread busy for a
   * tenth of a second at a time delays everything else queued behind it, so a window in which the
   * nodes still compile measures their start more than their steady state.
   */
  static void printCompiling(Scrape start, Scrape end) {
    double ms = sum(end, "jvm_compilation_time_ms_total") - sum(start, "jvm_compilation_time_ms_total");
    if (!Double.isNaN(ms)) {
      double span = (end.atNanos() - start.atNanos()) / 1e9;
      System.out.printf("nodes' JIT compiling over the same span: %.0f ms in %.1f s (%.0f ms/s)%n", ms, span, ms / span);
    }
  }

  /** The relay's lag over the measured window, from two scrapes of its buckets (an upper bound per quantile). */
  static void printLag(TreeMap<Double, Long> start, TreeMap<Double, Long> end) {
    if (start == null || end == null) {
      return;
    }
    long total = end.lastEntry().getValue() - start.getOrDefault(end.lastKey(), 0L);
    if (total <= 0) {
      return;
    }
    StringBuilder line = new StringBuilder("relay lag over the measured window and the 2 s before it (outbox commit to log append, " + total + " events):");
    for (double q : new double[] {0.5, 0.99}) {
      for (Map.Entry<Double, Long> b : end.entrySet()) {
        if (b.getValue() - start.getOrDefault(b.getKey(), 0L) >= Math.ceil(q * total)) {
          line.append(String.format(" p%.0f <= %s", q * 100, b.getKey().isInfinite() ? "max" : String.format("%.1f ms", b.getKey() * 1000)));
          break;
        }
      }
    }
    System.out.println(line);
  }

  static String opt(String k, String d) {
    return opts.getOrDefault(k, d);
  }

  static Connection jdbc() throws Exception {
    URI u = URI.create(opt("db", "postgresql://switchboard:switchboard@127.0.0.1:5432/switchboard_scale"));
    String[] user = u.getUserInfo() == null ? new String[] {"postgres", ""} : u.getUserInfo().split(":", 2);
    return DriverManager.getConnection("jdbc:postgresql://" + u.getHost() + ":" + (u.getPort() < 0 ? 5432 : u.getPort()) + u.getPath(),
        user[0], user.length > 1 ? user[1] : null);
  }

  static long[] longs(Connection c, String sql, int n) throws Exception {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      long[] out = new long[n];
      for (int k = 0; k < n; k++) {
        out[k] = rs.getLong(k + 1);
      }
      return out;
    }
  }

  static final String MEDIA_COUNTS = "SELECT count(*) FILTER (WHERE status = 'done'), count(*) FILTER (WHERE status = 'failed'), "
      + "count(*) FILTER (WHERE status = 'pending') FROM media_fetches";

  static long scalar(Connection c, String sql) throws Exception {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static void seed() throws Exception {
    try (Connection c = jdbc(); Statement st = c.createStatement()) {
      if (scalar(c, "SELECT count(*) FROM channels WHERE platform = 'whatsapp' AND external_id = '" + PHONE_ID + "'") == 0) {
        st.execute("INSERT INTO accounts (name) VALUES ('Scale bench')");
        st.execute("INSERT INTO channels (account_id, platform, name, external_id, access_token) "
            + "SELECT max(id), 'whatsapp', 'Scale bench', '" + PHONE_ID + "', 'token' FROM accounts");
      }
      // the browsers' agent: a token must name a real, active user of the account and its token_version
      st.execute("INSERT INTO users (account_id, name, email, password_hash, role) "
          + "SELECT account_id, 'Scale bench agent', 'scale-bench-agent@example.test', 'not-a-password', 'agent' FROM channels "
          + "WHERE platform = 'whatsapp' AND external_id = '" + PHONE_ID + "' ON CONFLICT DO NOTHING");
      System.out.println(scalar(c, "SELECT account_id FROM channels WHERE platform = 'whatsapp' AND external_id = '" + PHONE_ID + "'"));
    }
  }

  /**
   * CPU time (clock ticks of /proc/<pid>/stat, utime + stime; USER_HZ, 100 a second on Linux) of every process on the machine,
   * summed by role: each node (by pid), PostgreSQL (all backends), Redis, nginx, the Graph stand-in, this client, the rest.
   * Read at the start and end of the measured window, it shows who had the cores.
   */
  static Map<String, Long> cpuByProcess() {
    Map<String, Long> byRole = new java.util.TreeMap<>();
    long self = ProcessHandle.current().pid();
    java.io.File[] procs = new java.io.File("/proc").listFiles(f -> f.getName().chars().allMatch(Character::isDigit));
    if (procs == null) {
      return byRole;
    }
    for (java.io.File proc : procs) {
      try {
        String stat = java.nio.file.Files.readString(proc.toPath().resolve("stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        String cmd = new String(java.nio.file.Files.readAllBytes(proc.toPath().resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
        String role;
        if (Long.parseLong(proc.getName()) == self) {
          role = "bench client";
        } else if (cmd.contains("ScaleBench.java graph")) {
          role = "Graph stand-in";
        } else if (cmd.contains(" -jar ") && !cmd.contains("ScaleBench")) {
          // any jar run.sh starts is a node (JAR= names builds by any path)
          role = "node (pid " + proc.getName() + ")";
        } else if (cmd.startsWith("postgres")) {
          role = "PostgreSQL";
        } else if (cmd.startsWith("redis-server")) {
          role = "Redis";
        } else if (cmd.startsWith("nginx")) {
          role = "nginx";
        } else {
          role = "everything else";
        }
        byRole.merge(role, ticks, Long::sum);
      } catch (Exception gone) {
        // the process ended between the listing and the read
      }
    }
    return byRole;
  }

  static void printCpu(Map<String, Long> start, Map<String, Long> end, double seconds) {
    if (start == null || end == null || seconds <= 0) {
      return;
    }
    int cores = Runtime.getRuntime().availableProcessors();
    long total = 0;
    StringBuilder line = new StringBuilder();
    for (Map.Entry<String, Long> e : end.entrySet()) {
      long ticks = e.getValue() - start.getOrDefault(e.getKey(), 0L);
      if (ticks <= 0) {
        continue;
      }
      total += ticks;
      line.append(String.format("  %s %.2f", e.getKey(), ticks / 100.0 / seconds));
    }
    System.out.printf("CPU over the measured sending (cores busy, of %d):%s  = %.2f%n", cores, line, total / 100.0 / seconds);
  }

  /** One webhook carrying {@code per} messages (Meta batches several messages in one change). */
  static byte[] body(long first, int per, int customers) {
    StringBuilder contacts = new StringBuilder();
    StringBuilder messages = new StringBuilder();
    long ts = System.currentTimeMillis() / 1000;
    for (int k = 0; k < per; k++) {
      long i = first + k;
      String wa = String.valueOf(4917100000000L + (i % customers));
      if (k > 0) {
        contacts.append(',');
        messages.append(',');
      }
      contacts.append("{\"profile\":{\"name\":\"Scale Customer ").append(i % customers).append("\"},\"wa_id\":\"").append(wa).append("\"}");
      messages.append("{\"from\":\"").append(wa).append("\",\"id\":\"wamid.scale-").append(RUN).append('-').append(i)
          .append("\",\"timestamp\":\"").append(ts).append("\",\"type\":\"text\",\"text\":{\"body\":\"Scale message ").append(i)
          .append(": where is my order?\"}}");
    }
    String json = "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"104857600123456\",\"changes\":[{\"value\":"
        + "{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"15550100200\",\"phone_number_id\":\"" + PHONE_ID + "\"},"
        + "\"contacts\":[" + contacts + "],\"messages\":[" + messages + "]},\"field\":\"messages\"}]}]}";
    return json.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * One webhook carrying one WhatsApp photo message (the Graph media id names the photo). With
   * MEDIA_AS_TEXT set, the same customers send text instead: what the second stream of webhooks
   * costs without any media.
   */
  static byte[] photoBody(long i) {
    String wa = String.valueOf(4917200000000L + (i % 500));
    String json = "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"104857600123456\",\"changes\":[{\"value\":"
        + "{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"15550100200\",\"phone_number_id\":\"" + opt("phone", PHONE_ID) + "\"},"
        + "\"contacts\":[{\"profile\":{\"name\":\"Photo Customer " + (i % 500) + "\"},\"wa_id\":\"" + wa + "\"}],"
        + "\"messages\":[{\"from\":\"" + wa + "\",\"id\":\"wamid.scalephoto-" + RUN + "-" + i + "\",\"timestamp\":\"" + System.currentTimeMillis() / 1000
        + (System.getenv("MEDIA_AS_TEXT") != null ? "\",\"type\":\"text\",\"text\":{\"body\":\"photo " + i + "\"}}]},\"field\":\"messages\"}]}]}"
        : "\",\"type\":\"image\",\"image\":{\"mime_type\":\"image/jpeg\",\"id\":\"" + (MEDIA_ID_BASE + i) + "\"}}]},\"field\":\"messages\"}]}]}");
    return json.getBytes(StandardCharsets.UTF_8);
  }

  /** The photo behind a media id: a JPEG's markers around bytes of its own, so no two are stored as one. */
  static byte[] photo(long mediaId) {
    byte[] b = new byte[PHOTO_BYTES];
    new java.util.SplittableRandom(mediaId).nextBytes(b);
    byte[] head = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0};
    System.arraycopy(head, 0, b, 0, head.length);
    b[b.length - 2] = (byte) 0xFF;
    b[b.length - 1] = (byte) 0xD9;
    return b;
  }

  /**
   * The Graph API's media side, as the nodes meet it: {@code GET /<version>/<media-id>} answers
   * the media URL object (url, mime_type, sha256, file_size), and that URL answers the bytes to
   * a bearer token. Runs until killed.
   */
  static void graph() throws Exception {
    int port = Integer.parseInt(opt("port", "18095"));
    Vertx vertx = Vertx.vertx();
    java.util.regex.Pattern object = java.util.regex.Pattern.compile(".*/([0-9]+)$");
    vertx.createHttpServer().requestHandler(req -> {
      String path = req.path();
      boolean bearer = String.valueOf(req.getHeader("Authorization")).startsWith("Bearer ");
      var m = object.matcher(path);
      if (!bearer || !m.matches()) {
        req.response().setStatusCode(bearer ? 404 : 401).end();
        return;
      }
      long id = Long.parseLong(m.group(1));
      if (System.getenv("GRAPH_GONE") != null) {
        // GRAPH_GONE: every media id is unknown to Graph, so each fetch fails at once: what the
        // photo messages and their fetch bookkeeping cost without a download or a blob
        req.response().setStatusCode(404).putHeader("Content-Type", "application/json")
            .end("{\"error\":{\"message\":\"Unsupported get request.\",\"type\":\"GraphMethodException\",\"code\":100,\"error_subcode\":33}}");
        return;
      }
      byte[] bytes = photo(id);
      if (path.startsWith("/bytes/")) {
        req.response().putHeader("Content-Type", "image/jpeg").end(Buffer.buffer(bytes));
        return;
      }
      String sha;
      try {
        sha = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      req.response().putHeader("Content-Type", "application/json").end(new JsonObject()
          .put("messaging_product", "whatsapp").put("url", "http://127.0.0.1:" + port + "/bytes/" + id)
          .put("mime_type", "image/jpeg").put("sha256", sha).put("file_size", bytes.length).put("id", String.valueOf(id)).encode());
    }).listen(port, "127.0.0.1").await();
    System.out.println("graph stand-in on " + port);
    Thread.currentThread().join();
  }

  /** Counters of the photo sender. */
  record MediaSent(AtomicLong sent, AtomicLong acked, AtomicLong errors) {
  }

  /** Sends {@code rate} photo webhooks a second for {@code seconds}, signed as they go (50 a second cost nothing to build). */
  static MediaSent sendPhotos(Vertx vertx, HttpClient http, URI url, int rate, int seconds, String secret) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    MediaSent out = new MediaSent(new AtomicLong(), new AtomicLong(), new AtomicLong());
    long total = (long) rate * seconds;
    long t0 = System.nanoTime();
    long[] timer = new long[1];
    timer[0] = vertx.setPeriodic(5, t -> {
      long due = Math.min(total, (long) ((System.nanoTime() - t0) / 1e9 * rate));
      while (out.sent().get() < due) {
        long i = out.sent().getAndIncrement();
        byte[] body = photoBody(i);
        String sig = "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost(url.getHost()).setPort(url.getPort()).setURI("/webhooks/whatsapp")
                .putHeader("Content-Type", "application/json").putHeader("X-Hub-Signature-256", sig))
            .compose(req -> req.send(Buffer.buffer(body)))
            .compose(resp -> resp.body().map(b -> resp.statusCode()))
            .onComplete(ar -> (ar.succeeded() && ar.result() == 200 ? out.acked() : out.errors()).incrementAndGet());
      }
      if (out.sent().get() >= total) {
        vertx.cancelTimer(timer[0]);
      }
    });
    return out;
  }

  /** Photo messages alone, at --media-rate for --seconds (beside bench/ingress/compare.sh's wrk). */
  static void mediaOnly() throws Exception {
    Vertx vertx = Vertx.vertx();
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(16));
    int seconds = Integer.parseInt(opt("seconds", "10"));
    MediaSent m = sendPhotos(vertx, http, URI.create(opt("url", "http://127.0.0.1:8099")), Integer.parseInt(opt("media-rate", "50")),
        seconds, opt("secret", "test_app_secret_0123456789abcdef"));
    long total = (long) Integer.parseInt(opt("media-rate", "50")) * seconds;
    long end = System.nanoTime() + (seconds + 30) * 1_000_000_000L;
    while (m.acked().get() + m.errors().get() < total) {
      if (System.nanoTime() > end) {
        break;
      }
      Thread.sleep(100);
    }
    System.out.printf("photos: %d sent, %d acknowledged, %d errors%n", m.sent().get(), m.acked().get(), m.errors().get());
    vertx.close().await();
  }

  static void run() throws Exception {
    URI url = URI.create(opt("url", "http://127.0.0.1:8090"));
    String[] ws = opt("ws", "").isBlank() ? new String[0] : opt("ws", "").split(",");
    int rate = Integer.parseInt(opt("rate", "1000"));
    int seconds = Integer.parseInt(opt("seconds", "20"));
    // sent at the same rate first and left out of every figure: warms the node and this client's own JIT
    int warmup = Integer.parseInt(opt("warmup", "0"));
    int per = Integer.parseInt(opt("per-webhook", "1"));
    int customers = Integer.parseInt(opt("customers", "2000"));
    int connections = Integer.parseInt(opt("connections", "128"));
    int socketsPerNode = Integer.parseInt(opt("sockets", "2"));
    String secret = opt("secret", "test_app_secret_0123456789abcdef");
    String jwtSecret = opt("jwt-secret", "bench-jwt-secret-0123456789-0123456789");
    long account;
    try (Connection c = jdbc()) {
      account = scalar(c, "SELECT account_id FROM channels WHERE platform = 'whatsapp' AND external_id = '" + PHONE_ID + "'");
    }

    // every body built and signed before the clock starts
    int first = rate * warmup / per; // the first measured webhook
    int webhooks = first + rate * seconds / per;
    byte[][] bodies = new byte[webhooks][];
    String[] sigs = new String[webhooks];
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    for (int i = 0; i < webhooks; i++) {
      bodies[i] = body((long) i * per, per, customers);
      sigs[i] = "sha256=" + HexFormat.of().formatHex(mac.doFinal(bodies[i]));
    }
    System.out.printf("prepared %d webhooks x %d messages (%d bytes each), the first %d (%d s) as warm-up%n",
        webhooks, per, bodies[0].length, first, warmup);

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Integer.parseInt(opt("client-threads", "1"))));
    JWTAuth jwt = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(jwtSecret)));
    long agent;
    int version;
    try (Connection c = jdbc()) {
      agent = scalar(c, "SELECT id FROM users WHERE lower(email) = 'scale-bench-agent@example.test'");
      version = (int) scalar(c, "SELECT token_version FROM users WHERE id = " + agent);
    }
    String token = jwt.generateToken(new JsonObject().put("sub", String.valueOf(agent)).put("acc", String.valueOf(account)).put("role", "agent")
            .put("name", "bench").put("ver", version),
        new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(3600));

    // send time per webhook (ns), message index -> webhook index = i / per
    long[] sentAt = new long[webhooks];
    long[] ackedAt = new long[webhooks]; // 200 read, ns; splits the push latency into ingress and the rest
    int sockets = ws.length * socketsPerNode;
    List<long[]> latencies = new ArrayList<>(); // per socket: arrival - send, in microseconds
    AtomicLong pushed = new AtomicLong();
    AtomicLong frames = new AtomicLong(); // every frame read, of any type
    AtomicLong frameBytes = new AtomicLong();
    java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
    WebSocketClient wsc = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxMessageSize(16 << 20));
    List<AtomicLong> counts = new ArrayList<>();
    for (String hp : ws) {
      String host = hp.split(":")[0];
      int port = Integer.parseInt(hp.split(":")[1]);
      for (int s = 0; s < socketsPerNode; s++) {
        long[] lat = new long[webhooks * per];
        Arrays.fill(lat, -1);
        latencies.add(lat);
        AtomicLong count = new AtomicLong();
        counts.add(count);
        var socket = wsc.connect(port, host, "/eventbus/websocket").await();
        // At 10,000 messages/s a full JSON parse of every frame made this client the bottleneck
        // (the node then rightly dropped its sockets as too slow), so the frame is only scanned.
        io.netty.buffer.ByteBuf markerBytes = io.netty.buffer.Unpooled.copiedBuffer("\"externalId\":\"wamid.scale-" + RUN + "-", StandardCharsets.UTF_8);
        // frames, not messages: a close frame from the server is then seen (and printed) as it arrives
        socket.frameHandler(frame -> {
          if (frame.isClose()) {
            if (closing.get()) {
              return; // the server's answer to our own close at the end
            }
            System.out.println("the server sent a close frame (" + frame.closeStatusCode() + " " + frame.closeReason() + ") at "
                + System.currentTimeMillis());
            return;
          }
          if (!frame.isText() && !frame.isBinary() && !frame.isContinuation()) {
            return;
          }
          // scanned as bytes where they arrived, no String per frame: this client shares the
          // cores with the node it measures, so it should take as little of them as it can
          io.netty.buffer.ByteBuf buf = ((io.vertx.core.internal.buffer.BufferInternal) frame.binaryData()).getByteBuf();
          long now = System.nanoTime();
          frames.incrementAndGet();
          frameBytes.addAndGet(buf.readableBytes());
          if (io.netty.buffer.ByteBufUtil.indexOf(CREATED, buf) < 0) {
            return;
          }
          int at = io.netty.buffer.ByteBufUtil.indexOf(markerBytes, buf);
          if (at < 0) {
            return;
          }
          int i = 0;
          for (int k = at + markerBytes.readableBytes(); k < buf.writerIndex() && Character.isDigit(buf.getByte(k)); k++) {
            i = i * 10 + (buf.getByte(k) - '0');
          }
          lat[i] = (now - sentAt[i / per]) / 1_000;
          count.incrementAndGet();
          pushed.incrementAndGet();
        });
        // like vertx-eventbus.js: a ping every 5 s, or the bridge closes the socket after its ping timeout
        vertx.setPeriodic(5_000, t -> socket.writeTextMessage(new JsonObject().put("type", "ping").encode()));
        socket.exceptionHandler(err -> System.out.println("socket error: " + err));
        socket.closeHandler(v -> {
          if (!closing.get()) {
            System.out.println("a socket was closed (" + socket.closeStatusCode() + " " + socket.closeReason() + ") at "
                + System.currentTimeMillis() + " after " + frames.get() + " frames, " + frameBytes.get() + " bytes on all sockets");
          }
        });
        socket.writeTextMessage(new JsonObject().put("type", "register").put("address", "inbox.account." + account)
            .put("headers", new JsonObject().put("authorization", "Bearer " + token)).encode()).await();
      }
    }
    Thread.sleep(500); // registrations are not acknowledged by the bridge; give them a moment

    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setPipelining(false),
        new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
    AtomicLong acked = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicLong next = new AtomicLong();
    AtomicLong inFlight = new AtomicLong();
    AtomicLong maxBehind = new AtomicLong();
    AtomicLong maxAckWindow = new AtomicLong(); // slowest acknowledgement since the last progress line, ms
    long messagesBefore;
    long maxIdBefore;
    try (Connection c = jdbc()) {
      messagesBefore = scalar(c, "SELECT count(*) FROM messages");
      maxIdBefore = scalar(c, "SELECT coalesce(max(id), 0) FROM messages");
    }
    int mediaRate = Integer.parseInt(opt("media-rate", "0"));
    long t0 = System.nanoTime();
    MediaSent photos = mediaRate > 0 ? sendPhotos(vertx, http, url, mediaRate, warmup + seconds, secret) : null;
    long photosTotal = (long) mediaRate * (warmup + seconds);
    long[] media = {0, 0, 0};
    long mediaDoneBefore = 0;
    long mediaDoneAtEnd = 0;
    long[] timer = new long[1];
    timer[0] = vertx.setPeriodic(1, t -> {
      double elapsed = (System.nanoTime() - t0) / 1e9;
      long due = Math.min(webhooks, (long) (elapsed * rate / per));
      if (next.get() >= first) {
        maxBehind.accumulateAndGet(due - next.get(), Math::max);
      }
      while (next.get() < due && inFlight.get() < connections * 4L) {
        int i = (int) next.getAndIncrement();
        inFlight.incrementAndGet();
        sentAt[i] = System.nanoTime();
        http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost(url.getHost()).setPort(url.getPort()).setURI("/webhooks/whatsapp")
                .putHeader("Content-Type", "application/json").putHeader("X-Hub-Signature-256", sigs[i]))
            .compose(req -> req.send(Buffer.buffer(bodies[i])))
            .compose(resp -> resp.body().map(b -> resp.statusCode()))
            .onComplete(ar -> {
              inFlight.decrementAndGet();
              if (ar.succeeded() && ar.result() == 200) {
                ackedAt[i] = System.nanoTime();
                maxAckWindow.accumulateAndGet((ackedAt[i] - sentAt[i]) / 1_000_000, Math::max);
                acked.incrementAndGet();
              } else {
                errors.incrementAndGet();
              }
            });
      }
      if (next.get() >= webhooks) {
        vertx.cancelTimer(timer[0]);
      }
    });

    // progress once a second: acknowledged, stored, pushed
    long expected = (long) webhooks * per;
    long storedAtEnd = 0;
    double sendSeconds = 0;
    // the measured window starts at the first progress line after the warm-up's last webhook was sent
    double measuredFrom = first == 0 ? 0 : -1;
    Map<String, Long> cpuAtStart = first == 0 ? cpuByProcess() : null;
    Map<String, Long> cpuAtEnd = null;
    // scraped once here in any case: the JDK HTTP client's first use loads and compiles enough in this
    // process to delay its sockets' reads, which showed as the measured window's first second
    Scrape lagAtStart = scrape(ws);
    boolean lagTaken = first == 0;
    long storedBefore = 0;
    double storedAllAt = -1;
    double pushedAllAt = -1;
    try (Connection c = jdbc()) {
      long lastStored = 0;
      while (true) {
        Thread.sleep(1000);
        double el = (System.nanoTime() - t0) / 1e9;
        // max(id), not count(*): counting 600,000 rows under load took seconds per progress line
        long stored = scalar(c, "SELECT coalesce(max(id), 0) FROM messages") - maxIdBefore;
        if (photos != null) {
          // every photo message has its fetch row from the same transaction: what is left are the text messages
          media = longs(c, MEDIA_COUNTS, 3);
          stored -= media[0] + media[1] + media[2];
        }
        // the lag's first scrape 2 s before the window (a scrape costs the node a few ms and the
        // sockets' next deliveries with it): the lag's window starts a little early instead
        if (!lagTaken && next.get() >= first - 2L * rate / per) {
          lagAtStart = scrape(ws);
          lagTaken = true;
        }
        if (measuredFrom < 0 && next.get() >= first) {
          measuredFrom = el;
          storedBefore = stored;
          mediaDoneBefore = media[0];
          System.out.println("-- warm-up sent; measuring from here --");
          cpuAtStart = cpuByProcess();
        }
        System.out.printf("t=%5.1fs sent %7d acked %7d errors %5d stored %8d (+%6d/s) pushed/socket %8d (frames %8d)  slowest ack %4d ms%n",
            el, next.get(), acked.get(), errors.get(), stored, stored - lastStored, sockets == 0 ? 0 : pushed.get() / sockets,
            sockets == 0 ? 0 : frames.get() / sockets, maxAckWindow.getAndSet(0));
        if (photos != null) {
          System.out.printf("        photos sent %6d acked %6d errors %4d; fetched %6d failed %4d pending %5d%n",
              photos.sent().get(), photos.acked().get(), photos.errors().get(), media[0], media[1], media[2]);
        }
        lastStored = stored;
        if (next.get() >= webhooks && sendSeconds == 0 && inFlight.get() == 0) {
          sendSeconds = el;
          cpuAtEnd = cpuByProcess();
          storedAtEnd = stored;
          mediaDoneAtEnd = media[0];
        }
        boolean allPushed = sockets == 0 || pushed.get() >= expected * sockets;
        if (storedAllAt < 0 && stored >= expected) {
          storedAllAt = el;
        }
        if (pushedAllAt < 0 && sockets > 0 && allPushed) {
          pushedAllAt = el;
        }
        boolean mediaSettled = photos == null
            || photos.acked().get() + photos.errors().get() >= photosTotal && media[2] == 0 && media[0] + media[1] >= photos.acked().get();
        if (acked.get() + errors.get() >= webhooks && stored >= expected && allPushed && mediaSettled) {
          break;
        }
        if (el > warmup + seconds * 4 + 60) {
          System.out.println("giving up waiting for the backlog");
          break;
        }
      }
      Scrape lagAtEnd = scrape(ws);
      // the exact count at the end (ids can skip, e.g. on a rolled-back batch)
      long stored = scalar(c, "SELECT count(*) FROM messages") - messagesBefore - storedBefore
          - (photos == null ? 0 : scalar(c, "SELECT count(*) FROM media_fetches"));
      long measuredWebhooks = webhooks - first;
      double sendWindow = sendSeconds - measuredFrom;
      System.out.printf("%nmeasured: %d messages in %d webhooks at a target of %d messages/s for %d s (max %d webhooks behind schedule), after %d s of warm-up%n",
          measuredWebhooks * per, measuredWebhooks, rate, seconds, maxBehind.get(), warmup);
      System.out.printf("acknowledged %d webhooks in all, %d errors; the measured sending took %.1f s%n",
          acked.get(), errors.get(), sendWindow);
      printCpu(cpuAtStart, cpuAtEnd, sendWindow);
      printLag(lagBuckets(lagAtStart), lagBuckets(lagAtEnd));
      if (lagAtStart != null && lagAtEnd != null) {
        printCompiling(lagAtStart, lagAtEnd);
      }
      System.out.printf("stored %d messages in the measured window: %d by the end of sending%n", stored, storedAtEnd - storedBefore);
      if (storedAllAt > 0) {
        double window = storedAllAt - measuredFrom;
        System.out.printf("end to end: every message stored %.1f s after the measured window's start (%.0f messages/s stored)%n",
            window, stored / window);
      }
      if (photos != null) {
        System.out.printf("media: %d photos sent (%d/s), %d acknowledged, %d errors; %d fetched and stored, %d failed, %d pending at the end;"
                + " %.1f photos/s fetched over the measured sending%n", photos.sent().get(), mediaRate, photos.acked().get(),
            photos.errors().get(), media[0], media[1], media[2], (mediaDoneAtEnd - mediaDoneBefore) / sendWindow);
      }
      if (pushedAllAt > 0) {
        double window = pushedAllAt - measuredFrom;
        System.out.printf("end to end: every message pushed to every socket %.1f s after the window's start (%.0f messages/s pushed)%n",
            window, stored / window);
      }
    }
    long[] ack = new long[webhooks];
    int acks = 0;
    for (int i = first; i < webhooks; i++) {
      if (ackedAt[i] > 0) {
        ack[acks++] = (ackedAt[i] - sentAt[i]) / 1_000;
      }
    }
    ack = Arrays.copyOf(ack, acks);
    Arrays.sort(ack);
    if (acks > 0) {
      System.out.printf("webhook acknowledged (ingress alone): p50 %.1f ms  p99 %.1f ms  max %.1f ms%n",
          ack[acks / 2] / 1000.0, ack[(int) Math.min(acks - 1, Math.floor(acks * 0.99))] / 1000.0, ack[acks - 1] / 1000.0);
    }
    for (int s = 0; s < sockets; s++) {
      long[] lat = latencies.get(s);
      long[] got = Arrays.stream(lat, first * per, lat.length).filter(x -> x >= 0).sorted().toArray();
      if (got.length == 0) {
        System.out.printf("socket %d (%s): nothing received%n", s, ws[s / socketsPerNode]);
        continue;
      }
      System.out.printf("socket %d (%s): received %d/%d measured  push latency p50 %.1f ms  p99 %.1f ms  max %.1f ms%n",
          s, ws[s / socketsPerNode], got.length, lat.length - first * per, got[got.length / 2] / 1000.0,
          got[(int) Math.min(got.length - 1, Math.floor(got.length * 0.99))] / 1000.0, got[got.length - 1] / 1000.0);
    }
    // where the tail sits: a stall shows as one slow second, a pipeline that is slow throughout as all of them
    if (sockets > 0 && per > 0) {
      long[] lat = latencies.get(0);
      int perSecond = Math.max(1, rate / per);
      StringBuilder line = new StringBuilder("socket 0 push p99 by second of sending (ms):");
      for (int from = first; from < webhooks; from += perSecond) {
        long[] sec = Arrays.stream(lat, from * per, Math.min(webhooks, from + perSecond) * per).filter(x -> x >= 0).sorted().toArray();
        line.append(sec.length == 0 ? " -" : String.format(" %.0f", sec[(int) Math.min(sec.length - 1, Math.floor(sec.length * 0.99))] / 1000.0));
      }
      System.out.println(line);
    }
    // Closed explicitly, and so reachable to the end: Vert.x 5 shuts a client down once the object
    // is garbage (a Cleaner; ShutdownEvent, then a 30 s grace period), and an unreferenced
    // WebSocketClient here had its sockets closed (1000) half-way through the sustained run.
    closing.set(true);
    wsc.close().await();
    http.close().await();
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }
}
