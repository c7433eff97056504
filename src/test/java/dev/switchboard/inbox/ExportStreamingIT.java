package dev.switchboard.inbox;

import dev.switchboard.support.Http;
import dev.switchboard.support.Seed;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The export of 100,000 messages (over 10 MB, more than loopback's socket buffers hold however
 * far they grow on the way, so a reader that stops does hold the server back): seconds, so it
 * runs in {@code mvn verify}; the rest of the export is ExportApiTest.
 */
@DisplayName("A large conversations export streams with back-pressure")
class ExportStreamingIT extends InboxTestBase {

  static final Instant T0 = ExportApiTest.T0;

  @Test
  @DisplayName("a large export streams every row; a reader that stops makes the server pause the cursor, and leaving releases it")
  void streamsWithBackPressure() throws Exception {
    Party g = party("Iota");
    long conv = thread(g, g.whatsapp(), "4960000001", "Big", "open", T0);
    int n = 100_000;
    Seed.insert(db, "WITH ins AS (INSERT INTO messages (account_id, conversation_id, channel_id, direction, type, content_type, text, sender_type, status, created_at) "
        + "SELECT ?, ?, ?, 'in', 'incoming', 'text', 'message number ' || i || ' with some padding text to make the row longer', 'contact', 'received', "
        + "timestamptz '2026-03-03 10:00:00+00' + i * interval '1 millisecond' FROM generate_series(1, ?) i RETURNING 1) SELECT count(*) FROM ins",
        g.accountId(), conv, g.whatsapp(), n);

    Http.Res full = g.agent().post("/api/v1/conversations/export", new JsonObject().put("ids", new JsonArray().add(id(conv))));
    assertThat(full.status()).isEqualTo(200);
    long lines = full.text().chars().filter(c -> c == '\n').count();
    assertThat(lines).isEqualTo(n + 1);

    HttpClient client = graphVertx.createHttpClient();
    try {
      HttpClientRequest req = client.request(HttpMethod.POST, node.port(), "127.0.0.1", "/api/v1/conversations/export").await();
      req.putHeader("Authorization", "Bearer " + tokens.issue(g.agentId(), g.accountId(), "agent", "Agent Iota"))
          .putHeader("Content-Type", "application/json");
      HttpClientResponse resp = req.send(Buffer.buffer("{}")).await();
      AtomicLong received = new AtomicLong();
      resp.handler(buf -> {
        received.addAndGet(buf.length());
        resp.pause();
      });
      eventually(() -> received.get() > 0);
      // the reader stopped: the server must hold the cursor open (paused), not read everything into memory
      eventually(() -> Seed.scalar(db, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'") == 1);
      long before = received.get();
      assertThat(before).isLessThan(full.body().length());
    } finally {
      client.close().await();
    }
    eventually(() -> Seed.scalar(db, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'") == 0);
    assertThat(g.agent().get("/api/v1/conversations/" + conv).status()).isEqualTo(200);
  }
}
