package dev.switchboard.ingress;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Commits raw webhook bodies in groups. One instance per event loop, used only from it (no
 * locks). A body is sent at once when fewer than {@code maxInFlight} inserts are running;
 * otherwise it waits and leaves with everything queued behind it in one multi-row INSERT as
 * soon as an insert finishes. Under load the batch grows by itself; idle, latency is one
 * round trip. No timer.
 */
public final class GroupCommit {

  private record Pending(String platform, String body, Promise<Void> stored) {
  }

  private final Pool pool;
  private final Vertx vertx;
  private final String nudgeAddress;
  private final int maxInFlight;
  private final int maxRows;
  private final long maxBytes;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private final io.micrometer.core.instrument.Counter inserts;
  private int inFlight;

  /** @param inserts counts INSERT statements (fewer than bodies under load: that is the point); may be null */
  public GroupCommit(Vertx vertx, Pool pool, String nudgeAddress, int maxInFlight, int maxRows, long maxBytes,
                     io.micrometer.core.instrument.Counter inserts) {
    this.inserts = inserts;
    this.vertx = vertx;
    this.pool = pool;
    this.nudgeAddress = nudgeAddress;
    this.maxInFlight = maxInFlight;
    this.maxRows = maxRows;
    this.maxBytes = maxBytes;
  }

  /** Completes once the body is committed in {@code raw_events}; fails if it could not be stored. */
  public Future<Void> store(String platform, String body) {
    Promise<Void> p = Promise.promise();
    queue.add(new Pending(platform, body, p));
    if (inFlight < maxInFlight) {
      flush();
    }
    return p.future();
  }

  private void flush() {
    if (queue.isEmpty()) {
      return;
    }
    List<Pending> batch = new ArrayList<>(Math.min(queue.size(), maxRows));
    long bytes = 0;
    while (!queue.isEmpty() && batch.size() < maxRows && (batch.isEmpty() || bytes + queue.peek().body().length() <= maxBytes)) {
      Pending p = queue.poll();
      bytes += p.body().length();
      batch.add(p);
    }
    String[] platforms = new String[batch.size()];
    String[] bodies = new String[batch.size()];
    for (int i = 0; i < batch.size(); i++) {
      platforms[i] = batch.get(i).platform();
      bodies[i] = batch.get(i).body();
    }
    inFlight++;
    if (inserts != null) {
      inserts.increment();
    }
    pool.preparedQuery(IngressSql.INSERT_RAW).execute(Tuple.of(platforms, (Object) bodies)).onComplete(ar -> {
      inFlight--;
      if (ar.succeeded()) {
        batch.forEach(p -> p.stored().complete());
        vertx.eventBus().send(nudgeAddress, batch.size());
      } else {
        batch.forEach(p -> p.stored().fail(ar.cause()));
      }
      flush();
    });
  }
}
