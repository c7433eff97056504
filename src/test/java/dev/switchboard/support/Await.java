package dev.switchboard.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Polling with a deadline, for state that has no event to await (rows in PostgreSQL, keys in
 * Redis, a page's DOM, another process's port). Fails with an AssertionError naming what it
 * waited for. The one polling helper of the tests.
 */
public final class Await {

  private Await() {
  }

  /** Until {@code condition} holds. */
  public static void until(String what, Duration timeout, BooleanSupplier condition) {
    value(what, timeout, () -> condition.getAsBoolean() ? Boolean.TRUE : null);
  }

  /** The first value of {@code probe} that is neither null nor {@code false}. */
  public static <T> T value(String what, Duration timeout, Supplier<T> probe) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long pause = 10;
    while (true) {
      T v = probe.get();
      if (v != null && !Boolean.FALSE.equals(v)) {
        return v;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + timeout.toSeconds() + " s: " + what);
      }
      sleep(pause);
      pause = Math.min(100, pause * 2);
    }
  }

  /** Until {@code check} stops throwing AssertionError; the last one is rethrown at the deadline. */
  public static void passes(Duration timeout, Runnable check) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        check.run();
        return;
      } catch (AssertionError e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        sleep(20);
      }
    }
  }

  /**
   * A deliberate pause: pacing a sender, or giving a peer time to act when nothing it does can be
   * observed. Never a wait for state: that is {@link #until} or {@link #passes}.
   */
  public static void pause(long ms) {
    sleep(ms);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
