package dev.switchboard.ingress;

import dev.switchboard.support.Await;
import dev.switchboard.support.Fixtures;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an unauthenticated sender can make a node hold: webhook bodies are counted against
 * INGRESS_MAX_PENDING_BYTES as they arrive, and a sender that goes quiet is cut off.
 */
@DisplayName("Webhook bodies are held within a node-wide budget and quiet senders are cut off")
class IngressBudgetTest {

  static final int BUDGET = 64 * 1024;
  static final int IDLE_MS = 700;
  static TestDb db;
  static TestNode node;
  static Http http;

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().settings(new JsonObject()
      .put("PROCESSOR_ENABLED", "false")
      .put("INGRESS_MAX_PENDING_BYTES", BUDGET)
      .put("INGRESS_IDLE_TIMEOUT_MS", IDLE_MS)).build();

  @BeforeAll
  static void start() {
    db = env.db();
    node = env.node();
    http = env.http();
  }

  @BeforeEach
  void clean() {
    Db.execute(db, "DELETE FROM raw_events");
    Await.until("no body held from an earlier test", Duration.ofSeconds(10), () -> pendingBytes() == 0);
  }

  double pendingBytes() {
    return node.registry.get("switchboard_ingress_pending_bytes").gauge().value();
  }

  Socket open(String platform, long contentLength) throws IOException {
    Socket s = new Socket("127.0.0.1", node.port());
    s.setSoTimeout(10_000);
    String head = "POST /webhooks/" + platform + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "X-Hub-Signature-256: sha256=" + "0".repeat(64) + "\r\nContent-Length: " + contentLength + "\r\n\r\n";
    s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    return s;
  }

  /** Everything the node sends until it closes the connection (or the read times out). */
  static String readToClose(Socket s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InputStream in = s.getInputStream();
    byte[] buf = new byte[4096];
    try {
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the node did not close the connection; it sent: " + out.toString(StandardCharsets.UTF_8), e);
    } catch (IOException reset) {
      // a reset after the answer is a close too
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  @DisplayName("a request that declares 4 MiB and sends nothing holds no budget and is closed after the idle timeout")
  void headerOnlyIsCutOff() throws IOException {
    List<Socket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        sockets.add(open("messenger", 4L * 1024 * 1024 - 1));
      }
      // nothing arrived, so nothing is held, whatever Content-Length says
      assertThat(pendingBytes()).isZero();
      long started = System.nanoTime();
      for (Socket s : sockets) {
        String answer = readToClose(s);
        assertThat(answer).startsWith("HTTP/1.1 408").contains("request_timeout");
      }
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(8));
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
    assertThat(node.registry.get("switchboard_webhooks_idle_closed").counter().count()).isGreaterThanOrEqualTo(20);
  }

  @Test
  @DisplayName("past the budget a new webhook gets 503 with Retry-After; once the held body goes, it is stored")
  void budgetRefusesThenRecovers() throws IOException {
    byte[] signed = Fixtures.bytes("whatsapp_text.json");
    String signature = Fixtures.sign(signed);
    try (Socket hog = open("messenger", 1024 * 1024)) {
      OutputStream out = hog.getOutputStream();
      out.write(new byte[BUDGET - 100]);
      out.flush();
      Await.until("the hog's bytes are held", Duration.ofSeconds(5), () -> pendingBytes() == BUDGET - 100);
      Http.Res busy = http.webhook("whatsapp", signed, signature);
      assertThat(busy.status()).isEqualTo(503);
      assertThat(busy.header("Retry-After")).isEqualTo("1");
      assertThat(busy.json().getJsonObject("error").getString("code")).isEqualTo("busy");
      assertThat(Db.count(db, "SELECT count(*) FROM raw_events")).isZero();
    }
    // the hog is gone: its bytes go back to the budget, and Meta's retry is stored
    Await.until("the hog's bytes are given back", Duration.ofSeconds(5), () -> pendingBytes() == 0);
    assertThat(http.webhook("whatsapp", signed, signature).status()).isEqualTo(200);
    assertThat(Db.count(db, "SELECT count(*) FROM raw_events")).isEqualTo(1);
  }

  @Test
  @DisplayName("a signed body that trickles in, in many small writes, is verified over every byte and stored")
  void trickledBodyIsVerified() throws IOException {
    byte[] body = Fixtures.bytes("whatsapp_batch_2entries_3messages.json");
    String signature = Fixtures.sign(body);
    for (String sig : new String[] {signature, Fixtures.sign(body, "another-secret")}) {
      try (Socket s = new Socket("127.0.0.1", node.port())) {
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write(("POST /webhooks/whatsapp HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
            + "X-Hub-Signature-256: " + sig + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < body.length; i += 37) {
          out.write(body, i, Math.min(37, body.length - i));
          out.flush();
        }
        String answer = readToClose(s);
        assertThat(answer).startsWith(sig.equals(signature) ? "HTTP/1.1 200" : "HTTP/1.1 401");
      }
    }
    assertThat(Db.count(db, "SELECT count(*) FROM raw_events")).isEqualTo(1);
    assertThat(Db.one(db, "SELECT body FROM raw_events").get("body")).isEqualTo(new String(body, StandardCharsets.UTF_8));
    assertThat(pendingBytes()).isZero();
  }

  @Test
  @DisplayName("the API reads no body before the token: an anonymous 1 MiB POST is refused 401 at once")
  void apiChecksTheTokenFirst() throws IOException {
    try (Socket s = new Socket("127.0.0.1", node.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /api/v1/contacts HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
          + "Content-Length: 1000000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      // no more bytes: the answer comes from the headers alone
      byte[] status = s.getInputStream().readNBytes(12);
      assertThat(new String(status, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 401");
    }
  }

  @Test
  @DisplayName("a POST refused for its token before its body is read leaves the keep-alive connection usable")
  void refusedBodyDoesNotStallTheConnection() throws IOException {
    try (Socket s = new Socket("127.0.0.1", node.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      String body = "{\"name\":\"" + "x".repeat(2_000) + "\"}";
      out.write(("POST /api/v1/teams HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer not-a-token\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + body.length() + "\r\n\r\n" + body
          + "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String answers = readToClose(s);
      assertThat(answers).startsWith("HTTP/1.1 401");
      assertThat(answers.indexOf("HTTP/1.1 200")).as(answers).isPositive();
    }
  }
}
