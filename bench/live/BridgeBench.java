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
    // The appender has a Vert.x of its own, so 10,000 busy sockets never delay an append.
    Vertx appender = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    EventLog log = new EventLog(new RedisStore(appender, redisUrl, prefix), 1_000_000, 100_000);
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxConnections(connections + 100).setConnectTimeout(30_000));

    // Per socket: the last probe it saw, and arrival bookkeeping for the measured phases.
    String[] seenMarker = new String[connections];
    AtomicInteger phaseArrivals = new AtomicInteger();
    ConcurrentHashMap<String, Long> phaseStart = new ConcurrentHashMap<>();
    long[] arrivalNanos = new long[connections];
    List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
    // The same path measured from Redis's clock at append (the event id's milliseconds), so
    // time the appender spends queueing its own EVALs is not counted.
    List<Long> fromRedis = java.util.Collections.synchronizedList(new ArrayList<>());
    List<WebSocket> sockets = java.util.Collections.synchronizedList(new ArrayList<>());

    String serverPid = System.getenv("SERVER_PID");
    long baseline = serverPid == null ? 0 : heapUsedAfterGc(serverPid);
    // Keep every socket alive past the bridge's ping timeout, from the moment it opens.
    vertx.setPeriodic(10_000, t -> {
      for (WebSocket ws : sockets.toArray(new WebSocket[0])) {
        ws.writeTextMessage("{\"type\":\"ping\"}");
      }
    });
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
              String id = f.getJsonObject("body").getString("id");
              fromRedis.add((System.currentTimeMillis() - Long.parseLong(id.substring(0, id.indexOf('-')))) * 1_000_000L);
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
      // Each probe round is 'connections' deliveries: leave the node room to register the rest.
      Thread.sleep(5_000);
    }

    if (rate <= 0) {
      // Fan-out: one event per account, reaching every socket of that account.
      if (serverPid != null) {
        long loaded = heapUsedAfterGc(serverPid);
        System.out.printf("server heap after GC: %d KiB idle, %d KiB with %d registered sockets: %.1f KiB per socket%n",
            baseline / 1024, loaded / 1024, opened.get(), (loaded - baseline) / 1024.0 / opened.get());
      }
      long cpuBefore = serverPid == null ? 0 : cpuMillis(serverPid);
      Arrays.fill(arrivalNanos, 0);
      phaseArrivals.set(0);
      latencies.clear();
      fromRedis.clear();
      long start = System.nanoTime();
      List<Future<JsonObject>> appends = new ArrayList<>();
      for (long a = 1; a <= accounts; a++) {
        appends.add(log.append(a, "bench.fanout", null, new JsonObject().put("phase", "fanout").put("t", System.nanoTime())));
      }
      Future.join(new ArrayList<>(appends)).await();
      long appended = System.nanoTime();
      long end = System.nanoTime() + 30_000_000_000L;
      while (phaseArrivals.get() < opened.get() && System.nanoTime() < end) {
        // (polling the counter; the sockets' own threads record the arrivals)
        Thread.sleep(5);
      }
      long last = Arrays.stream(arrivalNanos).max().orElse(0);
      System.out.printf("fan-out: %d/%d sockets got their account's event; appends took %.1f ms; last arrival %.1f ms after the first append%n",
          phaseArrivals.get(), opened.get(), (appended - start) / 1e6, (last - start) / 1e6);
      if (serverPid != null) {
        System.out.printf("node CPU time during the fan-out phase: %d ms%n", cpuMillis(serverPid) - cpuBefore);
      }
      report("fan-out append call->client", latencies);
      report("fan-out Redis append->client", fromRedis);
    } else {
      // Rate: RATE events per second spread over the accounts, for SECONDS seconds.
      long cpuBefore = serverPid == null ? 0 : cpuMillis(serverPid);
      long wallBefore = System.nanoTime();
      latencies.clear();
      fromRedis.clear();
      phaseArrivals.set(0);
      AtomicLong sent = new AtomicLong();
      long periodMs = 10;
      int perTick = Math.max(1, rate / 100);
      long stopAt = System.nanoTime() + seconds * 1_000_000_000L;
      long timer = appender.setPeriodic(periodMs, t -> {
        if (System.nanoTime() > stopAt) {
          return;
        }
        for (int i = 0; i < perTick; i++) {
          long n = sent.getAndIncrement();
          log.append((n % accounts) + 1, "bench.rate", null, new JsonObject().put("phase", "rate").put("t", System.nanoTime()));
        }
      });
      Thread.sleep(seconds * 1000L + 3_000);
      appender.cancelTimer(timer);
      long perEvent = Math.max(1, connections / accounts);
      System.out.printf("rate: %d events appended at %d/s for %d s; %d deliveries (expected %d)%n",
          sent.get(), rate, seconds, phaseArrivals.get(), sent.get() * perEvent);
      if (serverPid != null) {
        System.out.printf("node CPU: %d ms over %.1f s of wall time%n", cpuMillis(serverPid) - cpuBefore, (System.nanoTime() - wallBefore) / 1e9);
      }
      report("rate append call->client", latencies);
      report("rate Redis append->client", fromRedis);
    }
    sockets.forEach(WebSocket::close);
    // Closed here, so reachable until now: Vert.x 5 shuts down a client that became garbage
    // (a Cleaner), and with it every socket it opened (see bench/scale/ScaleBench.java).
    client.close().await();
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

  // utime + stime of the node process from /proc (clock ticks of 10 ms).
  static long cpuMillis(String pid) throws Exception {
    String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", pid, "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
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
