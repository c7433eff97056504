import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

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
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load generator for durable webhook ingress (not a test). Closed loop: {@code --connections}
 * requests always in flight, each answered before the next on that slot. Bodies are WhatsApp
 * text webhooks, each with a unique message id, pre-built and pre-signed before the clock starts.
 *
 *   java -cp target/switchboard.jar bench/ingress/IngressBench.java throughput --url http://127.0.0.1:8099 --seconds 10
 *   java -cp target/switchboard.jar bench/ingress/IngressBench.java drain --url http://127.0.0.1:8099 --db postgresql://... --messages 30000
 *   java -cp target/switchboard.jar bench/ingress/IngressBench.java seed --db postgresql://...
 */
public class IngressBench {

  static final String PHONE_ID = "100000000000001";
  static Map<String, String> opts = new HashMap<>();

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "throughput";
    for (int i = 1; i + 1 < args.length; i += 2) {
      opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    switch (mode) {
      case "seed" -> seed();
      case "throughput" -> throughput();
      case "drain" -> drain();
      default -> throw new IllegalArgumentException("mode: seed | throughput | drain");
    }
  }

  static String opt(String k, String d) {
    return opts.getOrDefault(k, d);
  }

  // ---- bodies

  static final String RUN = UUID.randomUUID().toString().substring(0, 8);

  static byte[][] bodies(int n, int customers, String tag) {
    byte[][] out = new byte[n][];
    for (int i = 0; i < n; i++) {
      String wa = String.valueOf(4915100000000L + (i % customers));
      String json = "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"104857600123456\",\"changes\":[{\"value\":"
          + "{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"15550100200\",\"phone_number_id\":\"" + PHONE_ID + "\"},"
          + "\"contacts\":[{\"profile\":{\"name\":\"Bench Customer " + (i % customers) + "\"},\"wa_id\":\"" + wa + "\"}],"
          + "\"messages\":[{\"from\":\"" + wa + "\",\"id\":\"wamid.bench-" + RUN + "-" + tag + "-" + i + "\",\"timestamp\":\""
          + (System.currentTimeMillis() / 1000) + "\",\"type\":\"text\",\"text\":{\"body\":\"Hello, this is benchmark message number " + i
          + " asking about order #" + (1000 + i % 9000) + ". Is it shipped yet?\"}}]},\"field\":\"messages\"}]}]}";
      out[i] = json.getBytes(StandardCharsets.UTF_8);
    }
    return out;
  }

