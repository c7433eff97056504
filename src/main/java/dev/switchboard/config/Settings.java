package dev.switchboard.config;

import java.net.URI;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Every setting a node reads: its name (the same in the environment and in
 * {@code conf/config.json}), its type, its default and its allowed range. This table is the one
 * place a default or a range is written; {@link Config} reads typed values from it, and
 * {@code docs/configuration.md} is checked against it by a test.
 */
public final class Settings {

  /** How a value is written and checked. */
  public enum Kind { INTEGER, FLAG, TEXT, DURATION, URL }

  /**
   * One setting.
   *
   * @param fallback the default (an Integer, Boolean, String or Duration), or null for "not set"
   * @param computed a default that depends on the machine (cores, heap), or null
   * @param documented how {@code docs/configuration.md} states the default
   * @param schemes for a URL: the schemes allowed, the first one named in the error
   */
  public record Setting(String key, Kind kind, Object fallback, Supplier<Object> computed, String documented,
                        long min, long max, List<String> schemes) {

    Object defaultValue() {
      return computed != null ? computed.get() : fallback;
    }

    /** The allowed values of an integer, as the documentation states them; "" for other kinds. */
    public String range() {
      if (kind != Kind.INTEGER) {
        return "";
      }
      return max == Integer.MAX_VALUE ? "at least " + min : min + " to " + max;
    }
  }

  private static final Map<String, Setting> ALL = new LinkedHashMap<>();

