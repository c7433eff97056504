import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The inbox benchmark client (JDK only: {@code java Bench.java ...}). Sequential requests, one at a
 * time, against a running node: p50/p95/max per query kind, then one large export while the
 * node's RSS is sampled from /proc.
 *
 * Usage: java Bench.java BASE_URL EMAIL PASSWORD SAMPLES_DIR NODE_PID [REQUESTS]
 */
public class Bench {

  static final HttpClient HTTP = HttpClient.newHttpClient();
  static String base;
  static String token;

  public static void main(String[] args) throws Exception {
    base = args[0];
    String email = args[1];
    String password = args[2];
    Path samples = Path.of(args[3]);
    long pid = Long.parseLong(args[4]);
    int n = args.length > 5 ? Integer.parseInt(args[5]) : 200;
    token = login(email, password);

    Map<String, String> ids = new LinkedHashMap<>();
    for (String line : Files.readAllLines(samples.resolve("ids.txt"))) {
      String[] kv = line.split("=", 2);
      ids.put(kv[0], kv[1]);
    }
    List<String> phones = Files.readAllLines(samples.resolve("phones.txt"));
    List<String> names = Files.readAllLines(samples.resolve("names.txt"));
    List<String> userIds = Files.readAllLines(samples.resolve("userids.txt"));
    Random rnd = new Random(42);

    System.out.println("| query | requests | p50 ms | p95 ms | max ms | items (last) |");
    System.out.println("|---|---:|---:|---:|---:|---:|");
    String list = "/api/v1/conversations?limit=50";
    for (String tab : List.of("all", "open", "assigned", "closed")) {
      run("list status=" + tab, n, i -> list + "&status=" + tab);
    }
    for (String p : List.of("whatsapp", "messenger", "instagram")) {
      run("list platform=" + p, n, i -> list + "&platform=" + p);
    }
    run("list channelId (WhatsApp)", n, i -> list + "&channelId=" + ids.get("channel"));
    run("list assigneeId", n, i -> list + "&assigneeId=" + ids.get("agent"));
    run("list teamId", n, i -> list + "&teamId=" + ids.get("team"));
    run("list label=vip (5%)", n, i -> list + "&label=vip");
    run("list label=rare (0.1%)", n, i -> list + "&label=rare");
    run("list status=open&platform=messenger&label=vip", n, i -> list + "&status=open&platform=messenger&label=vip");
    run("list status=assigned&teamId", n, i -> list + "&status=assigned&teamId=" + ids.get("team"));
    String deep = cursorAfter(list + "&status=closed", 20);
    run("list status=closed, page 21 (cursor)", n, i -> list + "&status=closed&cursor=" + deep);
    // the work queue (V47): needs a reply first by deadline, then the rest by activity
    for (String tab : List.of("all", "open", "assigned")) {
      run("list sort=window status=" + tab, n, i -> list + "&sort=window&status=" + tab);
    }
    run("list sort=window&expiringWithin=PT1H", n, i -> list + "&sort=window&expiringWithin=PT1H");
    run("list sort=window&status=open&expiringWithin=PT4H", n, i -> list + "&sort=window&status=open&expiringWithin=PT4H");
    run("list sort=window&platform=messenger", n, i -> list + "&sort=window&platform=messenger");
    run("list sort=window&label=vip", n, i -> list + "&sort=window&label=vip");
    run("list sort=window&assigneeId", n, i -> list + "&sort=window&assigneeId=" + ids.get("agent"));
    String deepWindow = cursorAfter(list + "&sort=window&status=open", 20);
    run("list sort=window&status=open, page 21 (cursor)", n, i -> list + "&sort=window&status=open&cursor=" + deepWindow);
    run("list status=snoozed", n, i -> list + "&status=snoozed");
    run("tab counts expiringWithin=PT1H", n, i -> "/api/v1/conversations/counts?expiringWithin=PT1H");
    // each answer is four capped counts (open, assigned, closed, snoozed) run side by side
    run("tab counts (all filters off)", n, i -> "/api/v1/conversations/counts");
    for (String p : new String[] {"whatsapp", "messenger", "instagram"}) {
      run("tab counts platform=" + p, n, i -> "/api/v1/conversations/counts?platform=" + p);
    }
    run("tab counts label=vip", n, i -> "/api/v1/conversations/counts?label=vip");
    run("tab counts platform=messenger&label=vip", n, i -> "/api/v1/conversations/counts?platform=messenger&label=vip");

    run("search phone (+55 11 9xxxx-xxxx formatting)", n, i -> search(formatPhone(phones.get(rnd.nextInt(phones.size())))));
    run("search phone (digits)", n, i -> search(phones.get(rnd.nextInt(phones.size()))));
    run("search name (surname fragment, accents folded)", n, i -> search(names.get(rnd.nextInt(names.size()))));
    run("search platform user id (PSID/IGSID)", n, i -> search(userIds.get(rnd.nextInt(userIds.size()))));
    // fewer than three letters in a row: no trigram, so the newest SEARCH_SHORT_WINDOW conversations are searched
    String[] shortQueries = {"jo", "ma", "zq", "é", "a.", "xu", "li", "%"};
    run("search name, two letters or fewer (no trigram)", n, i -> search(shortQueries[i % shortQueries.length]));

    export(pid, ids.get("exportStatus"));
  }