  static String[] sign(byte[][] bodies, String secret) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    String[] out = new String[bodies.length];
    for (int i = 0; i < bodies.length; i++) {
      out[i] = "sha256=" + HexFormat.of().formatHex(mac.doFinal(bodies[i]));
    }
    return out;
  }

  // ---- closed-loop driver

  record Result(long requests, long errors, double seconds, long[] latenciesNs) {
    double rate() {
      return requests / seconds;
    }

    double p(double q) {
      if (latenciesNs.length == 0) {
        return 0;
      }
      return latenciesNs[Math.min(latenciesNs.length - 1, (int) Math.ceil(q * latenciesNs.length) - 1)] / 1e6;
    }

    String line(String what) {
      return String.format("%-9s %9.0f req/s  requests %8d  errors %5d  p50 %6.2f ms  p99 %6.2f ms  max %7.2f ms",
          what, rate(), requests, errors, p(0.50), p(0.99), p(1.0));
    }
  }

  /** Runs {@code connections} loops for {@code seconds} (or until {@code limit} requests). */
  static Result run(Vertx vertx, URI base, int connections, double seconds, int limit, String path, byte[][] bodies, String[] sigs) {
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
        new PoolOptions().setHttp1MaxSize(connections));
    AtomicInteger next = new AtomicInteger();
    AtomicLong errors = new AtomicLong();
    long[] lat = new long[Math.max(limit, 1)];
    AtomicInteger done = new AtomicInteger();
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    Promise<Void> finished = Promise.promise();
    AtomicInteger live = new AtomicInteger(connections);
    for (int c = 0; c < connections; c++) {
      loop(client, base, path, bodies, sigs, next, limit, end, lat, done, errors, () -> {
        if (live.decrementAndGet() == 0) {
          finished.complete();
        }
      });
    }
    finished.future().await();
    double took = (System.nanoTime() - start) / 1e9;
    client.close().await();
    int n = Math.min(done.get(), lat.length);
    long[] l = Arrays.copyOf(lat, n);
    Arrays.sort(l);
    return new Result(n, errors.get(), took, l);
  }

  static void loop(HttpClient client, URI base, String path, byte[][] bodies, String[] sigs, AtomicInteger next, int limit,
                   long end, long[] lat, AtomicInteger done, AtomicLong errors, Runnable exit) {
    int i = next.getAndIncrement();
    if (i >= limit || System.nanoTime() >= end) {
      exit.run();
      return;
    }
    long t0 = System.nanoTime();
    RequestOptions ro = new RequestOptions().setHost(base.getHost()).setPort(base.getPort()).setURI(path)
        .setMethod(bodies == null ? HttpMethod.GET : HttpMethod.POST);
    Future<Integer> f = client.request(ro).compose(req -> {
      if (bodies == null) {
        return req.send();
      }
      req.putHeader("Content-Type", "application/json").putHeader("X-Hub-Signature-256", sigs[i]);
      return req.send(Buffer.buffer(bodies[i]));
    }).compose(res -> res.body().map(b -> res.statusCode()));
    f.onComplete(ar -> {
      int slot = done.getAndIncrement();
      if (slot < lat.length) {
        lat[slot] = System.nanoTime() - t0;
      }
      if (ar.failed() || ar.result() != 200) {
        errors.incrementAndGet();
      }
      loop(client, base, path, bodies, sigs, next, limit, end, lat, done, errors, exit);
    });
  }

  static Vertx vertx() {
    return Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Integer.parseInt(opt("client-threads", "1"))).setPreferNativeTransport(true));
  }

  static void throughput() throws Exception {
    URI base = URI.create(opt("url", "http://127.0.0.1:8099"));
    int connections = Integer.parseInt(opt("connections", "64"));
    double seconds = Double.parseDouble(opt("seconds", "10"));
    int max = Integer.parseInt(opt("max", "600000"));
    System.out.printf("building and signing %d unique webhook bodies...%n", max);
    byte[][] bodies = bodies(max, 3000, "t");
    String[] sigs = sign(bodies, opt("secret", "test_app_secret_0123456789abcdef"));
    System.out.printf("body size %d bytes; %d connections; %.0f s per run%n", bodies[0].length, connections, seconds);
    Vertx vertx = vertx();
    try {
      run(vertx, base, connections, Math.min(2, seconds), max, "/health", null, null); // warm-up
      run(vertx, base, connections, Math.min(2, seconds), 20_000, "/webhooks/whatsapp", bodies(20_000, 3000, "w"),
          sign(bodies(20_000, 3000, "w"), opt("secret", "test_app_secret_0123456789abcdef")));
      Result health = run(vertx, base, connections, seconds, max, "/health", null, null);
      System.out.println(health.line("/health"));
      Result hooks = run(vertx, base, connections, seconds, max, "/webhooks/whatsapp", bodies, sigs);
      System.out.println(hooks.line("webhooks"));
      System.out.printf("ratio webhooks / health = %.3f%n", hooks.rate() / health.rate());
    } finally {
      vertx.close().await();
    }
  }

  // ---- database

  static Connection jdbc() throws Exception {
    URI u = URI.create(opt("db", "postgresql://switchboard:switchboard@127.0.0.1:5432/switchboard_bench"));
    String[] user = u.getUserInfo().split(":", 2);
    return DriverManager.getConnection("jdbc:postgresql://" + u.getHost() + ":" + (u.getPort() < 0 ? 5432 : u.getPort()) + u.getPath(),
        user[0], user.length > 1 ? user[1] : null);
  }

  static long scalar(Connection c, String sql) throws Exception {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static void seed() throws Exception {
    try (Connection c = jdbc(); Statement st = c.createStatement()) {
      if (scalar(c, "SELECT count(*) FROM channels WHERE platform = 'whatsapp' AND external_id = '" + PHONE_ID + "'") == 0) {
        st.execute("INSERT INTO accounts (name) VALUES ('Bench')");
        st.execute("INSERT INTO channels (account_id, platform, name, external_id, access_token) "
            + "SELECT max(id), 'whatsapp', 'Bench WhatsApp', '" + PHONE_ID + "', 'token' FROM accounts");
      }
      System.out.println("channel whatsapp/" + PHONE_ID + " ready");
    }
  }

  static void drain() throws Exception {
    URI base = URI.create(opt("url", "http://127.0.0.1:8099"));
    int n = Integer.parseInt(opt("messages", "30000"));
    int connections = Integer.parseInt(opt("connections", "64"));
    byte[][] bodies = bodies(n, 3000, "d");
    String[] sigs = sign(bodies, opt("secret", "test_app_secret_0123456789abcdef"));
    Vertx vertx = vertx();
    try (Connection c = jdbc()) {
      long before = scalar(c, "SELECT count(*) FROM messages");
      Result burst = run(vertx, base, connections, 3600, n, "/webhooks/whatsapp", bodies, sigs);
      long burstEnd = System.nanoTime();
      System.out.println(burst.line("burst"));
      long pendingAtEnd = scalar(c, "SELECT count(*) FROM raw_events WHERE status = 'pending'");
      while (scalar(c, "SELECT count(*) FROM raw_events WHERE status = 'pending'") > 0) {
        Thread.sleep(20);
      }
      double drain = (System.nanoTime() - burstEnd) / 1e9;
      long stored = scalar(c, "SELECT count(*) FROM messages") - before;
      System.out.printf("pending at end of burst %d; drained %.2f s after the burst ended; %d new messages (expected %d)%n",
          pendingAtEnd, drain, stored, n);
    } finally {
      vertx.close().await();
    }
  }
}
