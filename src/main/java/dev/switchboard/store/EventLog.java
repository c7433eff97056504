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
  private static final String APPEND = """
      local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'e', ARGV[1])
      redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], id, 'e', ARGV[1])
      return id
      """;

  // Many events in one call, in order: KEYS[1] the global stream, KEYS[2..] each event's account
  // stream; ARGV[1], ARGV[2] the lengths, then one encoded event per account key.
  private static final String APPEND_MANY = """
      local ids = {}
      for i = 2, #KEYS do
        local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[i + 1])
        redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[2], id, 'e', ARGV[i + 1])
        ids[#ids + 1] = id
      end
      return ids
      """;
  private static final int MAX_PER_CALL = 200;

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

  public String accountKey(long accountId) {
    return redis.key("events:acct:" + accountId);
  }

  /** Appends an event and answers it with its id set. */
  public Future<JsonObject> append(long accountId, String type, Long conversationId, JsonObject data) {
    JsonObject event = new JsonObject()
        .put("type", type)
        .put("accountId", String.valueOf(accountId))
        .put("conversationId", conversationId == null ? null : String.valueOf(conversationId))
        .put("data", data);
    return redis.api()
        .eval(List.of(APPEND, "2", globalKey(), accountKey(accountId), event.encode(),
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
    args.add(String.valueOf(chunk.size() + 1));
    args.add(globalKey());
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
    return redis.api().xinfo(List.of("STREAM", key)).recover(err -> Future.succeededFuture(null)).compose(info -> {
      if (info == null) {
        return Future.succeededFuture();
      }
      Response maxDeleted = info.get("max-deleted-entry-id");
      if (maxDeleted != null && compareIds(afterId, maxDeleted.toString()) < 0) {
        return Future.failedFuture(new GoneException(afterId));
      }
      Response added = info.get("entries-added");
      Response length = info.get("length");
      if (added != null && length != null && added.toLong() > length.toLong()) {
        Response first = info.get("recorded-first-entry-id");
        Response lastGenerated = info.get("last-generated-id");
        String boundary = length.toLong() == 0 || first == null
            ? (lastGenerated == null ? null : lastGenerated.toString())
            : first.toString();
        if (boundary != null && compareIds(afterId, boundary) < 0) {
          return Future.failedFuture(new GoneException(afterId));
        }
      }
      return Future.succeededFuture();
    });
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
