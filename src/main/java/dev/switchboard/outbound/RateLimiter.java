package dev.switchboard.outbound;

import dev.switchboard.store.RedisStore;
import io.vertx.core.Future;

import java.util.List;

/**
 * A per-channel token bucket in Redis, shared by every node: capacity and refill are the
 * channel's messages per second. Time is Redis's own clock, so nodes with skewed clocks agree.
 */
final class RateLimiter {

  // KEYS[1] bucket, KEYS[2] the channel's pause; ARGV[1] rate per second. Answers 0 (take a
  // token) or the ms until one is free; while the channel is paused, the ms the pause has left.
  private static final String TAKE = """
      local paused = redis.call('PTTL', KEYS[2])
      if paused > 0 then
        return paused
      end
      local rate = tonumber(ARGV[1])
      if rate <= 0 then
        return 0
      end
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
      local tokens = tonumber(b[1])
      local ts = tonumber(b[2])
      if tokens == nil or ts == nil then
        tokens = rate
        ts = now
      end
      tokens = math.min(rate, tokens + math.max(0, now - ts) * rate / 1000)
      local wait = 0
      if tokens >= 1 then
        tokens = tokens - 1
      else
        wait = math.ceil((1 - tokens) * 1000 / rate)
      end
      redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
      redis.call('PEXPIRE', KEYS[1], 60000)
      return wait
      """;

  private final RedisStore redis;
  private final int whatsappRate;
  private final int defaultRate;

  RateLimiter(RedisStore redis, int whatsappRate, int defaultRate) {
    this.redis = redis;
    this.whatsappRate = whatsappRate;
    this.defaultRate = defaultRate;
  }

  /** Takes one send from the channel's bucket: 0 when allowed now, else the ms to wait. */
  Future<Long> take(long channelId, String platform) {
    int rate = "whatsapp".equals(platform) ? whatsappRate : defaultRate;
    return redis.api().eval(List.of(TAKE, "2", redis.key("rate:channel:{" + channelId + "}"), pauseKey(channelId), String.valueOf(rate)))
        .map(r -> r.toLong());
  }

  /** Holds every send of the channel for {@code ms} (the platform said the number sends too fast). */
  Future<Void> pause(long channelId, long ms) {
    return redis.api().set(List.of(pauseKey(channelId), "1", "PX", String.valueOf(Math.max(1, ms)))).mapEmpty();
  }

  private String pauseKey(long channelId) {
    // the same hash tag as the bucket: one script touches both, also on a Redis cluster
    return redis.key("rate:pause:{" + channelId + "}");
  }
}
