package dev.switchboard.window;

import dev.switchboard.common.WindowPolicy;
import dev.switchboard.store.RedisStore;
import io.vertx.core.Future;
import io.vertx.redis.client.Response;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.Map;

/**
 * The window expiries in Redis sorted sets, one per partition ({@code window:{p<k>}:timers},
 * {@code k = conversationId mod REDIS_LOG_PARTITIONS}, so a Redis Cluster spreads them), scored by
 * expiry (epoch ms), member {@code <conversationId>:<kind>} ({@link Kind}).
 * Scheduling again overwrites the score; {@link #claimDue} removes and answers due members in one
 * script per partition, so each expiry is handed to exactly one node.
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
  private final int partitions;
  /** A partition could not be reached since the last {@link #takeFailure}: its set may have lost writes. */
  private final AtomicBoolean failed = new AtomicBoolean();

  public WindowTimer(RedisStore redis, WindowPolicy policy) {
    this(redis, policy, 1);
  }

  public WindowTimer(RedisStore redis, WindowPolicy policy, int partitions) {
    this.redis = redis;
    this.policy = policy;
    this.partitions = partitions;
  }

  public int partitions() {
    return partitions;
  }

  /** The set holding a conversation's expiries. */
  public String key(long conversationId) {
    return key(Math.floorMod(conversationId, partitions));
  }

  public String key(int partition) {
    return redis.key("window:{p" + partition + "}:timers");
  }

  /** The mark next to a partition's set (same slot): gone with the set when Redis loses it. */
  public String builtKey(int partition) {
    return redis.key("window:{p" + partition + "}:built");
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

  /** Adds or moves expiries (ZADD overwrites the score of a member scheduled before); one ZADD per partition. */
  public Future<Void> schedule(List<Expiry> expiries) {
    if (expiries.isEmpty()) {
      return Future.succeededFuture();
    }
    Map<String, List<String>> byKey = new LinkedHashMap<>();
    for (Expiry e : expiries) {
      List<String> args = byKey.computeIfAbsent(key(e.conversationId()), k -> new ArrayList<>(List.of(k)));
      args.add(String.valueOf(e.atMs()));
      args.add(e.member());
    }
    List<Future<?>> adds = new ArrayList<>(byKey.size());
    for (List<String> args : byKey.values()) {
      adds.add(redis.api().zadd(args));
    }
    return Future.all(adds).onFailure(err -> failed.set(true)).mapEmpty();
  }

  public void markFailed() {
    failed.set(true);
  }

  /**
   * Whether a schedule or a claim failed since the last call. A Redis that failed over may have
   * lost the last writes its master took (replication is asynchronous), so the caller rebuilds.
   */
  public boolean takeFailure() {
    // one step: the HTTP event loops mark failures of their own while the timer takes them
    return failed.getAndSet(false);
  }

  /** Removes and answers up to {@code max} expiries due at {@code nowMs} per partition; no other node gets them. */
  public Future<List<Expiry>> claimDue(long nowMs, int max) {
    List<Future<Response>> claims = new ArrayList<>(partitions);
    for (int k = 0; k < partitions; k++) {
      claims.add(redis.api().eval(List.of(CLAIM, "1", key(k), String.valueOf(nowMs), String.valueOf(max))));
    }
    // a partition that failed keeps its expiries for the next tick; the others fire now
    return Future.join(claims).transform(ar -> {
      if (ar.failed()) {
        failed.set(true);
      }
      List<Expiry> out = new ArrayList<>();
      for (Future<Response> claim : claims) {
        Response r = claim.succeeded() ? claim.result() : null;
        if (r == null) {
          continue;
        }
        for (int i = 0; i + 1 < r.size(); i += 2) {
          Expiry e = parse(r.get(i), r.get(i + 1));
          if (e != null) {
            out.add(e);
          }
        }
      }
      for (Future<Response> claim : claims) {
        if (claim.failed() && out.isEmpty()) {
          return Future.failedFuture(claim.cause());
        }
      }
      return Future.succeededFuture(out);
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
