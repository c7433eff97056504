package dev.switchboard.scale;

import dev.switchboard.support.Await;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polling with a deadline, for state that changes in another process (rows, sockets, ports). */
final class Wait {

  private Wait() {
  }

  /** Runs {@code check} until it stops throwing AssertionError; the last failure is thrown at the deadline. */
  static void eventually(Duration timeout, Runnable check) {
    Await.passes(timeout, check);
  }

  static void until(Duration timeout, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      pause(25);
    }
  }

  static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
