package dev.switchboard.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;

/**
 * The account-scoped event log in Redis Streams. Each event is appended to one global stream
 * (read once per node for fan-out) and, with the same id, to its account's stream (replayed by
 * {@code GET /events}). Ids come from the global stream, so they increase across all accounts.
 */
public final class EventLog {

  // XADD to the global stream with an auto id, then the same id to the account's stream.
  // XADD to the global stream with an auto id, then the same id to the account's stream, and
  // count the account's appends (KEYS[3], a hash): with the stream's length that tells whether it
  // was trimmed on Redis versions whose XINFO has no entries-added (6.2, the embedded one).
  private static final String APPEND = """
      local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'e', ARGV[1])
      redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], id, 'e', ARGV[1])
      redis.call('HINCRBY', KEYS[3], KEYS[2], 1)
      return id
      """;

  // Many events in one call, in order: KEYS[1] the global stream, KEYS[2] the append counts,
  // KEYS[3..] each event's account stream; ARGV[1], ARGV[2] the lengths, then one event per account key.
  private static final String APPEND_MANY = """
      local ids = {}
      for i = 3, #KEYS do
        local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[i])
        redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[2], id, 'e', ARGV[i])
        redis.call('HINCRBY', KEYS[2], KEYS[i], 1)
        ids[#ids + 1] = id
      end
      return ids
      """;
  private static final int MAX_PER_CALL = 200;

  // The relay's append, in the order of the outbox's positions and never twice: KEYS[3] holds the
  // last position the log holds. A position at or below it is already here (skipped); the next one
  // is appended; one further on means positions are missing in between, so the call stops and the
  // caller fetches them first. ARGV[3], when set, moves the last position forward past rows the
  // outbox no longer keeps. ARGV[4] = 1: the log lost events (its Redis lost data), so the id of the
  // first event appended now is recorded in KEYS[4] and cursors from before it answer "gone".
  // KEYS: global stream, append counts, last position, reset mark, then one account stream per event;
  // ARGV: global length, account length, rebase, reset, then position and body per event.
  private static final String RELAY = """
      local last = tonumber(redis.call('GET', KEYS[3]) or '0')
      if ARGV[3] ~= '' then
        local r = tonumber(ARGV[3])
        if r > last then last = r end
      end
      local appended = 0
      for i = 5, #KEYS do
        local j = 5 + 2 * (i - 5)
        local pos = tonumber(ARGV[j])
        if pos > last + 1 then break end
        if pos == last + 1 then
          local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[j + 1])
          redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[2], id, 'e', ARGV[j + 1])
          redis.call('HINCRBY', KEYS[2], KEYS[i], 1)
          if ARGV[4] == '1' and appended == 0 then redis.call('SET', KEYS[4], id) end
          last = pos
          appended = appended + 1
        end
      end
      if appended > 0 or ARGV[3] ~= '' then redis.call('SET', KEYS[3], string.format('%d', last)) end
      return {string.format('%d', last), appended}
      """;

  private final RedisStore redis;
  private final int globalMaxLen;
  private final int accountMaxLen;

  public EventLog(RedisStore redis, int globalMaxLen, int accountMaxLen) {
    this.redis = redis;
    this.globalMaxLen = globalMaxLen;
    this.accountMaxLen = accountMaxLen;
  }

  public String globalKey() {
    return redis.key("events");
  }

  /** A hash: account stream key -> events ever appended to it. */
  public String countsKey() {
    return redis.key("events:added");
  }

  public String accountKey(long accountId) {
    return redis.key("events:acct:" + accountId);
  }

  /** The last outbox position the log holds (a string: 0 when none). */
  public String positionKey() {
    return redis.key("events:relayed");
  }

  /** The id of the first event of a log that restarted empty; older cursors cannot be replayed. */
  public String resetKey() {
    return redis.key("events:reset");
  }

  /** The last outbox position the log holds; 0 for a log that holds none (new, or lost). */
  public Future<Long> position() {
    return redis.api().get(positionKey()).map(r -> r == null ? 0L : r.toLong());
  }

