package dev.switchboard.inbox.live;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.switchboard.support.Await;
import dev.switchboard.support.BridgeClient;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;

import static dev.switchboard.inbox.live.LiveSupport.token;
import static org.assertj.core.api.Assertions.assertThat;

/** An unauthenticated client sending garbage cannot flood the node's log. */
@DisplayName("Bridge: malformed frames from an unauthenticated socket get error replies, not log lines")
class BridgeBadFramesTest {

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().account("Acme").build();

  static Vertx clients;
  static final ListAppender<ILoggingEvent> LOGGED = new ListAppender<>();

  @BeforeAll
  static void start() {
    clients = Vertx.vertx();
    LOGGED.start();
    ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(LOGGED);
  }

  @AfterAll
  static void stop() {
    ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(LOGGED);
    clients.close();
  }

  @Test
  @DisplayName("40 malformed frames: 40 error replies, no WARN or ERROR line and no stack trace, and the socket still registers")
  void garbageIsNotLogged() {
    Seed.Account acme = env.account();
    try (BridgeClient c = BridgeClient.connect(clients, env.node().port())) {
      LOGGED.list.clear();
      for (int i = 0; i < 10; i++) {
        c.ws.writeTextMessage("not json " + i);
        c.ws.writeTextMessage("[1,2,3]");
        c.ws.writeTextMessage("{\"type\":\"nonsense\"}");
        c.ws.writeTextMessage("{\"address\":\"inbox.account.1\"}");
      }
      Await.until("an error reply to every frame", Duration.ofSeconds(10), () -> c.frames.size() >= 40);
      assertThat(c.frames).allMatch(f -> "err".equals(f.getString("type")));
      List<ILoggingEvent> loud = LOGGED.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).toList();
      assertThat(loud).as("lines logged at WARN or above").isEmpty();
      assertThat(LOGGED.list).as("stack traces").allMatch(e -> e.getThrowableProxy() == null);
      String address = "inbox.account." + acme.accountId();
      c.register(address, token(env.node(), acme.adminId(), acme.accountId()));
      c.awaitRegistered(env.node(), address);
      assertThat(c.closed).isFalse();
    }
  }
}
