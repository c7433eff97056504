package dev.switchboard.store;

import io.vertx.core.http.HttpClosedException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeoutException;

/**
 * The one answer to "did this fail because a dependency (PostgreSQL, Redis, a remote server) is
 * away, rather than because of what was asked?": the API answers such failures 503 with
 * {@code Retry-After}, the processor leaves their rows for the sweeper instead of retrying them
 * event by event.
 */
public final class Unavailable {

  private Unavailable() {
  }

  /**
   * True for a lost or refused connection, a time-out, a closed pool, and PostgreSQL refusing
   * work (SQLSTATE classes 08 connection, 53 resources, 57 operator intervention such as a
   * restart, and 25006 a write on a server that is no longer the primary), anywhere in the cause chain.
   */
  public static boolean is(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (t instanceof PgException pg) {
        String state = String.valueOf(pg.getSqlState());
        // 25006: a write reached a read-only server (a primary restarted as a standby by a failover)
        return state.startsWith("08") || state.startsWith("53") || state.startsWith("57") || state.equals("25006");
      }
      if (t instanceof ConnectException || t instanceof ClosedChannelException || t instanceof ClosedConnectionException
          || t instanceof HttpClosedException || t instanceof TimeoutException) {
        return true;
      }
      // the clients report some losses only through internal types (a closed pool) or a plain
      // VertxException's message (a pool with no connection free in time: "Timeout waiting for
      // connection"), so those are recognised by name
      String name = t.getClass().getName();
      String message = String.valueOf(t.getMessage());
      if (name.contains("Closed") || name.contains("Timeout") || name.contains("ConnectionPoolTooBusy")
          || message.contains("closed") || message.contains("Connection refused") || message.startsWith("Timeout")) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }
}
