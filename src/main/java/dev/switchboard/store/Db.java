package dev.switchboard.store;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

import java.net.URI;

/** Builds the node's one PostgreSQL pool, shared by every verticle of the node. */
public final class Db {

  private Db() {
  }

  public static Pool pool(Vertx vertx, String databaseUrl, int maxSize) {
    PgConnectOptions connect = connectOptions(databaseUrl)
        .setPipeliningLimit(256)
        .setCachePreparedStatements(true)
        .setPreparedStatementCacheMaxSize(512)
        .setReconnectAttempts(0);
    PoolOptions pool = new PoolOptions()
        .setMaxSize(maxSize)
        .setShared(false)
        .setMaxWaitQueueSize(20_000)
        .setConnectionTimeout(5)
        .setIdleTimeout(60);
    return PgBuilder.pool().with(pool).connectingTo(connect).using(vertx).build();
  }

  /** Accepts both {@code postgresql://} and {@code postgres://} URLs. */
  public static PgConnectOptions connectOptions(String databaseUrl) {
    String url = databaseUrl.startsWith("postgres://") ? "postgresql://" + databaseUrl.substring("postgres://".length()) : databaseUrl;
    return PgConnectOptions.fromUri(url);
  }

  /** The JDBC form of the same URL, for Flyway; user and password travel separately. */
  public static JdbcTarget jdbc(String databaseUrl) {
    PgConnectOptions o = connectOptions(databaseUrl);
    String jdbcUrl = "jdbc:postgresql://" + hostPort(o) + "/" + o.getDatabase();
    return new JdbcTarget(jdbcUrl, o.getUser(), o.getPassword());
  }

  /** {@code host:port/db}, for messages that must name where the database was expected. */
  public static String describe(String databaseUrl) {
    try {
      PgConnectOptions o = connectOptions(databaseUrl);
      return hostPort(o) + "/" + o.getDatabase();
    } catch (RuntimeException e) {
      URI uri = URI.create(databaseUrl);
      return uri.getHost() + ":" + uri.getPort() + uri.getPath();
    }
  }

  private static String hostPort(PgConnectOptions o) {
    return o.getHost() + ":" + o.getPort();
  }

  /** Where Flyway connects. */
  public record JdbcTarget(String url, String user, String password) {
  }
}
