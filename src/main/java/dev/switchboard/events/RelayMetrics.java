package dev.switchboard.events;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.sqlclient.Row;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the relay meters: its lag, what it appended and refilled, how far the log is behind or
 * ahead, and its restarts.
 */
final class RelayMetrics {

  private final AtomicLong behind = new AtomicLong();
  private final AtomicLong ahead = new AtomicLong();
  private final Timer lag;
  private final Counter relayed;
  private final Counter refilled;
  private final Counter restarts;
  private final Counter restartsSeen;

  /** Nothing is recorded without a registry. */
  RelayMetrics(MeterRegistry metrics) {
    if (metrics == null) {
      lag = null;
      relayed = null;
      refilled = null;
      restarts = null;
      restartsSeen = null;
      return;
    }
    lag = Timer.builder("switchboard_event_relay_lag")
        .description("from an event's insert into the outbox to its append to the log")
        .publishPercentiles(0.5, 0.99)
        // buckets too: the percentiles above span the node's life, its cold start included, while
        // two scrapes' bucket counts give the lag over any window between them (bench/scale does)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(60))
        .register(metrics);
    relayed = Counter.builder("switchboard_events_relayed_total").description("events appended to the log by this node").register(metrics);
    refilled = Counter.builder("switchboard_events_refilled_total")
        .description("events appended from the outbox to a log that had fallen behind (a crashed relay, a Redis that lost data)")
        .register(metrics);
    Gauge.builder("switchboard_event_relay_behind", behind, AtomicLong::get)
        .description("positions PostgreSQL has handed out that the log did not hold at the last check")
        .register(metrics);
    // above 0: the database was restored or replaced under this Redis; the relay restarts the log
    Gauge.builder("switchboard_event_log_ahead", ahead, AtomicLong::get)
        .description("positions the log held that PostgreSQL had not handed out, at the last check")
        .register(metrics);
    // one restart per deployment: the nodes that saw the log ahead too find it set back already
    restarts = Counter.builder("switchboard_event_log_restarts_total")
        .description("times this node found the log ahead of PostgreSQL under the relay's lock (a database restored under it)")
        .tag("outcome", "restarted")
        .register(metrics);
    restartsSeen = Counter.builder("switchboard_event_log_restarts_total")
        .description("times this node found the log ahead of PostgreSQL under the relay's lock (a database restored under it)")
        .tag("outcome", "already_restarted")
        .register(metrics);
  }

  /** Positions PostgreSQL handed out that the log did not hold at the last check. */
  void behind(long positions) {
    behind.set(Math.max(0, positions));
  }

  /** Positions the log held that PostgreSQL had not handed out, at the last check. */
  void ahead(long positions) {
    ahead.set(Math.max(0, positions));
  }

  /** This node set the log back ({@code done}), or found it set back by another node already. */
  void restarted(boolean done) {
    Counter c = done ? restarts : restartsSeen;
    if (c != null) {
      c.increment();
    }
  }

  /** A round appended the last {@code appended} of {@code rows} (the log held the earlier ones). */
  void relayed(List<Row> rows, int appended) {
    record(rows, appended, relayed);
  }

  /** A refill appended the last {@code appended} of {@code rows}. */
  void refilled(List<Row> rows, int appended) {
    record(rows, appended, refilled);
  }

  private void record(List<Row> rows, int appended, Counter counter) {
    if (appended <= 0 || counter == null) {
      return;
    }
    counter.increment(appended);
    long now = System.currentTimeMillis();
    for (int i = rows.size() - appended; i < rows.size(); i++) {
      OffsetDateTime at = rows.get(i).getOffsetDateTime("created_at");
      lag.record(Duration.ofMillis(Math.max(0, now - at.toInstant().toEpochMilli())));
    }
  }
}