  static {
    // http
    integer("HTTP_PORT", 8080, 0, 65535);
    computed("HTTP_INSTANCES", () -> Runtime.getRuntime().availableProcessors(), "number of cores", 1, 1024);
    integer("API_MAX_BYTES", 1024 * 1024, 1024, Integer.MAX_VALUE);
    text("WEB_ROOT", null);
    url("PUBLIC_URL", "http", "https");
    add(new Setting("BIND_ADDRESS", Kind.TEXT, "0.0.0.0", null, "`0.0.0.0` (every interface)", 0, 0, List.of()));
    text("TRUSTED_PROXIES", null);
    text("METRICS_TOKEN", null);
    add(new Setting("METRICS_PORT", Kind.INTEGER, null, null, "not set", 0, 65535, List.of()));
    add(new Setting("METRICS_BIND_ADDRESS", Kind.TEXT, "127.0.0.1", null, "`127.0.0.1`", 0, 0, List.of()));
    // storage
    url("DATABASE_URL", "postgresql", "postgres");
    text("REDIS_URL", null);
    integer("DB_POOL_SIZE", 16, 1, 1000);
    integer("STREAMS_PER_ACCOUNT", 4, 1, 1000);
    integer("STREAM_WAIT_MS", 10_000, 0, 600_000);
    integer("STREAM_IDLE_MS", 30_000, 1_000, 3_600_000);
    text("REDIS_PREFIX", "sb:");
    text("REDIS_MODE", "standalone");
    text("REDIS_MASTER_NAME", null);
    add(new Setting("NODE_ID", Kind.TEXT, null, () -> UUID.randomUUID().toString().substring(0, 8),
        "8 random hex characters per start", 0, 0, List.of()));
    // sign-in
    // not set: Config makes a random one per start (and says so), or the main command keeps one
    add(new Setting("JWT_SECRET", Kind.TEXT, null, null, "with an embedded server: kept in the data folder", 0, 0, List.of()));
    text("ADMIN_EMAIL", null);
    text("ADMIN_PASSWORD", null);
    integer("ACCESS_TOKEN_SECONDS", 900, 60, 86_400);
    integer("SESSION_DAYS", 30, 1, 3650);
    // within the grace a copy of the replaced token is answered as its holder would be: kept short
    integer("REFRESH_REUSE_GRACE_MS", 10_000, 0, 60_000);
    integer("LOGIN_MAX_FAILURES", 5, 1, 1_000_000);
    integer("LOGIN_MAX_FAILURES_PER_ADDRESS", 20, 1, 1_000_000);
    integer("LOGIN_WINDOW_SECONDS", 900, 1, 86_400);
    integer("PASSWORD_ITERATIONS", 600_000, 1_000, 10_000_000);
    integer("API_KEY_RATE_PER_MINUTE", 600, 1, 1_000_000);
    // webhook ingress
    text("META_APP_SECRET", null);
    text("META_VERIFY_TOKEN", null);
    integer("WEBHOOK_MAX_BYTES", 4 * 1024 * 1024, 3 * 1024 * 1024, Integer.MAX_VALUE);
    integer("INGRESS_MAX_IN_FLIGHT", 4, 1, 1024);
    integer("INGRESS_MAX_BATCH", 512, 1, 65_536);
    integer("INGRESS_MAX_PENDING_BYTES", 64 * 1024 * 1024, 64 * 1024, Integer.MAX_VALUE);
    integer("INGRESS_IDLE_TIMEOUT_MS", 10_000, 100, 3_600_000);
    // processor
    flag("PROCESSOR_ENABLED", true);
    integer("PROCESSOR_BATCH", 500, 1, 100_000);
    integer("PROCESSOR_SWEEP_MS", 1000, 50, 3_600_000);
    integer("PROCESSOR_CONCURRENCY", 1, 1, 64);
    integer("PROFILE_LOOKUP", 1, 0, 1);
    // sending and the Graph API
    text("GRAPH_API_URL", "https://graph.facebook.com/v21.0");
    integer("GRAPH_TIMEOUT_MS", 10_000, 100, 600_000);
    integer("GRAPH_MAX_ATTEMPTS", 10, 1, 1000);
    integer("GRAPH_RETRY_BASE_MS", 500, 1, 600_000);
    integer("SEND_RATE_WHATSAPP", 80, 1, 100_000);
    integer("SEND_RATE_DEFAULT", 40, 1, 100_000);
    integer("OUTBOUND_POLL_MS", 1000, 10, 3_600_000);
    integer("OUTBOUND_LEASE_MS", 60_000, 1000, 86_400_000);
    integer("OUTBOUND_BATCH", 32, 1, 10_000);
    integer("TEMPLATE_CACHE_SECONDS", 60, 1, 86_400);
    // reply windows
    duration("WINDOW_STANDARD", Duration.ofHours(24), "`PT24H`");
    duration("WINDOW_HUMAN_AGENT", Duration.ofDays(7), "`P7D`");
    integer("WINDOW_TIMER_POLL_MS", 1000, 10, 3_600_000);
    duration("WINDOW_WARN_BEFORE", Duration.ofHours(1), "`PT1H`");
    // outgoing webhooks
    flag("OUTGOING_WEBHOOKS_ALLOW_PRIVATE", false);
    integer("OUTGOING_WEBHOOK_RETRY_BASE_MS", 10_000, 10, 3_600_000);
    integer("OUTGOING_WEBHOOK_RETRY_HORIZON_MS", 86_400_000, 1000, Integer.MAX_VALUE);
    integer("OUTGOING_WEBHOOK_TIMEOUT_MS", 10_000, 100, 600_000);
    integer("OUTGOING_WEBHOOK_POLL_MS", 500, 10, 3_600_000);
    integer("OUTGOING_WEBHOOK_LEASE_MS", 60_000, 1000, 86_400_000);
    integer("OUTGOING_WEBHOOK_CONCURRENCY", 8, 1, 64);
    // bot
    integer("BOT_MAX_REPLIES_PER_MINUTE", 5, 1, 10_000);
    // live push
    integer("EVENT_LOG_MAXLEN", 1_000_000, 1000, Integer.MAX_VALUE);
    integer("EVENT_LOG_ACCOUNT_MAXLEN", 100_000, 100, Integer.MAX_VALUE);
    integer("REDIS_LOG_PARTITIONS", 16, 1, 1024);
    integer("RELAY_BATCH", 1_000, 1, 100_000);
    integer("RELAY_POLL_MS", 1_000, 10, 3_600_000);
    integer("OUTBOX_RETENTION_MS", 600_000, 0, Integer.MAX_VALUE);
    integer("OUTBOX_PRUNE_MS", 30_000, 100, 86_400_000);
    text("FAULT_POINT", null);
    computed("BRIDGE_MAX_CONNECTIONS", Settings::connectionsByHeap, "half the maximum heap ÷ 20,000 bytes, at least 100",
        1, Integer.MAX_VALUE);
    integer("BRIDGE_MAX_QUEUE_BYTES", 64 * 1024, 1024, Integer.MAX_VALUE);
    text("BRIDGE_ALLOWED_ORIGIN", null);
    integer("BRIDGE_PING_TIMEOUT_MS", 30_000, 1000, 3_600_000);
    integer("BRIDGE_REGISTER_TIMEOUT_MS", 5_000, 100, 600_000);
    integer("BRIDGE_MAX_UNREGISTERED", 1_000, 1, Integer.MAX_VALUE);
    integer("BRIDGE_MAX_UNREGISTERED_PER_ADDRESS", 100, 1, Integer.MAX_VALUE);
    integer("FANOUT_BLOCK_MS", 2_000, 10, 60_000);
    integer("FANOUT_BATCH", 500, 1, 100_000);
    flag("FANOUT_HELD_ONLY", false);
    integer("FANOUT_LINGER_MS", 30_000, 0, 3_600_000);
    // presence and auto-assignment
    integer("PRESENCE_OFFLINE_AFTER_MS", 60_000, 0, 86_400_000);
    integer("PRESENCE_NODE_TTL_MS", 15_000, 300, 3_600_000);
    integer("PRESENCE_SWEEP_MS", 1_000, 10, 600_000);
    integer("ACTIVITY_THROTTLE_MS", 2_000, 0, 60_000);
    integer("ASSIGN_POLL_MS", 250, 10, 600_000);
    integer("ASSIGN_RETRY_MS", 10_000, 100, 86_400_000);
    integer("ASSIGN_BATCH", 200, 1, 10_000);
    // media
    integer("MEDIA_MAX_BYTES", 100 * 1024 * 1024, 1024, Integer.MAX_VALUE);
    integer("MEDIA_FETCH_CONCURRENCY", 4, 1, 256);
    integer("MEDIA_FETCH_POLL_MS", 1000, 10, 3_600_000);
    integer("MEDIA_FETCH_LEASE_MS", 600_000, 1000, 86_400_000);
    integer("MEDIA_FETCH_MAX_ATTEMPTS", 6, 1, 1000);
    integer("MEDIA_FETCH_RETRY_BASE_MS", 2000, 1, 3_600_000);
    integer("MEDIA_FETCH_TIMEOUT_MS", 30_000, 100, 3_600_000);
    integer("MEDIA_URL_SECONDS", 600, 10, 86_400);
    integer("MEDIA_RETENTION_DAYS", 0, 0, 36_500);
    integer("MEDIA_RETENTION_SWEEP_MS", 3_600_000, 1000, 86_400_000);
    text("MEDIA_STORE", "postgres");
    url("S3_ENDPOINT", "https", "http");
    text("S3_BUCKET", null);
    text("S3_REGION", "us-east-1");
    text("S3_ACCESS_KEY_ID", null);
    text("S3_SECRET_ACCESS_KEY", null);
    flag("S3_PATH_STYLE", false);
    // inbox API
    integer("COUNT_CAP", 10_000, 1, 10_000_000);
    integer("LABEL_PROBE_MAX", 5000, 1, 10_000_000);
    integer("SEARCH_SHORT_WINDOW", 2_000, 1, 10_000_000);
    integer("EXPORT_FETCH", 500, 1, 100_000);
    // read replicas
    url("DATABASE_READ_URL", "postgresql", "postgres");
    integer("READ_YOUR_WRITES_MS", 2_000, 0, 600_000);
  }

