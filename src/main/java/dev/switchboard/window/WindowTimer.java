package dev.switchboard.window;

import dev.switchboard.common.WindowPolicy;
import dev.switchboard.store.RedisStore;
import io.vertx.core.Future;
import io.vertx.redis.client.Response;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The window expiries in one Redis sorted set ({@code window:timers}), scored by expiry (epoch
 * ms), member {@code <conversationId>:<kind>} ({@link Kind}). Scheduling
 * again overwrites the score; {@link #claimDue} removes and answers due members in one script,
 * so each expiry is handed to exactly one node.
 */
public final class WindowTimer {

  /**
   * What falls due: a window of a conversation expires ({@code standard}, {@code human}), the
   * warning before its human-reply deadline ({@code warn}), or its snooze ends ({@code snooze}).
   */
  public enum Kind { standard, human, warn, snooze }

  /** One expiry. */
  public record Expiry(long conversationId, Kind kind, long atMs) {
    String member() {
      return conversationId + ":" + kind.name();
    }
  }

  // KEYS[1] set; ARGV[1] now ms; ARGV[2] max. Due members and their scores, removed atomically.
  private static final String CLAIM = """
      local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
      for i = 1, #due, 2 do
        redis.call('ZREM', KEYS[1], due[i])
      end
      return due
      """;

  private final RedisStore redis;
  private final WindowPolicy policy;

  public WindowTimer(RedisStore redis, WindowPolicy policy) {
    this.redis = redis;
    this.policy = policy;
  }

  public String key() {
    return redis.key("window:timers");
  }

  /** The expiries a conversation's last inbound message sets (only those still ahead of {@code now}). */
  public List<Expiry> expiries(long conversationId, String platform, Instant lastInboundAt, Instant now) {
    return expiries(conversationId, platform, lastInboundAt, null, now);
  }

  /**
   * The same, for a thread begun from an ad ({@code adReferralAt}): its standard window may end
   * days later. The inbound hook schedules without it; when that expiry comes, {@code fire}
   * recomputes from the conversation row, finds the window still open and moves the expiry.
   */
  public List<Expiry> expiries(long conversationId, String platform, Instant lastInboundAt, Instant adReferralAt, Instant now) {
    List<Expiry> out = new ArrayList<>();
    if (lastInboundAt == null) {
      return out;
    }
    Instant standard = policy.standardEnd(platform, lastInboundAt, adReferralAt);
    if (standard.isAfter(now)) {
      out.add(new Expiry(conversationId, Kind.standard, standard.toEpochMilli()));
    }
    if (!"whatsapp".equals(platform)) {
      Instant human = lastInboundAt.plus(policy.humanAgent());
      if (human.isAfter(now) && !human.equals(standard)) {
        out.add(new Expiry(conversationId, Kind.human, human.toEpochMilli()));
      }
    }
    return out;
  }

  /** Adds or moves expiries (ZADD overwrites the score of a member scheduled before). */
  public Future<Void> schedule(List<Expiry> expiries) {
    if (expiries.isEmpty()) {
      return Future.succeededFuture();
    }
    List<String> args = new ArrayList<>();
    args.add(key());
    for (Expiry e : expiries) {
      args.add(String.valueOf(e.atMs()));
      args.add(e.member());
    }
    return redis.api().zadd(args).mapEmpty();
  }

  /** Removes and answers up to {@code max} expiries due at {@code nowMs}; no other node gets them. */
  public Future<List<Expiry>> claimDue(long nowMs, int max) {
    return redis.api().eval(List.of(CLAIM, "1", key(), String.valueOf(nowMs), String.valueOf(max))).map(r -> {
      List<Expiry> out = new ArrayList<>();
      if (r == null) {
        return out;
      }
      for (int i = 0; i + 1 < r.size(); i += 2) {
        Expiry e = parse(r.get(i), r.get(i + 1));
        if (e != null) {
          out.add(e);
        }
      }
      return out;
    });
  }

  private static Expiry parse(Response member, Response score) {
    String m = member.toString();
    int colon = m.indexOf(':');
    try {
      return new Expiry(Long.parseLong(m.substring(0, colon)), Kind.valueOf(m.substring(colon + 1)),
          (long) Double.parseDouble(score.toString()));
    } catch (RuntimeException e) {
      return null;
    }
  }
}
