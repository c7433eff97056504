package dev.switchboard.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;

/**
 * The account-scoped event log in Redis Streams, split into partitions: account {@code a} lives
 * in partition {@code a mod P}. Each event is appended to its partition's stream
 * ({@code events:{p<k>}}, read by every node for fan-out) and, with the same id, to its account's
 * stream ({@code events:{p<k>}:acct:<id>}, replayed by {@code GET /events}). Every key of a
 * partition carries the hash tag {@code {p<k>}}, so a partition's scripts run in one Redis Cluster
 * slot. Ids come from the partition's stream: they increase within an account, which is all a
 * cursor needs; order across accounts is not kept.
 */
public final class EventLog {

  private static final int MAX_PER_CALL = 200;

  private final RedisStore redis;
  private final int globalMaxLen;
  private final int accountMaxLen;
  private final int partitions;
  private final boolean bells;
  private final String append;
  private final String appendMany;
  private final String relay;

  public EventLog(RedisStore redis, int globalMaxLen, int accountMaxLen, int partitions) {
    this.redis = redis;
    this.globalMaxLen = globalMaxLen;
    this.accountMaxLen = accountMaxLen;
    this.partitions = partitions;
    this.bells = "cluster".equals(redis.setup().mode());
    this.append = EventLogScripts.ringing(EventLogScripts.APPEND, bells);
    this.appendMany = EventLogScripts.ringing(EventLogScripts.APPEND_MANY, bells);
    this.relay = EventLogScripts.ringing(EventLogScripts.RELAY, bells);
  }

  public int partitions() {
    return partitions;
  }

  public int partitionOf(long accountId) {
    return (int) Math.floorMod(accountId, (long) partitions);
  }

  private String tag(int partition) {
    return redis.key("events:{p" + partition + "}");
  }

  /** The stream of one partition, which every node reads for fan-out. */
  public String streamKey(int partition) {
    return tag(partition);
  }

  /**
   * The partition's doorbell: a shard channel in the stream's slot on which every append in a
   * Redis Cluster publishes the id of its newest event (the scripts name it {@code KEYS[1] .. ':bell'}).
   */
  public String bellChannel(int partition) {
    return streamKey(partition) + ":bell";
  }

  /** Whether appends ring the partitions' doorbells (a Redis Cluster). */
  public boolean bells() {
    return bells;
  }

  /** A hash: account stream key -> events ever appended to it (one per partition). */
  public String countsKey(int partition) {
    return tag(partition) + ":added";
  }

  public String accountKey(long accountId) {
    return tag(partitionOf(accountId)) + ":acct:" + accountId;
  }

  /**
   * The partition's mark: its outbox rows up to this position are in the log (0 when none). The
   * name holds the partition count: after a change of {@code REDIS_LOG_PARTITIONS} accounts sit in
   * other partitions, so no old mark holds and every partition is refilled and marked reset.
   */
  public String positionKey(int partition) {
    return tag(partition) + ":relayed:" + partitions;
  }

  /** The id of the first event of a partition's log that restarted; older cursors cannot be replayed. */
  public String resetKey(int partition) {
    return tag(partition) + ":reset";
  }

  /** Every partition's mark, in partition order (0 for a partition that has none). */
  public Future<long[]> positions() {
    List<Future<Response>> reads = new ArrayList<>(partitions);
    for (int k = 0; k < partitions; k++) {
      reads.add(redis.api().get(positionKey(k)));
    }
    return Future.all(reads).map(all -> {
      long[] out = new long[partitions];
      for (int k = 0; k < partitions; k++) {
        Response r = reads.get(k).result();
        out[k] = r == null ? 0L : r.toLong();
      }
      return out;
    });
  }

  /** The position up to which every partition holds its rows: the lowest mark. */
  public Future<Long> position() {
    return positions().map(EventLog::lowest);
  }

  public static long lowest(long[] marks) {
    long min = Long.MAX_VALUE;
    for (long m : marks) {
      min = Math.min(min, m);
    }
    return marks.length == 0 ? 0 : min;
  }