  private Settings() {
  }

  /** The default of an integer setting, for code that needs it without a configuration at hand. */
  public static int defaultInteger(String key) {
    Setting s = ALL.get(key);
    if (s == null || s.kind() != Kind.INTEGER || s.fallback() == null) {
      throw new IllegalArgumentException(key + " is not an integer setting with a fixed default");
    }
    return (Integer) s.fallback();
  }

  /** Every setting, in the order of {@code docs/configuration.md}'s sections. */
  public static Map<String, Setting> all() {
    return Collections.unmodifiableMap(ALL);
  }

  /** Measured heap per idle registered bridge socket (see docs/live.md), used for the default budget. */
  public static final int BYTES_PER_BRIDGE_SOCKET = 20_000;

  /** Half the maximum heap goes to live sockets. */
  private static Object connectionsByHeap() {
    long byHeap = Runtime.getRuntime().maxMemory() / 2 / BYTES_PER_BRIDGE_SOCKET;
    return (int) Math.max(100, Math.min(Integer.MAX_VALUE, byHeap));
  }

  private static void integer(String key, int fallback, long min, long max) {
    add(new Setting(key, Kind.INTEGER, fallback, null, String.valueOf(fallback), min, max, List.of()));
  }

  private static void computed(String key, Supplier<Object> fallback, String documented, long min, long max) {
    add(new Setting(key, Kind.INTEGER, null, fallback, documented, min, max, List.of()));
  }