  /**
   * Appends outbox rows in position order, skipping positions the log already holds and stopping
   * at the first missing one. {@code rebase}: positions up to it are taken as held (the outbox no
   * longer has them). {@code lost}: the log lost events, so cursors from before these cannot be
   * replayed. Answers the last position the log holds afterwards and how many were appended.
   */
  public Future<Relayed> relay(List<Positioned> rows, Long rebase, boolean lost) {
    List<String> args = new ArrayList<>(rows.size() * 3 + 10);
    args.add(RELAY);
    args.add(String.valueOf(rows.size() + 4));
    args.add(globalKey());
    args.add(countsKey());
    args.add(positionKey());
    args.add(resetKey());
    for (Positioned p : rows) {
      args.add(accountKey(p.accountId()));
    }
    args.add(String.valueOf(globalMaxLen));
    args.add(String.valueOf(accountMaxLen));
    args.add(rebase == null ? "" : String.valueOf(rebase));
    args.add(lost ? "1" : "0");
    for (Positioned p : rows) {
      args.add(String.valueOf(p.pos()));
      args.add(p.body());
    }
    return redis.api().eval(args).map(r -> new Relayed(Long.parseLong(r.get(0).toString()), r.get(1).toInteger()));
  }

  /**
   * Sets the last position the log holds back to {@code pos}: PostgreSQL hands out positions the
   * log thinks it holds (the database was restored or replaced under a Redis that kept its log).
   */
  public Future<Void> restartAt(long pos) {
    return redis.api().set(List.of(positionKey(), String.valueOf(pos))).mapEmpty();
  }

  /** An outbox row with its position: what {@link #relay} appends. */
  public record Positioned(long pos, long accountId, String body) {
  }

  /** After a relay call: the last position the log holds, and how many events this call appended. */
  public record Relayed(long last, int appended) {
  }

  /** Appends an event and answers it with its id set. */
  public Future<JsonObject> append(long accountId, String type, Long conversationId, JsonObject data) {
    JsonObject event = new JsonObject()
        .put("type", type)
        .put("accountId", String.valueOf(accountId))
        .put("conversationId", conversationId == null ? null : String.valueOf(conversationId))
        .put("data", data);
    return redis.api()
        .eval(List.of(APPEND, "3", globalKey(), accountKey(accountId), countsKey(), event.encode(),
            String.valueOf(globalMaxLen), String.valueOf(accountMaxLen)))
        .map(id -> event.put("id", id.toString()));
  }

  /**
   * Appends several events in their order (one script call per 200, so they get increasing ids
   * and one round trip); answers them with their ids. A failed call fails the rest.
   */
  public Future<List<JsonObject>> appendAll(List<Pending> events) {
    List<JsonObject> out = new ArrayList<>(events.size());
    Future<Void> chain = Future.succeededFuture();
    for (int from = 0; from < events.size(); from += MAX_PER_CALL) {
      List<Pending> chunk = events.subList(from, Math.min(events.size(), from + MAX_PER_CALL));
      chain = chain.compose(v -> appendChunk(chunk, out));
    }
    return chain.map(v -> out);
  }

  private Future<Void> appendChunk(List<Pending> chunk, List<JsonObject> out) {
    List<String> args = new ArrayList<>(chunk.size() * 2 + 5);
    List<JsonObject> encoded = new ArrayList<>(chunk.size());
    args.add(APPEND_MANY);
    args.add(String.valueOf(chunk.size() + 2));
    args.add(globalKey());
    args.add(countsKey());
    for (Pending p : chunk) {
      args.add(accountKey(p.accountId()));
    }
    args.add(String.valueOf(globalMaxLen));
    args.add(String.valueOf(accountMaxLen));
    for (Pending p : chunk) {
      JsonObject event = new JsonObject()
          .put("type", p.type())
          .put("accountId", String.valueOf(p.accountId()))
          .put("conversationId", p.conversationId() == null ? null : String.valueOf(p.conversationId()))
          .put("data", p.data());
      encoded.add(event);
      args.add(event.encode());
    }
    return redis.api().eval(args).map(ids -> {
      for (int i = 0; i < encoded.size(); i++) {
        out.add(encoded.get(i).put("id", ids.get(i).toString()));
      }
      return null;
    });
  }