  /**
   * Appends the outbox rows with positions in ({@code from}, {@code to}] (all of them, in position
   * order) to every partition, skipping what a partition already holds. A partition whose mark is
   * below {@code from} takes nothing (rows before may be missing there). {@code rebase}: positions
   * up to it are taken as held (the outbox no longer has them). Answers the lowest mark afterwards
   * and how many events were appended.
   */
  public Future<Relayed> relay(long from, long to, List<Positioned> rows, Long rebase) {
    return relay(from, to, rows, rebase, "0");
  }

  /**
   * {@link #relay} for a log that fell behind PostgreSQL: a partition without a mark lost its
   * events (rather than being new), so cursors from before the refill answer "gone".
   */
  public Future<Relayed> refill(long from, long to, List<Positioned> rows, Long rebase) {
    return relay(from, to, rows, rebase, "2");
  }

  private Future<Relayed> relay(long from, long to, List<Positioned> rows, Long rebase, String mode) {
    List<List<Positioned>> byPartition = new ArrayList<>(partitions);
    for (int k = 0; k < partitions; k++) {
      byPartition.add(new ArrayList<>());
    }
    for (Positioned p : rows) {
      byPartition.get(partitionOf(p.accountId())).add(p);
    }
    List<Future<Relayed>> calls = new ArrayList<>(partitions);
    for (int k = 0; k < partitions; k++) {
      calls.add(relayPartition(k, from, to, byPartition.get(k), rebase, mode));
    }
    return Future.all(calls).map(all -> {
      long min = Long.MAX_VALUE;
      int appended = 0;
      for (Future<Relayed> f : calls) {
        min = Math.min(min, f.result().last());
        appended += f.result().appended();
      }
      return new Relayed(min, appended);
    });
  }

  private Future<Relayed> relayPartition(int k, long from, long to, List<Positioned> rows, Long rebase, String mode) {
    List<String> args = new ArrayList<>(rows.size() * 3 + 12);
    args.add(relay);
    args.add(String.valueOf(rows.size() + 4));
    args.add(streamKey(k));
    args.add(countsKey(k));
    args.add(positionKey(k));
    args.add(resetKey(k));
    for (Positioned p : rows) {
      args.add(accountKey(p.accountId()));
    }
    args.add(String.valueOf(globalMaxLen));
    args.add(String.valueOf(accountMaxLen));
    args.add(String.valueOf(from));
    args.add(String.valueOf(to));
    args.add(rebase == null ? "" : String.valueOf(rebase));
    args.add(mode);
    for (Positioned p : rows) {
      args.add(String.valueOf(p.pos()));
      args.add(p.body());
    }
    return redis.api().eval(args).map(r -> new Relayed(Long.parseLong(r.get(0).toString()), r.get(1).toInteger()));
  }

  /**
   * Sets every partition's mark back to {@code pos} and marks the restart: PostgreSQL hands out
   * positions the log thinks it holds (the database was restored or replaced under a Redis that
   * kept its log). Cursors from before the restart answer "gone" from now on, whichever node
   * appends next.
   */
  public Future<Void> restartAt(long pos) {
    List<Future<?>> sets = new ArrayList<>(partitions);
    for (int k = 0; k < partitions; k++) {
      sets.add(redis.api().eval(List.of(EventLogScripts.RESTART, "2", positionKey(k), resetKey(k), String.valueOf(pos))));
    }
    return Future.all(sets).mapEmpty();
  }

  /** An outbox row with its position: what {@link #relay} appends. */
  public record Positioned(long pos, long accountId, String body) {
  }

