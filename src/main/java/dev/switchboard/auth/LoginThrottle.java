package dev.switchboard.auth;

import dev.switchboard.common.ApiException;
import dev.switchboard.store.RedisStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Wrong-password throttling in Redis, so every node counts the same failures. Failures are
 * counted per e-mail and per client address over {@code LOGIN_WINDOW_SECONDS}; past the limit the
 * key is locked, for 30 s after the limit is reached and twice as long for each later failure
 * (at most the window). While a key is locked every sign-in with it answers 429 with
 * {@code Retry-After}, even with the right password, so guessing gains nothing from the lock's end.
 */
public final class LoginThrottle {

  // KEYS[1] failures, KEYS[2] lock; ARGV[1] limit, ARGV[2] window s, ARGV[3] base lock s.
  // Answers the lock's remaining milliseconds (0: not locked).
  private static final String FAIL = """
      local n = redis.call('INCR', KEYS[1])
      if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
      local limit = tonumber(ARGV[1])
      if n < limit then return 0 end
      local lock = math.min(tonumber(ARGV[3]) * 2 ^ math.min(n - limit, 20), tonumber(ARGV[2]))
      redis.call('SET', KEYS[2], n, 'PX', math.floor(lock * 1000))
      return math.floor(lock * 1000)
      """;

  private final RedisStore redis;
  private final int maxPerEmail;
  private final int maxPerAddress;
  private final int windowSeconds;
  private final int baseLockSeconds;
  private final Counter failures;
  private final Counter throttled;

  public LoginThrottle(RedisStore redis, int maxPerEmail, int maxPerAddress, int windowSeconds, MeterRegistry metrics) {
    this.redis = redis;
    this.maxPerEmail = maxPerEmail;
    this.maxPerAddress = maxPerAddress;
    this.windowSeconds = windowSeconds;
    this.baseLockSeconds = Math.min(30, windowSeconds);
    this.failures = metrics == null ? null : Counter.builder("switchboard_login_failures")
        .description("sign-ins refused for a wrong e-mail or password").register(metrics);
    this.throttled = metrics == null ? null : Counter.builder("switchboard_login_throttled")
        .description("sign-ins refused with 429 while the e-mail or the client address was locked").register(metrics);
  }

  /** Fails with 429 (and how long to wait) while the e-mail or the address is locked. */
  public Future<Void> check(String email, String address) {
    return remaining(email, address).compose(ms -> {
          if (ms <= 0) {
            return Future.succeededFuture();
          }
          if (throttled != null) {
            throttled.increment();
          }
          return Future.failedFuture(tooMany(ms));
        });
  }

  private Future<Long> remaining(String email, String address) {
    Future<Long> byEmail = redis.api().pttl(lockKey("email", email)).map(r -> r == null ? -2L : r.toLong());
    Future<Long> byAddress = redis.api().pttl(lockKey("addr", address)).map(r -> r == null ? -2L : r.toLong());
    return Future.all(byEmail, byAddress).map(v -> Math.max(byEmail.result(), byAddress.result()));
  }

  /** Counts a wrong password; answers the lock it caused (0: none yet). */
  public Future<Long> failed(String email, String address) {
    if (failures != null) {
      failures.increment();
    }
    Future<Long> byEmail = fail("email", email, maxPerEmail);
    Future<Long> byAddress = fail("addr", address, maxPerAddress);
    return Future.all(byEmail, byAddress).map(v -> Math.max(byEmail.result(), byAddress.result()));
  }

  /** A right password outside a lock forgets that e-mail's failures (not the address's). */
  public Future<Void> succeeded(String email) {
    return redis.api().del(List.of(countKey("email", email))).mapEmpty();
  }

  private Future<Long> fail(String kind, String value, int limit) {
    return redis.api().eval(List.of(FAIL, "2", countKey(kind, value), lockKey(kind, value),
            String.valueOf(limit), String.valueOf(windowSeconds), String.valueOf(baseLockSeconds)))
        .map(r -> r == null ? 0L : r.toLong());
  }

  public static ApiException tooMany(long millis) {
    long seconds = Math.max(1, (millis + 999) / 1000);
    return new ApiException(429, "too_many_attempts", "too many failed sign-ins; try again in " + seconds + " s")
        .retryAfter(seconds);
  }

  // one hash tag per e-mail or address: the failure script touches both keys, so they share a slot
  private String countKey(String kind, String value) {
    return redis.key("login:{" + kind + ":" + digest(same(kind, value)) + "}:fail");
  }

  private String lockKey(String kind, String value) {
    return redis.key("login:{" + kind + ":" + digest(same(kind, value)) + "}:lock");
  }

  // an e-mail padded with spaces or tabs finds the same user, so it is the same budget (digest lower-cases)
  private static String same(String kind, String value) {
    return "email".equals(kind) ? AuthService.signInEmail(value) : value;
  }

  // Keys carry a digest: e-mails and addresses stay out of Redis's key space and their length is bounded.
  private static String digest(String value) {
    try {
      byte[] d = java.security.MessageDigest.getInstance("SHA-256")
          .digest(value.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
