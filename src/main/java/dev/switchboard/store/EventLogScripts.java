package dev.switchboard.store;

/**
 * The event log's Lua scripts: each runs atomically on the Redis node that holds its keys.
 *
 * <p>A line starting {@code --bell } rings the partition's doorbell: it {@code SPUBLISH}es the id
 * of the newest event appended on {@code <stream>:bell}, a shard channel in the stream's own slot
 * (see {@code ShardReaders}). It is a Lua comment as written; {@link #ringing} makes it a call for
 * a Redis Cluster, whose nodes read the partitions by doorbell. Other modes keep it a comment:
 * their readers block on the streams, and the embedded Redis (6.2) has no SPUBLISH.
 */
final class EventLogScripts {

  private static final String BELL = "--bell ";

  private EventLogScripts() {
  }

  /** The script with its doorbell line live ({@code ring}) or left a comment. */
  static String ringing(String script, boolean ring) {
    return ring ? script.replace(BELL, "") : script;
  }

  // XADD to the partition's stream with an auto id, then the same id to the account's stream, and
  // count the account's appends (KEYS[3], a hash): with the stream's length that tells whether it
  // was trimmed on Redis versions whose XINFO has no entries-added (6.2, the embedded one).
  static final String APPEND = """
      local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'e', ARGV[1])
      redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], id, 'e', ARGV[1])
      redis.call('HINCRBY', KEYS[3], KEYS[2], 1)
      --bell redis.call('SPUBLISH', KEYS[1] .. ':bell', id)
      return id
      """;

  // Many events of one partition in one call, in order: KEYS[1] the partition's stream, KEYS[2] the
  // append counts, KEYS[3..] each event's account stream; ARGV[1], ARGV[2] the lengths, then one
  // event per account key.
  static final String APPEND_MANY = """
      local ids = {}
      for i = 3, #KEYS do
        local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[i])
        redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[2], id, 'e', ARGV[i])
        redis.call('HINCRBY', KEYS[2], KEYS[i], 1)
        ids[#ids + 1] = id
      end
      --bell redis.call('SPUBLISH', KEYS[1] .. ':bell', ids[#ids])
      return ids
      """;

  // The relay's append to one partition, in the order of the outbox's positions and never twice.
  // KEYS[3] holds the partition's mark: every outbox row of this partition with a position at or
  // below it is in the log. A call covers the positions (ARGV[3], ARGV[4]] and carries every row of
  // this partition among them. A mark below the call's start means rows in between may be missing:
  // nothing is appended and the caller fetches them first. Otherwise the rows past the mark are
  // appended and the mark moves to the call's end. ARGV[5], when set, moves the mark forward past
  // rows the outbox no longer keeps. A partition without a mark during a refill (ARGV[6] = 2:
  // PostgreSQL handed out positions this Redis does not hold) lost its log; without a mark in a
  // normal round (ARGV[6] = 0) it is new, and nothing was lost. The id of the first event appended
  // after a loss, or after a restart (see RESTART), is recorded in KEYS[4] ('next' until one is),
  // and cursors before it answer "gone".
  // KEYS: stream, append counts, mark, reset mark, then one account stream per event;
  // ARGV: stream length, account length, from, to, rebase, mode, then position and body per event.
  static final String RELAY = """
      local held = redis.call('GET', KEYS[3])
      local last = tonumber(held or '0')
      if ARGV[5] ~= '' then
        local r = tonumber(ARGV[5])
        if r > last then last = r end
      end
      local from = tonumber(ARGV[3])
      local to = tonumber(ARGV[4])
      if last < from then
        if ARGV[5] ~= '' then redis.call('SET', KEYS[3], string.format('%d', last)) end
        return {string.format('%d', last), 0}
      end
      local pending = ((not held) and ARGV[6] == '2') or redis.call('GET', KEYS[4]) == 'next'
      local appended = 0
      local newest = nil
      for i = 5, #KEYS do
        local j = 7 + 2 * (i - 5)
        local pos = tonumber(ARGV[j])
        if pos > last then
          local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[j + 1])
          redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[2], id, 'e', ARGV[j + 1])
          redis.call('HINCRBY', KEYS[2], KEYS[i], 1)
          if pending then
            redis.call('SET', KEYS[4], id)
            pending = false
          end
          appended = appended + 1
          newest = id
        end
      end
      if pending then redis.call('SET', KEYS[4], 'next') end
      if to > last then last = to end
      redis.call('SET', KEYS[3], string.format('%d', last))
      --bell if newest then redis.call('SPUBLISH', KEYS[1] .. ':bell', newest) end
      return {string.format('%d', last), appended}
      """;

  // Sets a partition's mark back (KEYS[1] to ARGV[1]) and marks the restart in the same step
  // (KEYS[2] = 'next'): whichever node's relay appends next records where the log restarted, and
  // no cursor reads across the restart in between.
  static final String RESTART = """
      redis.call('SET', KEYS[1], ARGV[1])
      redis.call('SET', KEYS[2], 'next')
      return 1
      """;
}
