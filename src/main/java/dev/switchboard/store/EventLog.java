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

  // Events in flight at once. A processor batch of thousands of messages appends tens of thousands
  // of events: issued all at once they overflowed the Redis client's wait queue (10,000) and
  // those events were silently never logged (found by bench/scale at 10,000 messages/s).
  private static final int APPEND_WINDOW = 512;

  private Future<Void> appendFrom(List<Pending> events, int from, List<Future<JsonObject>> all) {
    if (from >= events.size()) {
      return Future.succeededFuture();
    }
    int to = Math.min(events.size(), from + APPEND_WINDOW);
    List<Future<JsonObject>> window = new ArrayList<>(to - from);
    for (Pending p : events.subList(from, to)) {
      Future<JsonObject> f = append(p.accountId(), p.type(), p.conversationId(), p.data());
      window.add(f);
      all.add(f);
    }
    return Future.join(window).transform(ar -> appendFrom(events, to, all));
  }

  /** Appends several events; failures are reported but do not stop the others. */
  public Future<List<JsonObject>> appendAll(List<Pending> events) {
    List<Future<JsonObject>> all = new ArrayList<>(events.size());
    return appendFrom(events, 0, all).transform(v -> Future.join(all)).map(cf -> {
      List<JsonObject> out = new ArrayList<>();
      for (Future<JsonObject> f : all) {
        if (f.succeeded()) {
          out.add(f.result());
        }
      }
      return out;
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
