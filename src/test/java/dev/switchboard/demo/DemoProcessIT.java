package dev.switchboard.demo;

import dev.switchboard.scale.EmbeddedProcessBase;
import dev.switchboard.scale.NodeProcess;
import dev.switchboard.support.Http;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code java ... Main demo} as a child process started outside the repository: the simulator's
 * page from the class path, and its embedded servers stopped with it on SIGTERM, Ctrl+C and SIGKILL,
 * each restart on the same seeded data.
 */
@DisplayName("demo as a process: its embedded servers live and die with it")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DemoProcessIT extends EmbeddedProcessBase {

  private static final Duration START = Duration.ofSeconds(180);

  @Test
  @Order(1)
  @DisplayName("first start serves the inbox and the simulator from the jar; SIGTERM exits 0 and leaves no server")
  void sigterm() {
    node = start();
    try (Http http = http()) {
      assertThat(http.get("/ready").status()).isEqualTo(200);
      assertThat(http.get("/").text()).contains("<title>Switchboard</title>");
      Http.Res simulator = http.get("/simulator/");
      assertThat(simulator.status()).isEqualTo(200);
      assertThat(simulator.text()).contains("Customer simulator");
    }
    assertThat(node.output()).contains("Sign in    " + DemoSeed.ADMIN_EMAIL + "  password ");
    assertStopsCleanly("TERM");
  }

  // each start costs seconds (a JVM, PostgreSQL and Redis): every later start also checks that the
  // data survived the way the one before it ended
  @Test
  @Order(2)
  @DisplayName("Ctrl+C: exit 0, no server left, and the data still there at the next start")
  void ctrlC() {
    node = start();
    assertThat(node.output()).as("the data after SIGTERM").contains("the password was shown at the first start");
    assertStopsCleanly("INT");
  }

  @Test
  @Order(3)
  @DisplayName("SIGKILL: the watchdog stops the orphaned servers; the next start finds the seeded account")
  void sigkill() {
    node = start();
    assertThat(node.output()).as("the data after Ctrl+C").contains("the password was shown at the first start");
    killAndAwaitWatchdog();
    node = start();
    assertThat(node.output()).contains("the password was shown at the first start");
  }

  private static NodeProcess start() {
    return NodeProcess.embedded("demo", data, List.of("demo"), Map.of()).awaitReady(START)
        .awaitOutput("Switchboard demo is running.", START);
  }
}
