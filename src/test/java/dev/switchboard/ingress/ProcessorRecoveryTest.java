package dev.switchboard.ingress;

import dev.switchboard.common.Inbound;
import dev.switchboard.common.InboundHooks;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Stored webhooks survive the node that stored them and are processed exactly once")
class ProcessorRecoveryTest {

  static final String PAGE = "361442187745120";

  static TestDb db;
  static String prefix;

  // each test starts and kills its own nodes
  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().withoutNode().account("Acme").build();

  @BeforeAll
  static void start() {
    db = env.db();
    prefix = env.redisPrefix();
    // the channel exists before any node stores events
    Seed.channel(db, env.account().accountId(), "messenger", PAGE);
  }

  static byte[] messengerText(String tag, int i) {
    return ("{\"object\":\"page\",\"entry\":[{\"id\":\"" + PAGE + "\",\"time\":1767612345678,\"messaging\":[{\"sender\":{\"id\":\"psid-"
        + tag + "-" + (i % 7) + "\"},\"recipient\":{\"id\":\"" + PAGE + "\"},\"timestamp\":" + (1767612345000L + i)
        + ",\"message\":{\"mid\":\"m_" + tag + "_" + i + "\",\"text\":\"hello " + i + "\"}}]}]}").getBytes(StandardCharsets.UTF_8);
  }

  static List<Inbound> recordHooks(TestNode node) {
    List<Inbound> seen = new CopyOnWriteArrayList<>();
    node.node.services().inboundHooks().register(new InboundHooks.Hook() {
      @Override
      public Future<Void> inTransaction(dev.switchboard.common.TxChanges tx, List<Inbound> created) {
        seen.addAll(created);
        return Future.succeededFuture();
      }
    });
    return seen;
  }

  @Test
  @DisplayName("a node killed after storing raw rows, before processing them: two new nodes (two batches at a time each) process each exactly once")
  void killedBeforeProcessing() {
    int n = 60;
    TestNode storing = TestNode.start(db, prefix, new JsonObject().put("PROCESSOR_ENABLED", "false"));
    try (Http http = new Http(storing.vertx, storing.baseUrl())) {
      for (int i = 0; i < n; i++) {
        assertThat(http.signedWebhook("messenger", messengerText("crash", i)).status()).isEqualTo(200);
      }
    }
    storing.kill();
    assertThat(Db.count(db, "SELECT count(*) FROM raw_events WHERE status = 'pending' AND body LIKE '%m_crash_%'")).isEqualTo(n);

    TestNode a = TestNode.start(db, prefix, new JsonObject().put("PROCESSOR_BATCH", 7).put("PROCESSOR_SWEEP_MS", 100).put("PROCESSOR_CONCURRENCY", 2));
    TestNode b = TestNode.start(db, prefix, new JsonObject().put("PROCESSOR_BATCH", 7).put("PROCESSOR_SWEEP_MS", 100).put("PROCESSOR_CONCURRENCY", 2));
    List<Inbound> seenA = recordHooks(a);
    List<Inbound> seenB = recordHooks(b);
    try {
      Db.drained(db);
      assertThat(Db.count(db, "SELECT count(*) FROM messages WHERE external_id LIKE 'm_crash_%'")).isEqualTo(n);
      assertThat(Db.count(db, "SELECT count(DISTINCT external_id) FROM messages WHERE external_id LIKE 'm_crash_%'")).isEqualTo(n);
      assertThat(Db.count(db, "SELECT count(*) FROM raw_events WHERE status = 'done' AND body LIKE '%m_crash_%'")).isEqualTo(n);
      assertThat(Db.count(db, "SELECT count(*) FROM contacts WHERE platform_user_id LIKE 'psid-crash-%'")).isEqualTo(7);
      assertThat(Db.count(db, "SELECT sum(unread_count) FROM conversations cv JOIN contacts ct ON ct.id = cv.contact_id WHERE ct.platform_user_id LIKE 'psid-crash-%'")).isEqualTo(n);
      List<Long> ids = new java.util.ArrayList<>();
      seenA.forEach(i -> ids.add(i.messageId()));
      seenB.forEach(i -> ids.add(i.messageId()));
      // hooks were registered after start-up, so they may have missed the first batches; never a repeat
      assertThat(ids).hasSizeLessThanOrEqualTo(n).doesNotHaveDuplicates();
    } finally {
      a.close();
      b.close();
    }
  }

  @Test
  @DisplayName("rows claimed by a connection that dies mid-batch are released by PostgreSQL and picked up by the sweeper")
  void claimsDieWithTheConnection() throws Exception {
    int n = 10;
    TestNode node = TestNode.start(db, prefix, new JsonObject().put("PROCESSOR_ENABLED", "false"));
    try (Http http = new Http(node.vertx, node.baseUrl())) {
      for (int i = 0; i < n; i++) {
        assertThat(http.signedWebhook("messenger", messengerText("claim", i)).status()).isEqualTo(200);
      }
    } finally {
      node.close();
    }
    // a "crashed processor": holds the claim locks in an open transaction
    Connection crashed = db.connect();
    crashed.setAutoCommit(false);
    try (Statement st = crashed.createStatement()) {
      st.execute("SELECT id FROM raw_events WHERE status = 'pending' AND body LIKE '%m_claim_%' FOR UPDATE");
    }
    TestNode processor = TestNode.start(db, prefix, new JsonObject().put("PROCESSOR_SWEEP_MS", 100));
    try {
      // while the locks are held the rows are skipped, not waited on: a later webhook goes through first
      try (Http http = new Http(processor.vertx, processor.baseUrl())) {
        assertThat(http.signedWebhook("messenger", messengerText("after", 0)).status()).isEqualTo(200);
      }
      Db.eventually("a later webhook processed", () -> Db.count(db, "SELECT count(*) FROM messages WHERE external_id = 'm_after_0'") == 1);
      assertThat(Db.count(db, "SELECT count(*) FROM messages WHERE external_id LIKE 'm_claim_%'")).isZero();
      crashed.close();
      Db.eventually("released rows processed", () -> Db.count(db, "SELECT count(*) FROM messages WHERE external_id LIKE 'm_claim_%'") == n);
      Db.drained(db);
    } finally {
      processor.close();
    }
  }

  @Test
  @DisplayName("while PostgreSQL is unavailable a webhook is answered 503 with Retry-After, never 200")
  void databaseDown() {
    TestDb doomed = TestDb.create();
    TestNode node = TestNode.start(doomed, TestNode.newRedisPrefix(), new JsonObject().put("PROCESSOR_ENABLED", "false"));
    try (Http http = new Http(node.vertx, node.baseUrl())) {
      assertThat(http.signedWebhook("messenger", messengerText("down", 0)).status()).isEqualTo(200);
      doomed.drop();
      Http.Res r = http.signedWebhook("messenger", messengerText("down", 1));
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.header("Retry-After")).isNotBlank();
      assertThat(r.errorCode()).isEqualTo("unavailable");
    } finally {
      node.close();
    }
  }
}
