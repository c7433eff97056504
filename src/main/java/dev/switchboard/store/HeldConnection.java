package dev.switchboard.store;

import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One long-lived, pipelined connection of a client, made again after it fails. For a Redis Cluster
 * the client's per-request pooling can stall under concurrent first requests (a cluster connection
 * takes a pooled connection to every master), while one cluster connection carries any number of
 * requests in flight; after a failover the next request connects again and reads the new slot map.
 */
final class HeldConnection implements Redis {

  /** No command here blocks: one unanswered this long sits on a connection to a server that is gone. */
  private static final long TIMEOUT_S = 10;

  private final Redis client;
  private Future<RedisConnection> held;

  HeldConnection(Redis client) {
    this.client = client;
  }

  @Override
  public synchronized Future<RedisConnection> connect() {
    if (held == null) {
      // a cluster connects to every master: one that is dead but still in the slot map can hold it
      Future<RedisConnection> connecting = client.connect().timeout(TIMEOUT_S, TimeUnit.SECONDS);
      held = connecting;
      connecting.onSuccess(c -> c.exceptionHandler(err -> drop(connecting)))
          .onFailure(err -> drop(connecting));
    }
    return held;
  }

  private synchronized void drop(Future<RedisConnection> failed) {
    if (held == failed) {
      held = null;
      if (failed.succeeded()) {
        failed.result().close();
      }
    }
  }

  @Override
  public Future<Response> send(Request request) {
    Future<RedisConnection> c = connect();
    return c.compose(conn -> conn.send(request)).timeout(TIMEOUT_S, TimeUnit.SECONDS).onFailure(err -> {
      // a refused command (a script error) leaves the connection as it was; anything else may not
      if (!(err instanceof io.vertx.redis.client.impl.types.ErrorType)) {
        drop(c);
      }
    });
  }

  @Override
  public Future<List<Response>> batch(List<Request> requests) {
    Future<RedisConnection> c = connect();
    return c.compose(conn -> conn.batch(requests)).timeout(TIMEOUT_S, TimeUnit.SECONDS).onFailure(err -> {
      if (!(err instanceof io.vertx.redis.client.impl.types.ErrorType)) {
        drop(c);
      }
    });
  }

  @Override
  public synchronized Future<Void> close() {
    Future<RedisConnection> c = held;
    held = null;
    Future<Void> closing = c == null ? Future.succeededFuture() : c.compose(RedisConnection::close).otherwiseEmpty();
    return closing.compose(v -> client.close());
  }
}
