package dev.switchboard.scale;

import dev.switchboard.support.Await;
import dev.switchboard.support.Http;
import dev.switchboard.support.Processes;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * For tests that run the main command or {@code demo} as child processes on embedded servers, one
 * data folder per class (its name has a space, as a user's folder may). After each test the
 * process is killed and nothing may be left running on the folder: its watchdog must stop the
 * servers, so no test leaves them behind, and a leak fails the test that caused it.
 */
public abstract class EmbeddedProcessBase {

  @TempDir
  protected static Path dir;
  protected static Path data;
  protected static Vertx vertx;
  protected NodeProcess node;

  @BeforeAll
  static void createFolderAndClient() {
    data = dir.resolve("data folder");
    vertx = Vertx.vertx();
  }

  @AfterEach
  void killAndCheckNothingIsLeft() {
    if (node != null) {
      node.close();
    }
    Await.until("no process left in " + data, Duration.ofSeconds(30), () -> Processes.under(data).isEmpty());
  }

  @AfterAll
  static void closeClient() {
    vertx.close().await();
  }

  /** Sends {@code signal} (TERM, or INT for Ctrl+C): exit 0, and no server left on the folder. */
  protected void assertStopsCleanly(String signal) {
    node.signal(signal);
    assertThat(node.waitExit(Duration.ofSeconds(60))).as(node.tail()).isZero();
    // the node stops its servers before it exits; where a stop fails, the watchdog stops them as
    // the node's process ends, so allow it a moment, and say which happened
    if (!Processes.under(data).isEmpty()) {
      System.err.println("servers still running right after SIG" + signal + " exit: " + Processes.under(data) + "\n" + node.tail());
    }
    Await.until("no server left on " + data + " after SIG" + signal, Duration.ofSeconds(30), () -> Processes.under(data).isEmpty());
  }

  /** SIGKILL: no Java runs on the way out; the watchdog must stop the orphaned servers. */
  protected void killAndAwaitWatchdog() {
    node.kill();
    Await.until("the watchdog stops PostgreSQL and Redis of " + data, Duration.ofSeconds(30),
        () -> Processes.under(data).isEmpty());
  }

  protected Http http() {
    return new Http(vertx, node.baseUrl());
  }
}