  /**
   * The account's events after {@code afterId} (exclusive), oldest first. Fails with
   * {@link GoneException} when events after that id were already trimmed away.
   */
  public Future<List<JsonObject>> read(long accountId, String afterId, int limit) {
    String key = accountKey(accountId);
    String start = afterId == null || afterId.isBlank() ? "-" : "(" + afterId;
    Future<Void> check = afterId == null || afterId.isBlank() ? Future.succeededFuture() : checkRetained(key, afterId);
    return check
        .compose(v -> redis.api().xrange(List.of(key, start, "+", "COUNT", String.valueOf(limit))))
        .map(EventLog::parseEntries);
  }

  // Redis 7.0 records max-deleted-entry-id only for XDEL, not for MAXLEN trimming; a trimmed
  // stream shows entries-added > length instead. Then anything before the first retained entry may
  // be gone. (Conservative: a cursor sitting exactly on the last trimmed id also answers gone.)
  private Future<Void> checkRetained(String key, String afterId) {
    Future<Response> info = redis.api().xinfo(List.of("STREAM", key)).recover(err -> Future.succeededFuture(null));
    Future<Response> count = redis.api().hget(countsKey(), key).recover(err -> Future.succeededFuture(null));
    Future<Response> reset = redis.api().get(resetKey());
    return Future.all(info, count, reset).compose(cf -> {
      // the log restarted empty after this cursor (its Redis lost the data): the client reloads
      if (reset.result() != null && compareIds(afterId, reset.result().toString()) < 0) {
        return Future.failedFuture(new GoneException(afterId));
      }
      Response i = info.result();
      if (i == null) {
        return Future.succeededFuture();
      }
      Response maxDeleted = i.get("max-deleted-entry-id");
      if (maxDeleted != null && compareIds(afterId, maxDeleted.toString()) < 0) {
        return Future.failedFuture(new GoneException(afterId));
      }
      // Redis 7 counts appends itself; 6.2 does not, so fall back on our own count
      Response added = i.get("entries-added") != null ? i.get("entries-added") : count.result();
      Response length = i.get("length");
      if (added != null && length != null && added.toLong() > length.toLong()) {
        String boundary = firstKept(i, length.toLong());
        if (boundary != null && compareIds(afterId, boundary) < 0) {
          return Future.failedFuture(new GoneException(afterId));
        }
      }
      return Future.succeededFuture();
    });
  }

  /** The oldest id still in a trimmed stream (or the last generated one when it is empty). */
  private static String firstKept(Response info, long length) {
    Response lastGenerated = info.get("last-generated-id");
    if (length == 0) {
      return lastGenerated == null ? null : lastGenerated.toString();
    }
    Response recorded = info.get("recorded-first-entry-id");
    if (recorded != null) {
      return recorded.toString();
    }
    Response first = info.get("first-entry");
    return first == null || first.size() == 0 ? null : first.get(0).toString();
  }


  public static List<JsonObject> parseEntries(Response entries) {
    List<JsonObject> out = new ArrayList<>();
    if (entries == null) {
      return out;
    }
    for (Response entry : entries) {
      String id = entry.get(0).toString();
      Response fields = entry.get(1);
      for (int i = 0; i + 1 < fields.size(); i += 2) {
        if ("e".equals(fields.get(i).toString())) {
          out.add(new JsonObject(fields.get(i + 1).toString()).put("id", id));
        }
      }
    }
    return out;
  }

  /** Compares two stream ids ({@code ms-seq}) numerically. */
  public static int compareIds(String a, String b) {
    long[] x = splitId(a);
    long[] y = splitId(b);
    int c = Long.compare(x[0], y[0]);
    return c != 0 ? c : Long.compare(x[1], y[1]);
  }

  private static long[] splitId(String id) {
    int dash = id.indexOf('-');
    try {
      if (dash < 0) {
        return new long[] {Long.parseLong(id), 0};
      }
      return new long[] {Long.parseLong(id.substring(0, dash)), Long.parseLong(id.substring(dash + 1))};
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not an event id: " + id);
    }
  }

  /** An event to append. */
  public record Pending(long accountId, String type, Long conversationId, JsonObject data) {
  }

  /** The requested position is older than what the log retains: the client must reload. */
  public static final class GoneException extends RuntimeException {
    public GoneException(String afterId) {
      super("events after " + afterId + " are no longer retained", null, false, false);
    }
  }

}