  /** After a relay call: the lowest mark of the partitions, and how many events this call appended. */
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
        .eval(List.of(append, "3", streamKey(partitionOf(accountId)), accountKey(accountId), countsKey(partitionOf(accountId)), event.encode(),
            String.valueOf(globalMaxLen), String.valueOf(accountMaxLen)))
        .map(id -> event.put("id", id.toString()));
  }

  /**
   * Appends several events in their order (one script call per run of up to 200 events of one
   * partition, so they get increasing ids); answers them with their ids. A failed call fails the rest.
   */
  public Future<List<JsonObject>> appendAll(List<Pending> events) {
    List<JsonObject> out = new ArrayList<>(events.size());
    Future<Void> chain = Future.succeededFuture();
    int from = 0;
    while (from < events.size()) {
      int partition = partitionOf(events.get(from).accountId());
      int end = from + 1;
      while (end < events.size() && end - from < MAX_PER_CALL && partitionOf(events.get(end).accountId()) == partition) {
        end++;
      }
      List<Pending> chunk = events.subList(from, end);
      chain = chain.compose(v -> appendChunk(partition, chunk, out));
      from = end;
    }
    return chain.map(v -> out);
  }

  private Future<Void> appendChunk(int partition, List<Pending> chunk, List<JsonObject> out) {
    List<String> args = new ArrayList<>(chunk.size() * 2 + 5);
    List<JsonObject> encoded = new ArrayList<>(chunk.size());
    args.add(appendMany);
    args.add(String.valueOf(chunk.size() + 2));
    args.add(streamKey(partition));
    args.add(countsKey(partition));
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
    return redis.replicaRead(api -> {
      Future<Void> check = afterId == null || afterId.isBlank() ? Future.succeededFuture()
          : checkRetained(api, partitionOf(accountId), key, afterId);
      return check.compose(v -> api.xrange(List.of(key, start, "+", "COUNT", String.valueOf(limit))));
    }).map(EventLog::parseEntries);
  }

  /**
   * Where a fresh page starts reading: the newest id in the account's log ("0-0" when it has none),
   * or the partition's restart when that is later. An account with nothing appended since its
   * partition restarted would otherwise hand out a cursor from before the restart, which answers
   * gone until the account's next event. While the restart is not yet recorded ("next": nothing
   * appended since), no cursor but the newest one holds; that lasts until the partition's next
   * append.
   */
  public Future<String> newestId(long accountId) {
    return redis.replicaRead(api -> {
      Future<Response> newest = api.xrevrange(List.of(accountKey(accountId), "+", "-", "COUNT", "1"));
      Future<Response> reset = api.get(resetKey(partitionOf(accountId)));
      return Future.all(newest, reset).map(v -> {
        List<JsonObject> entries = parseEntries(newest.result());
        String id = entries.isEmpty() ? "0-0" : entries.get(0).getString("id");
        String mark = reset.result() == null ? null : reset.result().toString();
        return mark != null && !"next".equals(mark) && compareIds(mark, id) > 0 ? mark : id;
      });
    });
  }

  // Redis 7.0 records max-deleted-entry-id only for XDEL, not for MAXLEN trimming; a trimmed
  // stream shows entries-added > length instead. Then anything before the first retained entry may
  // be gone. (Conservative: a cursor sitting exactly on the last trimmed id also answers gone.)
  private Future<Void> checkRetained(RedisAPI api, int partition, String key, String afterId) {
    Future<Response> info = api.xinfo(List.of("STREAM", key)).recover(err -> Future.succeededFuture(null));
    Future<Response> count = api.hget(countsKey(partition), key).recover(err -> Future.succeededFuture(null));
    Future<Response> reset = api.get(resetKey(partition));
    return Future.all(info, count, reset).compose(cf -> {
      // the partition's log restarted after this cursor (its Redis lost the data, or the database was
      // restored under it): the client reloads
      if (reset.result() != null && restartedAfter(afterId, reset.result().toString())) {
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

  // "next": the partition restarted and nothing is appended yet, so every cursor but the empty log's
  private static boolean restartedAfter(String cursor, String mark) {
    return "next".equals(mark) ? compareIds(cursor, "0-0") > 0 : compareIds(cursor, mark) < 0;
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
