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
final class NodeProcess implements AutoCloseable {

  final String name;
  final int port;
  final Process process;
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
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
        "-cp", System.getProperty("java.class.path"),
        "dev.switchboard.app.Main"));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    env.put("HTTP_PORT", String.valueOf(port));
    env.put("DATABASE_URL", db.url());
    env.put("REDIS_URL", redisUrl);
    env.put("REDIS_PREFIX", redisPrefix);
    env.put("JWT_SECRET", TestNode.JWT_SECRET);
    env.put("META_APP_SECRET", Fixtures.APP_SECRET);
    env.put("META_VERIFY_TOKEN", TestNode.VERIFY_TOKEN);
    env.put("NODE_ID", name);
    env.put("HTTP_INSTANCES", "1");
    env.putAll(extra);
    try {
      Path log = Files.createTempFile("switchboard-node-" + name + "-", ".log");
      pb.redirectErrorStream(true).redirectOutput(log.toFile());
      return new NodeProcess(name, port, pb.start(), log);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start node " + name + ": " + e.getMessage(), e);
    }
  }

  String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  /** Waits until GET /health answers 200. */
  NodeProcess awaitReady(Duration timeout) {
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

  /** SIGKILL: a crash, nothing runs on the way out. */
  void kill() {
    process.destroyForcibly();
    waitExit(Duration.ofSeconds(10));
  }

  /** SIGTERM: the graceful stop. */
  void terminate() {
    process.destroy();
  }

  /** The exit code, waiting at most {@code timeout}. */
  int waitExit(Duration timeout) {
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
  String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  String output() {
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
