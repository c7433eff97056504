package dev.switchboard.store;

import dev.switchboard.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class UnavailableTest {

  @Test
  void postgresRefusingWorkIsUnavailableButAnSqlErrorIsNot() {
    assertThat(Unavailable.is(new PgException("terminating connection due to administrator command", "FATAL", "57P01", null))).isTrue();
    assertThat(Unavailable.is(new PgException("too many connections", "FATAL", "53300", null))).isTrue();
    assertThat(Unavailable.is(new RuntimeException(new PgException("connection failure", "FATAL", "08006", null)))).isTrue();
    // a write that reached a server a failover turned into a standby
    assertThat(Unavailable.is(new PgException("cannot execute INSERT in a read-only transaction", "ERROR", "25006", null))).isTrue();
    assertThat(Unavailable.is(new PgException("duplicate key", "ERROR", "23505", null))).isFalse();
    assertThat(Unavailable.is(new IllegalArgumentException("bad input"))).isFalse();
    assertThat(Unavailable.is(new IllegalStateException(new ConnectException("Connection refused")))).isTrue();
  }

  @Test
  void aRefusedAndAClosedPoolAreUnavailable() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      // a port nothing listens on: the pool's connect is refused
      Pool refused = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
          .connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(TestNode.freePort()).setUser("x").setDatabase("x"))
          .using(vertx).build();
      Throwable err = refused.query("SELECT 1").execute().toCompletionStage().toCompletableFuture()
          .handle((r, e) -> e).get(20, TimeUnit.SECONDS);
      assertThat(err).isNotNull();
      assertThat(Unavailable.is(err)).as(err.toString()).isTrue();
      refused.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      Throwable closed = refused.query("SELECT 1").execute().toCompletionStage().toCompletableFuture()
          .handle((r, e) -> e).get(20, TimeUnit.SECONDS);
      assertThat(closed).isNotNull();
      assertThat(Unavailable.is(closed)).as(closed.toString()).isTrue();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aPoolWithNoConnectionFreeInTimeIsUnavailable() throws Exception {
    Vertx vertx = Vertx.vertx();
    dev.switchboard.support.TestDb db = dev.switchboard.support.TestDb.createEmpty();
    try {
      Pool one = PgBuilder.pool().with(new PoolOptions().setMaxSize(1).setConnectionTimeout(1))
          .connectingTo(Db.connectOptions(db.url())).using(vertx).build();
      var held = one.getConnection().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      // the one connection is held: the next caller waits a second and is refused, which the API answers 503, not 500
      Throwable err = one.query("SELECT 1").execute().toCompletionStage().toCompletableFuture()
          .handle((r, e) -> e).get(20, TimeUnit.SECONDS);
      assertThat(err).isNotNull();
      assertThat(Unavailable.is(err)).as(err.toString()).isTrue();
      held.close();
      one.close();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      db.drop();
    }
  }
}
