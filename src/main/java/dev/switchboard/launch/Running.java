package dev.switchboard.launch;

import dev.switchboard.common.Services;
import dev.switchboard.embedded.EmbeddedServers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A running node and the embedded servers it runs on, if any; closed from a plain thread. */
public interface Running extends AutoCloseable {

  /** The HTTP port the node listens on. */
  int port();

  Vertx vertx();

  Services services();

  /** The embedded servers, or null when both DATABASE_URL and REDIS_URL named real ones. */
  EmbeddedServers servers();

  /** Closes this on SIGTERM and Ctrl+C (then exits 0) and at JVM exit; {@code announce} runs first, once. */
  void closeOnSignals(Runnable announce);

  /** Stops, once, in order: the node, Vert.x, Redis, PostgreSQL. */
  @Override
  void close();

  /** Waits on a plain thread for a future. */
  static <T> T await(Future<T> f, int seconds) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(cause);
    } catch (TimeoutException e) {
      throw new IllegalStateException("timed out after " + seconds + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
