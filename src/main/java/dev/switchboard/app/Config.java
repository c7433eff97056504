package dev.switchboard.app;

import dev.switchboard.common.ClientAddress;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.UUID;

/**
 * The node's configuration, read once at start-up: built-in defaults, then {@code conf/config.json},
 * then environment variables, then explicit overrides (tests, embedded servers).
 * {@code databaseUrl}, {@code redisUrl} and {@code webRoot} are null when nothing sets them: the
 * main command then runs embedded servers, and the web inbox comes from the class path.
 */
public record Config(
    int httpPort,
    String databaseUrl,
    String redisUrl,
    String jwtSecret,
    boolean jwtSecretGenerated,
    String metaAppSecret,
    String metaVerifyToken,
    String graphApiUrl,
    String adminEmail,
    String adminPassword,
    Duration windowStandard,
    Duration windowHumanAgent,
    String redisPrefix,
    int webhookMaxBytes,
    int apiMaxBytes,
    String webRoot,
    String nodeId,
    JsonObject raw) {

  /** Every key a deployment may set; each is read from the environment under the same name. */
  static final String[] KEYS = {
      "HTTP_PORT", "DATABASE_URL", "REDIS_URL", "JWT_SECRET", "META_APP_SECRET", "META_VERIFY_TOKEN",
      "GRAPH_API_URL", "ADMIN_EMAIL", "ADMIN_PASSWORD", "WINDOW_STANDARD", "WINDOW_HUMAN_AGENT",
      "REDIS_PREFIX", "WEBHOOK_MAX_BYTES", "API_MAX_BYTES", "WEB_ROOT", "NODE_ID", "GRAPH_RETRY_BASE_MS",
      "GRAPH_MAX_ATTEMPTS", "GRAPH_TIMEOUT_MS", "SEND_RATE_WHATSAPP", "SEND_RATE_DEFAULT",
      "BOT_MAX_REPLIES_PER_MINUTE", "EVENT_LOG_MAXLEN", "BRIDGE_MAX_CONNECTIONS", "BRIDGE_MAX_QUEUE_BYTES",
      "PROCESSOR_BATCH", "HTTP_INSTANCES", "PROCESSOR_ENABLED", "PROCESSOR_SWEEP_MS", "INGRESS_MAX_IN_FLIGHT",
      "INGRESS_MAX_BATCH", "OUTBOUND_POLL_MS", "OUTBOUND_LEASE_MS", "OUTBOUND_BATCH", "WINDOW_TIMER_POLL_MS",
      "TEMPLATE_CACHE_SECONDS", "EVENT_LOG_ACCOUNT_MAXLEN", "BRIDGE_ALLOWED_ORIGIN", "BRIDGE_PING_TIMEOUT_MS",
      "PROCESSOR_CONCURRENCY", "EXPORT_FETCH", "LABEL_PROBE_MAX", "COUNT_CAP", "DB_POOL_SIZE", "PROFILE_LOOKUP",
      "SEARCH_SHORT_WINDOW",
      "INGRESS_MAX_PENDING_BYTES", "INGRESS_IDLE_TIMEOUT_MS", "BRIDGE_REGISTER_TIMEOUT_MS", "BRIDGE_MAX_UNREGISTERED",
      "BRIDGE_MAX_UNREGISTERED_PER_ADDRESS", "LOGIN_MAX_FAILURES", "LOGIN_MAX_FAILURES_PER_ADDRESS", "LOGIN_WINDOW_SECONDS",
      "PASSWORD_ITERATIONS", "PUBLIC_URL", "ACCESS_TOKEN_SECONDS", "SESSION_DAYS",
      "REFRESH_REUSE_GRACE_MS", "BIND_ADDRESS", "TRUSTED_PROXIES", "METRICS_TOKEN", "METRICS_PORT", "METRICS_BIND_ADDRESS",
      "FANOUT_BLOCK_MS", "FANOUT_BATCH", "RELAY_BATCH", "RELAY_POLL_MS", "OUTBOX_RETENTION_MS", "OUTBOX_PRUNE_MS", "FAULT_POINT"
  };

  private static final JsonObject DEFAULTS = new JsonObject()
      .put("HTTP_PORT", 8080)
      .put("GRAPH_API_URL", "https://graph.facebook.com/v21.0")
      .put("WINDOW_STANDARD", "PT24H")
      .put("WINDOW_HUMAN_AGENT", "P7D")
      .put("REDIS_PREFIX", "sb:")
      .put("WEBHOOK_MAX_BYTES", 4 * 1024 * 1024)
      .put("API_MAX_BYTES", 1024 * 1024);

  /** Loads defaults, {@code conf/config.json} (if present), then the process environment. */
  public static Config load() {
    return load(Path.of("conf", "config.json"), System.getenv(), new JsonObject());
  }

  public static Config load(Path file, Map<String, String> env, JsonObject overrides) {
    JsonObject merged = DEFAULTS.copy();
    if (file != null && Files.isRegularFile(file)) {
      try {
        merged.mergeIn(new JsonObject(Files.readString(file)));
      } catch (IOException | RuntimeException e) {
        throw new ConfigException("cannot read " + file + ": " + e.getMessage());
      }
    }
    for (String key : KEYS) {
      String value = env.get(key);
      if (value != null && !value.isBlank()) {
        merged.put(key, value);
      }
    }
    merged.mergeIn(overrides);
    return from(merged);
  }

  /** Validates and converts; throws {@link ConfigException} naming the first bad key. */
  public static Config from(JsonObject c) {
    String jwt = string(c, "JWT_SECRET");
    boolean generated = jwt == null;
    if (generated) {
      jwt = UUID.randomUUID() + "-" + UUID.randomUUID();
    } else if (jwt.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
      // HS256 with a short secret falls to an offline guess from any one token
      throw new ConfigException("JWT_SECRET must be at least 32 bytes (a random string such as `openssl rand -hex 32`)");
    }
    Duration standard = duration(c, "WINDOW_STANDARD");
    Duration human = duration(c, "WINDOW_HUMAN_AGENT");
    if (human.compareTo(standard) < 0) {
      throw new ConfigException("WINDOW_HUMAN_AGENT (" + human + ") must not be shorter than WINDOW_STANDARD (" + standard + ")");
    }
    // no defaults: the main command runs an embedded server for each one left unset
    String databaseUrl = string(c, "DATABASE_URL");
    checkUri("DATABASE_URL", databaseUrl, "postgresql", "postgres");
    String redisUrl = string(c, "REDIS_URL");
    checkUri("REDIS_URL", redisUrl, "redis", "rediss");
    String nodeId = string(c, "NODE_ID");
    checkNetwork(c);
    return new Config(
        integer(c, "HTTP_PORT", 0, 65535),
        databaseUrl,
        redisUrl,
        jwt,
        generated,
        string(c, "META_APP_SECRET"),
        string(c, "META_VERIFY_TOKEN"),
        stripSlash(required(c, "GRAPH_API_URL")),
        string(c, "ADMIN_EMAIL"),
        string(c, "ADMIN_PASSWORD"),
        standard,
        human,
        required(c, "REDIS_PREFIX"),
        integer(c, "WEBHOOK_MAX_BYTES", 3 * 1024 * 1024, Integer.MAX_VALUE),
        integer(c, "API_MAX_BYTES", 1024, Integer.MAX_VALUE),
        string(c, "WEB_ROOT"),
        nodeId != null ? nodeId : UUID.randomUUID().toString().substring(0, 8),
        c.copy());
  }

  /** The address the HTTP server listens on ({@code BIND_ADDRESS}, every interface by default). */
  public String bindAddress() {
    String v = string(raw, "BIND_ADDRESS");
    return v == null ? "0.0.0.0" : v;
  }

  /** Who the client is behind {@code TRUSTED_PROXIES} (checked at load). */
  public ClientAddress clientAddress() {
    return ClientAddress.parse(string(raw, "TRUSTED_PROXIES"));
  }

  /** {@code METRICS_TOKEN}, or null: then {@code /metrics} is not served on the main port. */
  public String metricsToken() {
    return string(raw, "METRICS_TOKEN");
  }

  /** {@code METRICS_PORT} for a server of its own that only serves {@code /metrics}; null when unset. */
  public Integer metricsPort() {
    return string(raw, "METRICS_PORT") == null ? null : integer(raw, "METRICS_PORT", 0, 65535);
  }

  /** Where the metrics server listens: loopback unless {@code METRICS_BIND_ADDRESS} says otherwise. */
  public String metricsBindAddress() {
    String v = string(raw, "METRICS_BIND_ADDRESS");
    return v == null ? "127.0.0.1" : v;
  }

  // Addresses are literals (a host name would be resolved once, at a moment nobody chose), proxies
  // are ranges, and a metrics token is long enough not to be guessed.
  private static void checkNetwork(JsonObject c) {
    for (String key : new String[] {"BIND_ADDRESS", "METRICS_BIND_ADDRESS"}) {
      String v = string(c, key);
      if (v != null && io.netty.util.NetUtil.createByteArrayFromIpAddressString(v) == null) {
        throw new ConfigException(key + " must be an IP address such as 0.0.0.0 or 127.0.0.1, got '" + v + "'");
      }
    }
    try {
      ClientAddress.parse(string(c, "TRUSTED_PROXIES"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("TRUSTED_PROXIES: " + e.getMessage());
    }
    String token = string(c, "METRICS_TOKEN");
    if (token != null && token.length() < 16) {
      throw new ConfigException("METRICS_TOKEN must be at least 16 characters (a random string such as `openssl rand -hex 16`)");
    }
    if (string(c, "METRICS_PORT") != null) {
      integer(c, "METRICS_PORT", 0, 65535);
    }
  }

  /** An optional integer setting with a default, for parts that add their own knobs. */
  public int intOr(String key, int fallback) {
    Object v = raw.getValue(key);
    if (v == null) {
      return fallback;
    }
    try {
      return v instanceof Number n ? n.intValue() : Integer.parseInt(v.toString().trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key + " must be an integer, got '" + v + "'");
    }
  }

  private static String string(JsonObject c, String key) {
    Object v = c.getValue(key);
    if (v == null) {
      return null;
    }
    String s = v.toString().trim();
    return s.isEmpty() ? null : s;
  }

  private static String required(JsonObject c, String key) {
    String v = string(c, key);
    if (v == null) {
      throw new ConfigException(key + " is required");
    }
    return v;
  }

  private static int integer(JsonObject c, String key, int min, int max) {
    String v = required(c, key);
    try {
      int n = Integer.parseInt(v);
      if (n < min || n > max) {
        throw new ConfigException(key + " must be between " + min + " and " + max + ", got " + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new ConfigException(key + " must be an integer, got '" + v + "'");
    }
  }

  private static Duration duration(JsonObject c, String key) {
    String v = required(c, key);
    try {
      Duration d = Duration.parse(v);
      if (d.isNegative() || d.isZero()) {
        throw new ConfigException(key + " must be positive, got " + v);
      }
      return d;
    } catch (DateTimeParseException e) {
      throw new ConfigException(key + " must be an ISO-8601 duration like PT24H, got '" + v + "'");
    }
  }

  private static void checkUri(String key, String value, String... schemes) {
    if (value == null) {
      return;
    }
    try {
      URI uri = URI.create(value);
      for (String scheme : schemes) {
        if (scheme.equalsIgnoreCase(uri.getScheme())) {
          return;
        }
      }
    } catch (IllegalArgumentException ignored) {
      // reported below
    }
    throw new ConfigException(key + " must be a " + schemes[0] + ":// URL, got '" + value + "'");
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  /** A configuration problem: the message is the one line printed before the node exits. */
  public static final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
      super(message, null, false, false);
    }
  }
}
