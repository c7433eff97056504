import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a node's CPU went, from a JFR recording's execution samples (not a unit test).
 * Prints the share of samples per part of the code (a sample counts for a part when one of its
 * frames is in that part; a sample can count for several), then the hottest methods, self and
 * inclusive. `jfr print` crashed on these recordings (a frame it could not format), so this
 * reads them with the jdk.jfr.consumer API instead.
 *
 *   java bench/profile/JfrTop.java node1.jfr [top N]
 */
public class JfrTop {

  // a sample counts once for every part one of its frames falls in (so the shares overlap)
  static final Map<String, String> PARTS = new LinkedHashMap<>();
  static {
    PARTS.put("webhook ingress (HTTP, signature, group commit)", "dev.switchboard.ingress.WebhookRoutes|dev.switchboard.ingress.GroupCommit");
    PARTS.put("processor (claim, store, hooks)", "dev.switchboard.ingress.ProcessorVerticle|dev.switchboard.conversation.InboundStore");
    PARTS.put("event log appends (Redis)", "dev.switchboard.store.EventLog");
    PARTS.put("fan-out and bridge (XREAD, LiveHub, sockets)", "dev.switchboard.inbox.live");
    PARTS.put("window timers", "dev.switchboard.window");
    PARTS.put("PostgreSQL client", "io.vertx.pgclient|io.vertx.sqlclient");
    PARTS.put("Redis client", "io.vertx.redis");
    PARTS.put("HTTP server (Vert.x)", "io.vertx.core.http.impl");
    PARTS.put("JSON (Jackson)", "com.fasterxml.jackson|io.vertx.core.json");
    PARTS.put("metrics (Micrometer)", "io.micrometer");
  }

  public static void main(String[] args) throws Exception {
    int top = args.length > 1 ? Integer.parseInt(args[1]) : 25;
    Map<String, Integer> self = new HashMap<>();
    Map<String, Integer> inclusive = new HashMap<>();
    Map<String, Integer> parts = new LinkedHashMap<>();
    Map<String, Integer> threads = new HashMap<>();
    int samples = 0;
    try (RecordingFile file = new RecordingFile(Path.of(args[0]))) {
      while (file.hasMoreEvents()) {
        RecordedEvent e = file.readEvent();
        if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null) {
          continue;
        }
        samples++;
        var frames = e.getStackTrace().getFrames();
        threads.merge(e.getThread("sampledThread") == null ? "?" : e.getThread("sampledThread").getJavaName().replaceAll("\\d+", "N"), 1, Integer::sum);
        if (!frames.isEmpty()) {
          self.merge(name(frames.get(0)), 1, Integer::sum);
        }
        Set<String> seen = new HashSet<>();
        Set<String> partsSeen = new HashSet<>();
        for (RecordedFrame f : frames) {
          String n = name(f);
          if (seen.add(n)) {
            inclusive.merge(n, 1, Integer::sum);
          }
          for (Map.Entry<String, String> p : PARTS.entrySet()) {
            for (String prefix : p.getValue().split("\\|")) {
              if (n.startsWith(prefix) && partsSeen.add(p.getKey())) {
                parts.merge(p.getKey(), 1, Integer::sum);
              }
            }
          }
        }
      }
    }
    System.out.printf("%d execution samples%n%n-- threads%n", samples);
    print(threads, samples, top);
    System.out.printf("%n-- parts of the code (inclusive; a sample may count for several)%n");
    print(parts, samples, top);
    System.out.printf("%n-- hottest methods, self%n");
    print(self, samples, top);
    System.out.printf("%n-- hottest methods, inclusive%n");
    print(inclusive, samples, top * 2);
  }

  static String name(RecordedFrame f) {
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }

  static void print(Map<String, Integer> counts, int samples, int limit) {
    counts.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(limit)
        .forEach(x -> System.out.printf("%5.1f%%  %s%n", x.getValue() * 100.0 / samples, x.getKey()));
  }
}
