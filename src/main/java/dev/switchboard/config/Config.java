package dev.switchboard.config;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The node's configuration, read once at start-up: the defaults of {@link Settings}, then
 * {@code conf/config.json}, then environment variables, then explicit overrides (tests, embedded
 * servers). Every value is checked at once; a configuration with any bad key does not load, and
 * the error names every bad key. Each part reads its own typed record ({@link #processor()},
 * {@link #bridge()} ...). {@code databaseUrl}, {@code redisUrl} and {@code webRoot} are null when
 * nothing sets them: the main command then runs embedded servers, and the web inbox comes from
 * the class path.
 */
public record Config(
    Http http,
    Store store,
    Auth auth,
    Ingress ingress,
    Processor processor,
    Graph graph,
    Outbox outbox,
    Window window,
    Bot bot,
    Events events,
    Outgoing outgoing,
    Bridge bridge,
    Fanout fanout,
    Inbox inbox,
    Media media,
    Network network,
    Replicas replicas,
    Presence presence,
    String nodeId) {

  /**
   * Presence (online after a bridge socket registers, offline this long after the last one
   * closed; each node's leases live {@code nodeTtlMs}), collision activity, and the auto-assigner.
   */
  public record Presence(int offlineAfterMs, int nodeTtlMs, int sweepMs, int activityThrottleMs,
                         int assignPollMs, int assignRetryMs, int assignBatch) {
  }

  /**
   * Hot standbys for the inbox's reads: {@code readUrl} null reads everything from the primary; a
   * caller who changed something in the last {@code readYourWritesMs} reads from the primary.
   */
  public record Replicas(String readUrl, int readYourWritesMs) {
  }

  /** Outgoing webhooks: who may be called, and how deliveries are retried. */
  public record Outgoing(boolean allowPrivate, int retryBaseMs, int retryHorizonMs, int timeoutMs, int pollMs, int leaseMs,
                         int concurrency) {
  }

  /** HTTP servers. */
  public record Http(int port, int instances, int apiMaxBytes, String webRoot, String publicUrl) {
  }

  /** PostgreSQL and Redis. */
  public record Store(String databaseUrl, String redisUrl, int dbPoolSize, String redisPrefix, String redisMode,
                      String redisMasterName, Streams streams) {
  }

  /** Uploads and exports, which hold a database connection for as long as their client takes (see http.StreamSlots). */
  public record Streams(int perAccount, int waitMs, int idleMs) {
  }

  /** Tokens, sessions, sign-in throttling and the first admin. */
  public record Auth(String jwtSecret, boolean jwtSecretGenerated, String adminEmail, String adminPassword,
                     int accessTokenSeconds, int sessionDays, int refreshReuseGraceMs, int loginMaxFailures,
                     int loginMaxFailuresPerAddress, int loginWindowSeconds, int passwordIterations,
                     int apiKeyRatePerMinute) {
  }

  /** Webhook ingress: signatures, sizes, group commit. */
  public record Ingress(String metaAppSecret, String metaVerifyToken, int webhookMaxBytes, int maxInFlight,
                        int maxBatch, int maxPendingBytes, int idleTimeoutMs) {
  }

  /** The processor of stored webhooks. */
  public record Processor(boolean enabled, int batch, int sweepMs, int concurrency, boolean profileLookup) {
  }

  /** Calls to Meta's Graph API. */
  public record Graph(String apiUrl, int timeoutMs, int maxAttempts, int retryBaseMs) {
  }

  /** The send pipeline. */
  public record Outbox(int sendRateWhatsapp, int sendRateDefault, int pollMs, int leaseMs, int batch,
                       int templateCacheSeconds) {
  }

  /** Reply windows and their timer. */
  public record Window(Duration standard, Duration humanAgent, int timerPollMs, Duration warnBefore) {
  }

  /** Bots. */
  public record Bot(int maxRepliesPerMinute) {
  }

  /**
   * The Redis event log and the relay that fills it from the outbox; {@code faultPoint} is for the
   * crash tests only (see docs/configuration.md).
   */
  public record Events(int logMaxlen, int accountMaxlen, int logPartitions, int relayBatch, int relayPollMs, int outboxRetentionMs,
                       int outboxPruneMs, String faultPoint) {
  }

  /**
   * Where the node listens and whom it believes: the HTTP bind address, the proxies whose
   * {@code X-Forwarded-For} names the client, and how {@code /metrics} is reached ({@code metricsPort}
   * null: no server of its own).
   */
  public record Network(String bindAddress, ClientAddress clientAddress, String metricsToken, Integer metricsPort,
                        String metricsBindAddress) {
  }

  /** The live socket bridge; {@code allowedOrigin} is the raw setting (null: any). */
  public record Bridge(int maxConnections, int maxQueueBytes, String allowedOrigin, int pingTimeoutMs,
                       int registerTimeoutMs, int maxUnregistered, int maxUnregisteredPerAddress) {
  }

  /**
   * The node's reader of the event log. {@code heldOnly}: a partition is read only while this node
   * holds a registered socket of one of its accounts, and {@code lingerMs} after the last one closed.
   */
  public record Fanout(int blockMs, int batch, boolean heldOnly, int lingerMs) {
  }

  /** The agents' list, count, search and export queries. */
  public record Inbox(int countCap, int labelProbeMax, int searchShortWindow, int exportFetch) {
  }

  /**
   * Media: the largest file kept, the fetch queue's workers, lease and retries, the idle timeout
   * of a download, and how long a signed media URL lives.
   */
  public record Media(int maxBytes, int fetchConcurrency, int fetchPollMs, int fetchLeaseMs, int fetchMaxAttempts,
                      int fetchRetryBaseMs, int fetchTimeoutMs, int urlSeconds, int retentionDays, int retentionSweepMs,
                      String store, S3 s3) {
  }

  /** The S3-compatible media store ({@code MEDIA_STORE=s3}); null credentials: the SDK's default chain. */
  public record S3(String endpoint, String bucket, String region, String accessKeyId, String secretAccessKey,
                   boolean pathStyle) {
  }

  /** Loads defaults, {@code conf/config.json} (if present), then the process environment. */
  public static Config load() {
    return load(Path.of("conf", "config.json"), System.getenv(), new JsonObject());
  }

  /** Every setting is read from the environment under its own name; a blank variable is not set. */
  public static Config load(Path file, Map<String, String> env, JsonObject overrides) {
    JsonObject merged = new JsonObject();
    if (file != null && Files.isRegularFile(file)) {
      try {
        merged.mergeIn(new JsonObject(Files.readString(file)));
      } catch (IOException | RuntimeException e) {
        throw new ConfigException("cannot read " + file + ": " + e.getMessage());
      }
    }
    for (String key : Settings.all().keySet()) {
      String value = env.get(key);
      if (value != null && !value.isBlank()) {
        merged.put(key, value);
      }
    }
    merged.mergeIn(overrides);
    return from(merged);
  }

  /** Checks every key and converts; throws one {@link ConfigException} naming every bad key. */
  public static Config from(JsonObject c) {
    List<String> errors = new ArrayList<>();
    Values v = new Values(Settings.parse(new LinkedHashMap<>(c.getMap()), errors));
    String jwt = v.text("JWT_SECRET");
    boolean generated = jwt == null;
    if (generated) {
      jwt = UUID.randomUUID() + "-" + UUID.randomUUID();
    } else if (jwt.getBytes(StandardCharsets.UTF_8).length < 32) {
      // HS256 with a short secret falls to an offline guess from any one token
      errors.add("JWT_SECRET must be at least 32 bytes (a random string such as `openssl rand -hex 32`)");
    }
    Duration standard = v.duration("WINDOW_STANDARD");
    Duration human = v.duration("WINDOW_HUMAN_AGENT");
    if (standard != null && human != null && human.compareTo(standard) < 0) {
      errors.add("WINDOW_HUMAN_AGENT (" + human + ") must not be shorter than WINDOW_STANDARD (" + standard + ")");
    }
    ClientAddress clients = null;
    try {
      clients = ClientAddress.parse(v.text("TRUSTED_PROXIES"));
    } catch (IllegalArgumentException e) {
      errors.add("TRUSTED_PROXIES: " + e.getMessage());
    }
    // addresses are literals (a host name would be resolved once, at a moment nobody chose), and a
    // metrics token is long enough not to be guessed
    for (String key : new String[] {"BIND_ADDRESS", "METRICS_BIND_ADDRESS"}) {
      String a = v.text(key);
      if (a != null && io.netty.util.NetUtil.createByteArrayFromIpAddressString(a) == null) {
        errors.add(key + " must be an IP address such as 0.0.0.0 or 127.0.0.1, got '" + a + "'");
      }
    }
    String metricsToken = v.text("METRICS_TOKEN");
    if (metricsToken != null && metricsToken.length() < 16) {
      errors.add("METRICS_TOKEN must be at least 16 characters (a random string such as `openssl rand -hex 16`)");
    }
    errors.addAll(RedisSettings.problems(v.text("REDIS_MODE"), v.text("REDIS_URL"), v.text("REDIS_MASTER_NAME"),
        v.text("REDIS_PREFIX")));
    String fault = v.text("FAULT_POINT");
    if (fault != null && !List.of("processor-after-commit", "relay-after-claim", "assign-before-commit").contains(fault)) {
      errors.add("FAULT_POINT must be processor-after-commit, relay-after-claim or assign-before-commit, got '" + fault + "'");
    }
    String mediaStore = v.text("MEDIA_STORE");
    if (!List.of("postgres", "s3").contains(mediaStore)) {
      errors.add("MEDIA_STORE must be postgres or s3, got '" + mediaStore + "'");
    } else if (mediaStore.equals("s3") && v.text("S3_BUCKET") == null) {
      errors.add("MEDIA_STORE=s3 needs S3_BUCKET");
    }
    if ((v.text("S3_ACCESS_KEY_ID") == null) != (v.text("S3_SECRET_ACCESS_KEY") == null)) {
      errors.add("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are set together (or neither, for the SDK's default credentials)");
    }
    if (!errors.isEmpty()) {
      throw new ConfigException(errors.size() == 1 ? errors.get(0)
          : errors.size() + " bad settings: " + String.join("; ", errors));
    }
    String graphUrl = v.text("GRAPH_API_URL");
    return new Config(
        new Http(v.integer("HTTP_PORT"), v.integer("HTTP_INSTANCES"), v.integer("API_MAX_BYTES"), v.text("WEB_ROOT"),
            v.text("PUBLIC_URL")),
        new Store(v.text("DATABASE_URL"), v.text("REDIS_URL"), v.integer("DB_POOL_SIZE"), v.text("REDIS_PREFIX"),
            v.text("REDIS_MODE"), v.text("REDIS_MASTER_NAME"),
            new Streams(v.integer("STREAMS_PER_ACCOUNT"), v.integer("STREAM_WAIT_MS"), v.integer("STREAM_IDLE_MS"))),
        new Auth(jwt, generated, v.text("ADMIN_EMAIL"), v.text("ADMIN_PASSWORD"), v.integer("ACCESS_TOKEN_SECONDS"),
            v.integer("SESSION_DAYS"), v.integer("REFRESH_REUSE_GRACE_MS"), v.integer("LOGIN_MAX_FAILURES"),
            v.integer("LOGIN_MAX_FAILURES_PER_ADDRESS"), v.integer("LOGIN_WINDOW_SECONDS"), v.integer("PASSWORD_ITERATIONS"),
            v.integer("API_KEY_RATE_PER_MINUTE")),
        new Ingress(v.text("META_APP_SECRET"), v.text("META_VERIFY_TOKEN"), v.integer("WEBHOOK_MAX_BYTES"),
            v.integer("INGRESS_MAX_IN_FLIGHT"), v.integer("INGRESS_MAX_BATCH"), v.integer("INGRESS_MAX_PENDING_BYTES"),
            v.integer("INGRESS_IDLE_TIMEOUT_MS")),
        new Processor(v.flag("PROCESSOR_ENABLED"), v.integer("PROCESSOR_BATCH"), v.integer("PROCESSOR_SWEEP_MS"),
            v.integer("PROCESSOR_CONCURRENCY"), v.integer("PROFILE_LOOKUP") != 0),
        new Graph(graphUrl.endsWith("/") ? graphUrl.substring(0, graphUrl.length() - 1) : graphUrl,
            v.integer("GRAPH_TIMEOUT_MS"), v.integer("GRAPH_MAX_ATTEMPTS"), v.integer("GRAPH_RETRY_BASE_MS")),
        new Outbox(v.integer("SEND_RATE_WHATSAPP"), v.integer("SEND_RATE_DEFAULT"), v.integer("OUTBOUND_POLL_MS"),
            v.integer("OUTBOUND_LEASE_MS"), v.integer("OUTBOUND_BATCH"), v.integer("TEMPLATE_CACHE_SECONDS")),
        new Window(standard, human, v.integer("WINDOW_TIMER_POLL_MS"), v.duration("WINDOW_WARN_BEFORE")),
        new Bot(v.integer("BOT_MAX_REPLIES_PER_MINUTE")),
        new Events(v.integer("EVENT_LOG_MAXLEN"), v.integer("EVENT_LOG_ACCOUNT_MAXLEN"), v.integer("REDIS_LOG_PARTITIONS"),
            v.integer("RELAY_BATCH"),
            v.integer("RELAY_POLL_MS"), v.integer("OUTBOX_RETENTION_MS"), v.integer("OUTBOX_PRUNE_MS"), fault),
        new Outgoing(v.flag("OUTGOING_WEBHOOKS_ALLOW_PRIVATE"), v.integer("OUTGOING_WEBHOOK_RETRY_BASE_MS"),
            v.integer("OUTGOING_WEBHOOK_RETRY_HORIZON_MS"), v.integer("OUTGOING_WEBHOOK_TIMEOUT_MS"),
            v.integer("OUTGOING_WEBHOOK_POLL_MS"), v.integer("OUTGOING_WEBHOOK_LEASE_MS"), v.integer("OUTGOING_WEBHOOK_CONCURRENCY")),
        new Bridge(v.integer("BRIDGE_MAX_CONNECTIONS"), v.integer("BRIDGE_MAX_QUEUE_BYTES"), v.text("BRIDGE_ALLOWED_ORIGIN"),
            v.integer("BRIDGE_PING_TIMEOUT_MS"), v.integer("BRIDGE_REGISTER_TIMEOUT_MS"), v.integer("BRIDGE_MAX_UNREGISTERED"),
            v.integer("BRIDGE_MAX_UNREGISTERED_PER_ADDRESS")),
        new Fanout(v.integer("FANOUT_BLOCK_MS"), v.integer("FANOUT_BATCH"), v.flag("FANOUT_HELD_ONLY"),
            v.integer("FANOUT_LINGER_MS")),
        new Inbox(v.integer("COUNT_CAP"), v.integer("LABEL_PROBE_MAX"), v.integer("SEARCH_SHORT_WINDOW"),
            v.integer("EXPORT_FETCH")),
        new Media(v.integer("MEDIA_MAX_BYTES"), v.integer("MEDIA_FETCH_CONCURRENCY"), v.integer("MEDIA_FETCH_POLL_MS"),
            v.integer("MEDIA_FETCH_LEASE_MS"), v.integer("MEDIA_FETCH_MAX_ATTEMPTS"), v.integer("MEDIA_FETCH_RETRY_BASE_MS"),
            v.integer("MEDIA_FETCH_TIMEOUT_MS"), v.integer("MEDIA_URL_SECONDS"), v.integer("MEDIA_RETENTION_DAYS"),
            v.integer("MEDIA_RETENTION_SWEEP_MS"), mediaStore,
            new S3(v.text("S3_ENDPOINT"), v.text("S3_BUCKET"), v.text("S3_REGION"), v.text("S3_ACCESS_KEY_ID"),
                v.text("S3_SECRET_ACCESS_KEY"), v.flag("S3_PATH_STYLE"))),
        new Network(v.text("BIND_ADDRESS"), clients, metricsToken, v.integerOrNull("METRICS_PORT"), v.text("METRICS_BIND_ADDRESS")),
        new Replicas(v.text("DATABASE_READ_URL"), v.integer("READ_YOUR_WRITES_MS")),
        new Presence(v.integer("PRESENCE_OFFLINE_AFTER_MS"), v.integer("PRESENCE_NODE_TTL_MS"), v.integer("PRESENCE_SWEEP_MS"),
            v.integer("ACTIVITY_THROTTLE_MS"), v.integer("ASSIGN_POLL_MS"), v.integer("ASSIGN_RETRY_MS"), v.integer("ASSIGN_BATCH")),
        v.text("NODE_ID"));
  }

  // shorthands for the settings most parts and tests name

  public String bindAddress() {
    return network.bindAddress();
  }

  public ClientAddress clientAddress() {
    return network.clientAddress();
  }

  public String metricsToken() {
    return network.metricsToken();
  }

  public Integer metricsPort() {
    return network.metricsPort();
  }

  public String metricsBindAddress() {
    return network.metricsBindAddress();
  }

  public String publicUrl() {
    return http.publicUrl();
  }

  public int httpPort() {
    return http.port();
  }

  public int apiMaxBytes() {
    return http.apiMaxBytes();
  }

  public String webRoot() {
    return http.webRoot();
  }

  public String databaseUrl() {
    return store.databaseUrl();
  }

  public String redisUrl() {
    return store.redisUrl();
  }

  public String redisPrefix() {
    return store.redisPrefix();
  }

  public String jwtSecret() {
    return auth.jwtSecret();
  }

  public boolean jwtSecretGenerated() {
    return auth.jwtSecretGenerated();
  }

  public String adminEmail() {
    return auth.adminEmail();
  }

  public String adminPassword() {
    return auth.adminPassword();
  }

  public String metaAppSecret() {
    return ingress.metaAppSecret();
  }

  public String metaVerifyToken() {
    return ingress.metaVerifyToken();
  }

  public int webhookMaxBytes() {
    return ingress.webhookMaxBytes();
  }

  public String graphApiUrl() {
    return graph.apiUrl();
  }

  public Duration windowStandard() {
    return window.standard();
  }

  public Duration windowHumanAgent() {
    return window.humanAgent();
  }

  /** Typed reads of checked values. */
  private record Values(Map<String, Object> map) {
    int integer(String key) {
      return (Integer) map.get(key);
    }

    Integer integerOrNull(String key) {
      return (Integer) map.get(key);
    }

    boolean flag(String key) {
      return (Boolean) map.get(key);
    }

    String text(String key) {
      return (String) map.get(key);
    }

    Duration duration(String key) {
      return (Duration) map.get(key);
    }
  }

  /** A configuration problem: the message is the one line printed before the node exits. */
  public static final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
      super(message, null, false, false);
    }
  }
}
