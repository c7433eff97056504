package dev.switchboard.store;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** DATABASE_URL in libpq's multi-host form: the pools, Flyway's JDBC URL and the messages. */
class DbUrlTest {

  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  @Test
  void aPlainUrlIsUnchanged() {
    String url = "postgresql://sb:secret@db.example:5433/switchboard";
    assertThat(Db.hosts(vertx, url, PgHosts.Want.PRIMARY)).as("one host: connected to directly").isNull();
    PgConnectOptions o = Db.connectOptions(url);
    assertThat(o.getHost()).isEqualTo("db.example");
    assertThat(o.getPort()).isEqualTo(5433);
    assertThat(Db.jdbc(url)).isEqualTo(new Db.JdbcTarget("jdbc:postgresql://db.example:5433/switchboard", "sb", "secret"));
    assertThat(Db.jdbc("postgres://sb@h/db").url()).isEqualTo("jdbc:postgresql://h:5432/db");
  }

  @Test
  void severalHostsAreProbedAndFlywayWantsThePrimary() {
    String url = "postgresql://sb:secret@pg-1:5432,pg-2:5433/switchboard?target_session_attrs=read-write&application_name=gw";
    PgHosts hosts = Db.hosts(vertx, url, PgHosts.Want.PRIMARY);
    assertThat(hosts.describe()).containsExactly("pg-1:5432", "pg-2:5433");
    assertThat(hosts.want()).isEqualTo(PgHosts.Want.PRIMARY);
    // the attribute is the client's, never sent to the server as a startup parameter
    PgConnectOptions first = Db.connectOptions(url);
    assertThat(first.getProperties()).containsEntry("application_name", "gw").doesNotContainKey("target_session_attrs");
    assertThat(first.getUser()).isEqualTo("sb");
    assertThat(first.getPassword()).isEqualTo("secret");
    assertThat(Db.jdbc(url)).isEqualTo(new Db.JdbcTarget(
        "jdbc:postgresql://pg-1:5432,pg-2:5433/switchboard?targetServerType=primary", "sb", "secret"));
    assertThat(Db.describe(url)).isEqualTo("pg-1:5432,pg-2:5433/switchboard");
  }

  @Test
  void theReadPoolFollowsTargetSessionAttrs() {
    assertThat(Db.hosts(vertx, "postgresql://u@r1,r2/db", PgHosts.Want.PREFER_STANDBY).want()).isEqualTo(PgHosts.Want.PREFER_STANDBY);
    assertThat(Db.hosts(vertx, "postgresql://u@r1,r2/db?target_session_attrs=standby", PgHosts.Want.PREFER_STANDBY).want())
        .isEqualTo(PgHosts.Want.STANDBY);
    assertThat(Db.hosts(vertx, "postgresql://u@r1/db?target_session_attrs=any", PgHosts.Want.PREFER_STANDBY).want())
        .isEqualTo(PgHosts.Want.ANY);
    // the primary pool wants the primary whatever the URL says
    assertThat(Db.hosts(vertx, "postgresql://u@r1,r2/db?target_session_attrs=any", PgHosts.Want.PRIMARY).want())
        .isEqualTo(PgHosts.Want.PRIMARY);
    assertThatThrownBy(() -> Db.hosts(vertx, "postgresql://u@r1,r2/db?target_session_attrs=bogus", PgHosts.Want.PREFER_STANDBY))
        .hasMessageContaining("target_session_attrs=bogus");
  }

  @Test
  void noWritableHostIsAnUnavailableDependency() {
    // nothing listens on these ports: the probe fails and the pool's caller sees a refusal (503)
    PgHosts hosts = Db.hosts(vertx, "postgresql://u@127.0.0.1:1,127.0.0.1:2/db", PgHosts.Want.PRIMARY);
    Throwable failure = null;
    try {
      hosts.get().await();
    } catch (Throwable t) {
      failure = t;
    }
    assertThat(failure).isInstanceOf(PgHosts.NoHostException.class).hasMessageContaining("127.0.0.1:1").hasMessageContaining("127.0.0.1:2");
    assertThat(Unavailable.is(failure)).isTrue();
    assertThat(failure.getMessage()).startsWith("no PostgreSQL host is a writable primary");
  }
}
