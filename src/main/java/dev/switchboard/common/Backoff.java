package dev.switchboard.common;

import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with jitter for retries (sends, media downloads): base * 2^(attempt-1), capped, then 50-100% of it. */
public final class Backoff {

  public static final long MAX_MS = 60_000;

  private Backoff() {
  }

  public static long delayMs(long baseMs, int attempt) {
    long exp = baseMs << Math.min(Math.max(attempt - 1, 0), 20);
    long capped = Math.min(Math.max(exp, 1), MAX_MS);
    // jitter spreads retries of a burst that failed together (nodes retrying in lockstep re-trigger the limit)
    return capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
  }
}
