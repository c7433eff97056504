package dev.switchboard.store;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnectOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Where a pool's next connection goes when the URL names several hosts (libpq's
 * {@code postgresql://h1:5432,h2:5432/db?target_session_attrs=...}): the Vert.x client connects
 * to one address, so each new connection asks this supplier, which probes the hosts with
 * {@code pg_is_in_recovery()} and {@code transaction_read_only} and answers one that fits.
 * <p>
 * A writable host found is trusted for {@link #CONFIRM_MS}, then probed again before the next
 * connection, so a pool whose connections died with a failed primary reconnects to the promoted
 * one within about a second, without a restart. A running primary never turns read-only without
 * a restart (which closes its connections), so a connection checked writable stays so. Which host
 * is promoted is the failover manager's decision; this only finds it (the first host to answer
 * writable is taken, so a dead former primary that times out delays no connection).
 */
public final class PgHosts implements Supplier<Future<SqlConnectOptions>> {

  private static final Logger LOG = LoggerFactory.getLogger(PgHosts.class);
  /** How long a probed answer is reused for the next connections. */
  static final long CONFIRM_MS = 500;
  /**
   * A host that does not answer within this is passed over (a dead machine rather than a
   * refusal). Generous: a node's first connections also load the client's classes, which on a
   * busy machine has taken over 3 s.
   */
  static final int PROBE_TIMEOUT_MS = 10_000;

  /** What the pool wants, as libpq's {@code target_session_attrs}. */
  public enum Want {
    /** {@code read-write} / {@code primary}: the writable primary only. */
    PRIMARY,
    /** {@code prefer-standby}: a hot standby, spread over all of them; the primary if none answers. */
    PREFER_STANDBY,
    /** {@code standby} / {@code read-only}: a hot standby only. */
    STANDBY,
    /** {@code any}: the first host that answers. */
    ANY;

    static Want parse(String attrs, Want fallback) {
      if (attrs == null || attrs.isBlank()) {
        return fallback;
      }
      return switch (attrs) {
        case "read-write", "primary" -> PRIMARY;
        case "prefer-standby" -> PREFER_STANDBY;
        case "standby", "read-only" -> STANDBY;
        case "any" -> ANY;
        default -> throw new IllegalArgumentException("target_session_attrs=" + attrs
            + " is not one of read-write, primary, prefer-standby, standby, read-only, any");
      };
    }
  }

  private final Vertx vertx;
  private final List<PgConnectOptions> hosts;
  private final Want want;
  private final AtomicReference<Chosen> chosen = new AtomicReference<>();
  private final AtomicReference<Future<Chosen>> probing = new AtomicReference<>();
  private final AtomicInteger spread = new AtomicInteger();

  /** The hosts that fit, and when they were probed. */
  private record Chosen(List<Integer> fit, long at) {
  }

  PgHosts(Vertx vertx, List<PgConnectOptions> hosts, Want want) {
    if (hosts.isEmpty()) {
      throw new IllegalArgumentException("no host");
    }
    this.vertx = vertx;
    this.hosts = List.copyOf(hosts);
    this.want = want;
  }

  public Want want() {
    return want;
  }

  /** {@code host:port} of every host, in the URL's order. */
  public List<String> describe() {
    return hosts.stream().map(o -> o.getHost() + ":" + o.getPort()).toList();
  }

  @Override
  public Future<SqlConnectOptions> get() {
    Chosen c = chosen.get();
    if (c != null && System.currentTimeMillis() - c.at() < CONFIRM_MS) {
      return Future.succeededFuture(pick(c));
    }
    return probe().map(this::pick);
  }

  private SqlConnectOptions pick(Chosen c) {
    int i = c.fit().get(Math.floorMod(spread.getAndIncrement(), c.fit().size()));
    return hosts.get(i);
  }

  /** One probe round at a time, shared by every connection that waits for it. */
  private Future<Chosen> probe() {
    Promise<Chosen> mine = Promise.promise();
    Future<Chosen> running = probing.compareAndExchange(null, mine.future());
    if (running != null) {
      return running;
    }
    Chosen before = chosen.get();
    probeAll().onComplete(ar -> {
      probing.set(null);
      if (ar.succeeded()) {
        Chosen now = ar.result();
        if (before != null && !before.fit().equals(now.fit())) {
          LOG.warn("PostgreSQL {} is now {}", want == Want.PRIMARY ? "primary" : "target", names(now.fit()));
        }
        chosen.set(now);
        mine.complete(now);
      } else {
        chosen.set(null);
        mine.fail(ar.cause());
      }
    });
    return mine.future();
  }

  private String names(List<Integer> idx) {
    return idx.stream().map(i -> hosts.get(i).getHost() + ":" + hosts.get(i).getPort()).toList().toString();
  }

  private Future<Chosen> probeAll() {
    List<Future<Role>> roles = new ArrayList<>();
    for (PgConnectOptions host : hosts) {
      roles.add(role(host));
    }
    // every host in parallel: a dead one costs at most PROBE_TIMEOUT_MS, not one time-out per host
    Future<Chosen> all = Future.join(roles).transform(ignored -> summary(roles));
    if (want != Want.PRIMARY) {
      return all;
    }
    // the primary is taken as soon as one host says it is writable: a dead former primary that
    // does not even refuse (a machine gone) must not hold every new connection for its time-out
    Promise<Chosen> first = Promise.promise();
    for (int i = 0; i < roles.size(); i++) {
      int host = i;
      roles.get(i).onSuccess(role -> {
        if (role == Role.PRIMARY) {
          first.tryComplete(new Chosen(List.of(host), System.currentTimeMillis()));
        }
      });
    }
    all.onComplete(ar -> {
      if (ar.succeeded()) {
        first.tryComplete(ar.result());
      } else {
        first.tryFail(ar.cause());
      }
    });
    return first.future();
  }

  /** What every host answered, and the hosts that fit; failed when none fits. */
  private Future<Chosen> summary(List<Future<Role>> roles) {
    List<Integer> primaries = new ArrayList<>();
    List<Integer> standbys = new ArrayList<>();
    List<Integer> answering = new ArrayList<>();
    StringBuilder why = new StringBuilder();
    for (int i = 0; i < hosts.size(); i++) {
      Future<Role> r = roles.get(i);
      String name = hosts.get(i).getHost() + ":" + hosts.get(i).getPort();
      if (r.failed()) {
        why.append(why.isEmpty() ? "" : "; ").append(name).append(": ").append(oneLine(r.cause()));
        continue;
      }
      answering.add(i);
      (r.result() == Role.PRIMARY ? primaries : standbys).add(i);
      why.append(why.isEmpty() ? "" : "; ").append(name).append(": ").append(r.result() == Role.PRIMARY ? "writable" : "read-only");
    }
    List<Integer> fit = switch (want) {
      case PRIMARY -> primaries.isEmpty() ? primaries : List.of(primaries.get(0));
      case STANDBY -> standbys;
      case PREFER_STANDBY -> standbys.isEmpty() ? primaries : standbys;
      case ANY -> answering.isEmpty() ? answering : List.of(answering.get(0));
    };
    if (fit.isEmpty()) {
      return Future.failedFuture(new NoHostException("no PostgreSQL host is " + wanted() + " (" + why + ")"));
    }
    return Future.succeededFuture(new Chosen(List.copyOf(fit), System.currentTimeMillis()));
  }

  private String wanted() {
    return switch (want) {
      case PRIMARY -> "a writable primary";
      case STANDBY -> "a hot standby";
      case PREFER_STANDBY -> "a standby or the primary";
      case ANY -> "answering";
    };
  }

  private enum Role { PRIMARY, STANDBY }

  private Future<Role> role(PgConnectOptions host) {
    PgConnectOptions probe = new PgConnectOptions(host).setReconnectAttempts(0);
    Future<PgConnection> connecting = PgConnection.connect(vertx, probe);
    java.util.concurrent.atomic.AtomicBoolean gaveUp = new java.util.concurrent.atomic.AtomicBoolean();
    // a connection that completes after the time-out is not left open
    connecting.onSuccess(conn -> {
      if (gaveUp.get()) {
        conn.close();
      }
    });
    return connecting
        .timeout(PROBE_TIMEOUT_MS, java.util.concurrent.TimeUnit.MILLISECONDS)
        .onFailure(err -> gaveUp.set(true))
        .compose(conn -> conn.query("SELECT pg_is_in_recovery(), current_setting('transaction_read_only') = 'on'").execute()
            .eventually(conn::close)
            .map(rows -> {
              Row r = rows.iterator().next();
              return r.getBoolean(0) || r.getBoolean(1) ? Role.STANDBY : Role.PRIMARY;
            }));
  }

  private static String oneLine(Throwable t) {
    String m = String.valueOf(t.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  /**
   * No host fits (no writable primary during a failover): the connection fails as if refused, so
   * {@link Unavailable} answers 503 and the processor leaves its rows for later.
   */
  public static final class NoHostException extends java.net.ConnectException {
    NoHostException(String message) {
      super(message);
    }
  }
}
