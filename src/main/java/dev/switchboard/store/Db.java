package dev.switchboard.store;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** Builds the node's one PostgreSQL pool, shared by every verticle of the node. */
public final class Db {

  private Db() {
  }

  public static Pool pool(Vertx vertx, String databaseUrl, int maxSize) {
    return pool(vertx, databaseUrl, maxSize, PgHosts.Want.PRIMARY);
  }

  /**
   * A pool on {@code url}. A URL with one host and no {@code target_session_attrs} connects there
   * directly; otherwise each new connection goes where {@link PgHosts} finds a host that is
   * {@code want} ({@code target_session_attrs} in the URL decides for a read pool; the primary
   * pool always wants the writable primary).
   */
  public static Pool pool(Vertx vertx, String databaseUrl, int maxSize, PgHosts.Want want) {
    PoolOptions pool = poolOptions(maxSize);
    PgHosts hosts = hosts(vertx, databaseUrl, want);
    if (hosts == null) {
      return PgBuilder.pool().with(pool).connectingTo(tuned(connectOptions(databaseUrl))).using(vertx).build();
    }
    return PgBuilder.pool().with(pool).connectingTo(hosts).using(vertx).build();
  }

  /** The hosts of a multi-host URL (or of one with {@code target_session_attrs}); null for a plain one. */
  public static PgHosts hosts(Vertx vertx, String databaseUrl, PgHosts.Want want) {
    Parsed p = parse(databaseUrl);
    if (p.hosts().size() == 1 && p.attrs() == null) {
      return null;
    }
    List<PgConnectOptions> options = new ArrayList<>();
    for (String host : p.hosts()) {
      options.add(tuned(PgConnectOptions.fromUri(p.withHost(host))));
    }
    PgHosts.Want wanted = want == PgHosts.Want.PRIMARY ? want : PgHosts.Want.parse(p.attrs(), want);
    return new PgHosts(vertx, options, wanted);
  }

  /** Statements up to this many characters are prepared once per connection and kept. */
  static final int PREPARED_SQL_LIMIT = 16_384;

  private static PgConnectOptions tuned(PgConnectOptions o) {
    return o.setPipeliningLimit(256)
        .setCachePreparedStatements(true)
        .setPreparedStatementCacheMaxSize(512)
        // the client's default (2,048 characters) leaves the conversation view (~2,600), which every
        // conversation event and list page selects, and the list queries parsed and planned anew
        // on every execution
        .setPreparedStatementCacheSqlLimit(PREPARED_SQL_LIMIT)
        .setReconnectAttempts(0);
  }

  private static PoolOptions poolOptions(int maxSize) {
    return new PoolOptions()
        .setMaxSize(maxSize)
        .setShared(false)
        .setMaxWaitQueueSize(20_000)
        .setConnectionTimeout(5)
        .setIdleTimeout(60);
  }

  /**
   * Accepts both {@code postgresql://} and {@code postgres://} URLs; of a multi-host URL, the
   * first host (the pools use {@link #hosts} for the others).
   */
  public static PgConnectOptions connectOptions(String databaseUrl) {
    Parsed p = parse(databaseUrl);
    return PgConnectOptions.fromUri(p.withHost(p.hosts().get(0)));
  }

  /**
   * The JDBC form of the same URL, for Flyway; user and password travel separately. Several hosts
   * become pgjdbc's host list with {@code targetServerType=primary}: migrations run on the primary.
   */
  public static JdbcTarget jdbc(String databaseUrl) {
    Parsed p = parse(databaseUrl);
    PgConnectOptions o = connectOptions(databaseUrl);
    List<String> hostPorts = new ArrayList<>();
    for (String host : p.hosts()) {
      hostPorts.add(hostPort(PgConnectOptions.fromUri(p.withHost(host))));
    }
    String jdbcUrl = "jdbc:postgresql://" + String.join(",", hostPorts) + "/" + o.getDatabase()
        + (hostPorts.size() > 1 || p.attrs() != null ? "?targetServerType=primary" : "");
    return new JdbcTarget(jdbcUrl, o.getUser(), o.getPassword());
  }

  /** {@code host:port[,host:port...]/db}, for messages that must name where the database was expected. */
  public static String describe(String databaseUrl) {
    try {
      Parsed p = parse(databaseUrl);
      List<String> hostPorts = new ArrayList<>();
      for (String host : p.hosts()) {
        hostPorts.add(hostPort(PgConnectOptions.fromUri(p.withHost(host))));
      }
      return String.join(",", hostPorts) + "/" + connectOptions(databaseUrl).getDatabase();
    } catch (RuntimeException e) {
      URI uri = URI.create(databaseUrl);
      return uri.getHost() + ":" + uri.getPort() + uri.getPath();
    }
  }

  /**
   * A URL split around its host list: {@code prefix} (scheme and user), the hosts, {@code suffix}
   * (database and parameters other than {@code target_session_attrs}, which the server would
   * refuse as a startup parameter), and that attribute.
   */
  record Parsed(String prefix, List<String> hosts, String suffix, String attrs) {
    String withHost(String host) {
      return prefix + host + suffix;
    }
  }

  static Parsed parse(String databaseUrl) {
    String url = databaseUrl.startsWith("postgres://") ? "postgresql://" + databaseUrl.substring("postgres://".length()) : databaseUrl;
    int scheme = url.indexOf("://");
    if (scheme < 0) {
      return new Parsed("", List.of(url), "", null);
    }
    int authorityStart = scheme + 3;
    int authorityEnd = url.length();
    for (char c : new char[] {'/', '?'}) {
      int i = url.indexOf(c, authorityStart);
      if (i >= 0 && i < authorityEnd) {
        authorityEnd = i;
      }
    }
    String authority = url.substring(authorityStart, authorityEnd);
    int at = authority.lastIndexOf('@');
    String prefix = url.substring(0, authorityStart) + (at < 0 ? "" : authority.substring(0, at + 1));
    List<String> hosts = List.of(authority.substring(at + 1).split(",", -1));
    String rest = url.substring(authorityEnd);
    String attrs = null;
    int q = rest.indexOf('?');
    if (q >= 0) {
      List<String> kept = new ArrayList<>();
      for (String param : rest.substring(q + 1).split("&")) {
        if (param.startsWith("target_session_attrs=")) {
          attrs = param.substring("target_session_attrs=".length());
        } else if (!param.isEmpty()) {
          kept.add(param);
        }
      }
      rest = rest.substring(0, q) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
    }
    return new Parsed(prefix, hosts, rest, attrs);
  }

  private static String hostPort(PgConnectOptions o) {
    return o.getHost() + ":" + o.getPort();
  }

  /** Where Flyway connects. */
  public record JdbcTarget(String url, String user, String password) {
  }
}