  private static void flag(String key, boolean fallback) {
    add(new Setting(key, Kind.FLAG, fallback, null, "`" + fallback + "`", 0, 0, List.of()));
  }

  private static void text(String key, String fallback) {
    add(new Setting(key, Kind.TEXT, fallback, null, fallback == null ? "not set" : "`" + fallback + "`", 0, 0, List.of()));
  }

  private static void duration(String key, Duration fallback, String documented) {
    add(new Setting(key, Kind.DURATION, fallback, null, documented, 0, 0, List.of()));
  }

  private static void url(String key, String... schemes) {
    add(new Setting(key, Kind.URL, null, null, "not set", 0, 0, List.of(schemes)));
  }

  private static void add(Setting s) {
    if (ALL.put(s.key(), s) != null) {
      throw new IllegalStateException("setting " + s.key() + " is declared twice");
    }
  }

  /**
   * Checks every setting in {@code given} (raw JSON values or strings) and returns the typed
   * value of each known key, its default where not given (absent, null or blank). Every problem
   * is added to {@code errors}, one line per key; unknown keys are problems too.
   */
  static Map<String, Object> parse(Map<String, Object> given, List<String> errors) {
    for (String key : given.keySet()) {
      if (!ALL.containsKey(key)) {
        errors.add(key + " is not a setting");
      }
    }
    Map<String, Object> values = new LinkedHashMap<>();
    for (Setting s : ALL.values()) {
      Object raw = given.get(s.key());
      String text = raw == null ? null : raw.toString().trim();
      if (text == null || text.isEmpty()) {
        values.put(s.key(), s.defaultValue());
        continue;
      }
      String problem = null;
      Object value = null;
      switch (s.kind()) {
        case INTEGER -> {
          try {
            long n = raw instanceof Number num && !(raw instanceof Double || raw instanceof Float) ? num.longValue() : Long.parseLong(text);
            if (n < s.min() || n > s.max()) {
              problem = "must be from " + s.min() + " to " + s.max() + ", got " + n;
            } else {
              value = (int) n;
            }
          } catch (NumberFormatException e) {
            problem = "must be an integer, got '" + text + "'";
          }
        }
        case FLAG -> {
          if (text.equalsIgnoreCase("true") || text.equals("1")) {
            value = true;
          } else if (text.equalsIgnoreCase("false") || text.equals("0")) {
            value = false;
          } else {
            problem = "must be true or false, got '" + text + "'";
          }
        }
        case DURATION -> {
          try {
            Duration d = Duration.parse(text);
            if (d.isNegative() || d.isZero()) {
              problem = "must be positive, got " + text;
            } else {
              value = d;
            }
          } catch (DateTimeParseException e) {
            problem = "must be an ISO-8601 duration like PT24H, got '" + text + "'";
          }
        }
        case URL -> {
          if (hasScheme(text, s.schemes())) {
            value = text;
          } else {
            problem = "must be a " + s.schemes().get(0) + ":// URL, got '" + text + "'";
          }
        }
        case TEXT -> value = text;
        default -> throw new IllegalStateException(s.kind().name());
      }
      if (problem != null) {
        errors.add(s.key() + " " + problem);
      }
      values.put(s.key(), value);
    }
    return values;
  }

  private static boolean hasScheme(String value, List<String> schemes) {
    try {
      URI uri = URI.create(value);
      return schemes.stream().anyMatch(scheme -> scheme.equalsIgnoreCase(uri.getScheme()));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