  interface Path2 {
    String at(int i);
  }

  static void run(String name, int n, Path2 path) throws Exception {
    for (int i = 0; i < Math.min(20, n); i++) {
      get(path.at(i));
    }
    long[] ns = new long[n];
    int items = -1;
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      String body = get(path.at(i));
      ns[i] = System.nanoTime() - t0;
      items = count(body);
    }
    Arrays.sort(ns);
    System.out.printf("| %s | %d | %.1f | %.1f | %.1f | %d |%n", name, n, ms(ns[n / 2]), ms(ns[(int) Math.ceil(n * 0.95) - 1]), ms(ns[n - 1]), items);
  }

  static void export(long pid, String status) throws Exception {
    long rssBefore = rss(pid);
    long[] peak = {rssBefore};
    Thread sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          peak[0] = Math.max(peak[0], rss(pid));
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        } catch (IOException e) {
          return;
        }
      }
    });
    sampler.start();
    long t0 = System.nanoTime();
    HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/api/v1/conversations/export"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"status\":\"" + status + "\"}")).build();
    HttpResponse<InputStream> resp = HTTP.send(req, HttpResponse.BodyHandlers.ofInputStream());
    long bytes = 0;
    long lines = 0;
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = resp.body()) {
      int r;
      while ((r = in.read(buf)) > 0) {
        bytes += r;
        for (int i = 0; i < r; i++) {
          if (buf[i] == '\n') {
            lines++;
          }
        }
      }
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    sampler.interrupt();
    sampler.join();
    System.out.println();
    System.out.printf("export status=%s: HTTP %d, %d lines (~%d messages incl. multi-line texts), %.1f MB in %.1f s; node RSS before %d MB, peak during export %d MB%n",
        status, resp.statusCode(), lines, lines - 1, bytes / 1e6, secs, rssBefore / 1024 / 1024, peak[0] / 1024 / 1024);
  }

  static long rss(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
      }
    }
    return -1;
  }

  static String cursorAfter(String path, int pages) throws Exception {
    String cursor = null;
    for (int i = 0; i < pages; i++) {
      String body = get(path + (cursor == null ? "" : "&cursor=" + cursor));
      Matcher m = Pattern.compile("\"nextCursor\":\"([^\"]+)\"").matcher(body);
      if (!m.find()) {
        break;
      }
      cursor = m.group(1);
    }
    return cursor;
  }

  static String search(String q) {
    return "/api/v1/search?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8);
  }

  static String formatPhone(String digits) {
    // 5511900001234 -> +55 (11) 90000-1234
    return "+" + digits.substring(0, 2) + " (" + digits.substring(2, 4) + ") " + digits.substring(4, 9) + "-" + digits.substring(9);
  }

  static int count(String body) {
    int c = 0;
    int i = 0;
    while ((i = body.indexOf("\"contact\":{", i)) >= 0) {
      c++;
      i++;
    }
    return c;
  }

  static double ms(long nanos) {
    return nanos / 1e6;
  }

  static String get(String path) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token).GET().build();
    HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(path + " answered " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }

  static String login(String email, String password) throws Exception {
    String body = "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}";
    HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/api/v1/auth/login"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    String r = HTTP.send(req, HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = Pattern.compile("\"token\":\"([^\"]+)\"").matcher(r);
    if (!m.find()) {
      throw new IllegalStateException("login failed: " + r);
    }
    return m.group(1);
  }
}
