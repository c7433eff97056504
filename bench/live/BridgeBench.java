import dev.switchboard.store.EventLog;
import dev.switchboard.store.RedisStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Live-push benchmark client (not a unit test). Opens N raw SockJS WebSockets to a running node,
 * registers them to A accounts with signed tokens, then
 *  - fan-out: appends one event per account to the Redis log and measures how long until every
 *    socket has its account's event (append -> browser, the whole node path);
 *  - rate: appends RATE events/s for SECONDS seconds and reports append-to-client latency.
 * Run with: java -cp target/switchboard.jar bench/live/BridgeBench.java (see bench/live/README.md).
 */
public class BridgeBench {

  static String env(String k, String d) {
    String v = System.getenv(k);
    return v == null || v.isBlank() ? d : v;
  }

  public static void main(String[] args) throws Exception {
    String host = env("HOST", "127.0.0.1");
    int port = Integer.parseInt(env("PORT", "18080"));
    int connections = Integer.parseInt(env("CONNECTIONS", "10000"));
    int accounts = Integer.parseInt(env("ACCOUNTS", "100"));
    int rate = Integer.parseInt(env("RATE", "0"));
    int seconds = Integer.parseInt(env("SECONDS", "10"));
    String secret = env("JWT_SECRET", "bench-jwt-secret-0123456789-0123456789");
    String redisUrl = env("REDIS_URL", "redis://127.0.0.1:6379");
    String prefix = env("REDIS_PREFIX", "bench:");

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    JWTAuth jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
    EventLog log = new EventLog(new RedisStore(vertx, redisUrl, prefix), 1_000_000, 100_000);
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxConnections(connections + 100).setConnectTimeout(30_000));

    // Per socket: the last probe it saw, and arrival bookkeeping for the measured phases.
    String[] seenMarker = new String[connections];
    AtomicInteger phaseArrivals = new AtomicInteger();
    ConcurrentHashMap<String, Long> phaseStart = new ConcurrentHashMap<>();
    long[] arrivalNanos = new long[connections];
    List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
    List<WebSocket> sockets = java.util.Collections.synchronizedList(new ArrayList<>());

    String serverPid = System.getenv("SERVER_PID");
    long baseline = serverPid == null ? 0 : heapUsedAfterGc(serverPid);
    long t0 = System.nanoTime();
    AtomicInteger opened = new AtomicInteger();
    int inFlight = 200;
    for (int start = 0; start < connections; start += inFlight) {
      List<Future<WebSocket>> batch = new ArrayList<>();
      for (int i = start; i < Math.min(connections, start + inFlight); i++) {
        int idx = i;
        long account = (i % accounts) + 1;
        String token = jwt.generateToken(new JsonObject().put("sub", String.valueOf(idx + 1)).put("acc", String.valueOf(account))
            .put("role", "agent").put("name", "bench"), new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(3600));
        batch.add(client.connect(port, host, "/eventbus/websocket").onSuccess(ws -> {
          ws.handler(buf -> {
            JsonObject f = new JsonObject(buf);
            if (!"rec".equals(f.getString("type"))) {
              System.err.println("socket " + idx + ": " + f.encode());
              return;
            }
            JsonObject data = f.getJsonObject("body").getJsonObject("data");
            String marker = data.getString("marker");
            if (marker != null) {
              seenMarker[idx] = marker;
            }
            if (data.containsKey("phase")) {
              long now = System.nanoTime();
              arrivalNanos[idx] = now;
              phaseArrivals.incrementAndGet();
              latencies.add(now - data.getLong("t"));
            }
          });
          ws.writeTextMessage(new JsonObject().put("type", "register").put("address", "inbox.account." + account)
              .put("headers", new JsonObject().put("authorization", "Bearer " + token)).encode());
          sockets.add(ws);
          opened.incrementAndGet();
        }));
      }
      Future.join(new ArrayList<>(batch)).await();
    }
    System.out.printf("opened %d/%d sockets in %.1f s%n", opened.get(), connections, (System.nanoTime() - t0) / 1e9);
    // Keep them alive past the bridge's ping timeout.
    vertx.setPeriodic(10_000, t -> {
      for (WebSocket ws : sockets.toArray(new WebSocket[0])) {
        ws.writeTextMessage("{\"type\":\"ping\"}");
      }
    });

