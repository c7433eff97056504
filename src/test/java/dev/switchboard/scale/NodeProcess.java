package dev.switchboard.scale;

import dev.switchboard.support.Await;
import dev.switchboard.support.Fixtures;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A node as an operating-system process ({@code java -cp <test class path> dev.switchboard.app.Main},
 * configured by environment variables like production), so a test can SIGKILL or SIGTERM it.
 * The class path of the running tests is used because {@code mvn verify} runs tests before the
 * jar is packaged.
 */
public final class NodeProcess implements AutoCloseable {

  final String name;
  public final int port;
  public final Process process;
  final Path log;

  private NodeProcess(String name, int port, Process process, Path log) {
    this.name = name;
    this.port = port;
    this.process = process;
    this.log = log;
  }

  /** Starts a node on a free port; {@link #awaitReady} waits for it to answer. */
  static NodeProcess start(String name, TestDb db, String redisUrl, String redisPrefix, Map<String, String> extra) {
    int port = TestNode.freePort();
    Map<String, String> env = new java.util.HashMap<>(Map.of(
        "HTTP_PORT", String.valueOf(port),
        "DATABASE_URL", db.url(),
        "REDIS_URL", redisUrl,
        "REDIS_PREFIX", redisPrefix,
        "JWT_SECRET", TestNode.JWT_SECRET,
        "META_APP_SECRET", Fixtures.APP_SECRET,
        "META_VERIFY_TOKEN", TestNode.VERIFY_TOKEN,
        "NODE_ID", name,
        "HTTP_INSTANCES", "1",
        "METRICS_TOKEN", TestNode.METRICS_TOKEN));
    env.putAll(extra);
    return launch(name, port, List.of(), env, null, System.getProperty("java.class.path"));
  }

  /**
   * Starts {@code java -cp classPath dev.switchboard.app.Main args...} in {@code workDir} (null: this
   * one) with the test JVM's environment plus {@code env}, where an empty value removes the variable.
   * SIGINT is reset to its default for the child (a test runner started in the background ignores
   * it, and children inherit that), so a test can press "Ctrl+C".
   */
  public static NodeProcess launch(String name, int port, List<String> args, Map<String, String> env, Path workDir,
                                   String classPath) {
    List<String> cmd = new ArrayList<>();
    if (Files.isExecutable(Path.of("/usr/bin/env")) && envResetsSignals()) {
      cmd.addAll(List.of("/usr/bin/env", "--default-signal=INT"));
    }
    cmd.addAll(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
        "-cp", classPath,
        "dev.switchboard.app.Main"));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    env.forEach((k, v) -> {
      if (v.isEmpty()) {
        pb.environment().remove(k);
      } else {
        pb.environment().put(k, v);
      }
    });
    if (workDir != null) {
      pb.directory(workDir.toFile());
    }
    try {
      Path log = Files.createTempFile("switchboard-node-" + name + "-", ".log");
      pb.redirectErrorStream(true).redirectOutput(log.toFile());
      return new NodeProcess(name, port, pb.start(), log);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start node " + name + ": " + e.getMessage(), e);
    }
  }

  /**
   * The main command with nothing configured, as a new user runs it: no DATABASE_URL or REDIS_URL
   * (so embedded servers), {@code --data dataDir}, {@code --port} a free one, started in the data
   * folder's parent (not the repository: the web pages must come from the class path).
   * {@code args} go after {@code Main} ({@code "demo"} first for the demo); {@code env} adds to it.
   */
  public static NodeProcess embedded(String name, Path dataDir, List<String> args, Map<String, String> env) {
    int port = TestNode.freePort();
    Map<String, String> all = new java.util.HashMap<>();
    for (String unset : List.of("DATABASE_URL", "REDIS_URL", "HTTP_PORT", "WEB_ROOT", "JWT_SECRET", "ADMIN_EMAIL",
        "ADMIN_PASSWORD", "SWITCHBOARD_DATA_DIR", "SWITCHBOARD_DEMO_DIR")) {
      all.put(unset, "");
    }
    all.put("HTTP_INSTANCES", "1");
    all.putAll(env);
    List<String> argv = new ArrayList<>(args);
    argv.addAll(List.of("--data", dataDir.toString(), "--port", String.valueOf(port)));
    return launch(name, port, argv, all, dataDir.toAbsolutePath().getParent(), System.getProperty("java.class.path"));
  }

  /** GNU env 8.31+ resets signal dispositions; busybox's does not know the option. */
  private static boolean envResetsSignals() {
    try {
      Process p = new ProcessBuilder("/usr/bin/env", "--default-signal=INT", "true").redirectErrorStream(true).start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  public long pid() {
    return process.pid();
  }

  /** Sends a signal by name (INT: Ctrl+C) with kill(1). */
  public void signal(String name) {
    try {
      new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  /** Waits until GET /health answers 200. */
  public NodeProcess awaitReady(Duration timeout) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("node " + name + " exited with " + process.exitValue() + ":\n" + tail());
      }
      try {
        HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/health"))
            .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return this;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      Await.pause(100);
    }
    throw new AssertionError("node " + name + " did not answer /health within " + timeout + ":\n" + tail());
  }

  /** Waits until the output contains {@code text} (a banner printed after the node answers). */
  public NodeProcess awaitOutput(String text, Duration timeout) {
    Await.until("\"" + text + "\" in the output of " + name, timeout, () -> {
      if (!process.isAlive() && !output().contains(text)) {
        throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + tail());
      }
      return output().contains(text);
    });
    return this;
  }

  /** SIGKILL: a crash, nothing runs on the way out. */
  public void kill() {
    process.destroyForcibly();
    waitExit(Duration.ofSeconds(10));
  }

  /** SIGTERM: the graceful stop. */
  public void terminate() {
    process.destroy();
  }

  /** The exit code, waiting at most {@code timeout}. */
  public int waitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("node " + name + " still running after " + timeout + ":\n" + tail());
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The last lines of the node's output, for failure messages. */
  public String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  public String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      Files.deleteIfExists(log);
    } catch (IOException ignored) {
      // temp file
    }
  }
}