    // Wait until every socket is registered: probe each account until all sockets saw a probe.
    String marker = "ready-" + System.nanoTime();
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (true) {
      int ready = 0;
      for (String m : seenMarker) {
        if (marker.equals(m)) {
          ready++;
        }
      }
      if (ready == opened.get()) {
        System.out.printf("all %d sockets registered after %.1f s%n", ready, (System.nanoTime() - t0) / 1e9);
        break;
      }
      if (System.nanoTime() > deadline) {
        System.out.printf("only %d/%d sockets registered; continuing%n", ready, opened.get());
        break;
      }
      List<Future<JsonObject>> probes = new ArrayList<>();
      for (long a = 1; a <= accounts; a++) {
        probes.add(log.append(a, "bench.probe", null, new JsonObject().put("marker", marker)));
      }
      Future.join(new ArrayList<>(probes)).await();
      Thread.sleep(1_000);
    }

    if (rate <= 0) {
      // Fan-out: one event per account, reaching every socket of that account.
      if (serverPid != null) {
        long loaded = heapUsedAfterGc(serverPid);
        System.out.printf("server heap after GC: %d KiB idle, %d KiB with %d registered sockets: %.1f KiB per socket%n",
            baseline / 1024, loaded / 1024, opened.get(), (loaded - baseline) / 1024.0 / opened.get());
      }
      Arrays.fill(arrivalNanos, 0);
      phaseArrivals.set(0);
      latencies.clear();
      long start = System.nanoTime();
      List<Future<JsonObject>> appends = new ArrayList<>();
      for (long a = 1; a <= accounts; a++) {
        appends.add(log.append(a, "bench.fanout", null, new JsonObject().put("phase", "fanout").put("t", System.nanoTime())));
      }
      Future.join(new ArrayList<>(appends)).await();
      long appended = System.nanoTime();
      long end = System.nanoTime() + 30_000_000_000L;
      while (phaseArrivals.get() < opened.get() && System.nanoTime() < end) {
        Thread.sleep(5);
      }
      long last = Arrays.stream(arrivalNanos).max().orElse(0);
      System.out.printf("fan-out: %d/%d sockets got their account's event; appends took %.1f ms; last arrival %.1f ms after the first append%n",
          phaseArrivals.get(), opened.get(), (appended - start) / 1e6, (last - start) / 1e6);
      report("fan-out append->client", latencies);
    } else {
      // Rate: RATE events per second spread over the accounts, for SECONDS seconds.
      latencies.clear();
      phaseArrivals.set(0);
      AtomicLong sent = new AtomicLong();
      long periodMs = 10;
      int perTick = Math.max(1, rate / 100);
      long stopAt = System.nanoTime() + seconds * 1_000_000_000L;
      long timer = vertx.setPeriodic(periodMs, t -> {
        if (System.nanoTime() > stopAt) {
          return;
        }
        for (int i = 0; i < perTick; i++) {
          long n = sent.getAndIncrement();
          log.append((n % accounts) + 1, "bench.rate", null, new JsonObject().put("phase", "rate").put("t", System.nanoTime()));
        }
      });
      Thread.sleep(seconds * 1000L + 3_000);
      vertx.cancelTimer(timer);
      long perEvent = Math.max(1, connections / accounts);
      System.out.printf("rate: %d events appended at %d/s for %d s; %d deliveries (expected %d)%n",
          sent.get(), rate, seconds, phaseArrivals.get(), sent.get() * perEvent);
      report("rate append->client", latencies);
    }
    sockets.forEach(WebSocket::close);
    vertx.close().await();
    System.exit(0);
  }

  // jcmd <pid> GC.run, then the "used" figure of GC.heap_info (G1: "garbage-first heap total X, used YK").
  static long heapUsedAfterGc(String pid) throws Exception {
    new ProcessBuilder("jcmd", pid, "GC.run").redirectErrorStream(true).start().waitFor();
    Process p = new ProcessBuilder("jcmd", pid, "GC.heap_info").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(out);
    if (!m.find()) {
      throw new IllegalStateException("cannot read heap from jcmd: " + out);
    }
    return Long.parseLong(m.group(1)) * 1024;
  }

  static void report(String what, List<Long> nanos) {
    long[] v;
    synchronized (nanos) {
      v = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
    }
    if (v.length == 0) {
      System.out.println(what + ": no samples");
      return;
    }
    System.out.printf("%s latency over %d deliveries: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", what, v.length,
        v[v.length / 2] / 1e6, v[(int) Math.min(v.length - 1, Math.ceil(v.length * 0.99) - 1)] / 1e6, v[v.length - 1] / 1e6);
  }
}
