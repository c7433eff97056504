package dev.switchboard.http;

import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Photos;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Uploads and exports hold a database connection for as long as their client takes. A node of
 * four connections runs two of them (half its pool), one per account here: a caller trickling
 * uploads or leaving an export unread cannot take the connections every other account's
 * requests need, waits its turn or is refused, and is cut once its client goes quiet.
 */
@DisplayName("Uploads and exports: admitted within half the pool and an account's share, cut when their client goes quiet")
class StreamAdmissionTest {

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().account("Trickle")
      .settings(new JsonObject().put("DB_POOL_SIZE", 4).put("STREAMS_PER_ACCOUNT", 1).put("STREAM_WAIT_MS", 500)
          .put("STREAM_IDLE_MS", 1500).put("EXPORT_FETCH", 100))
      .build();

  static TestDb db;
  static Http http;
  static String attacker;
  static String bystanderToken;
  static Http bystander;
  static URI base;

  @BeforeAll
  static void start() {
    db = env.db();
    http = env.http();
    base = URI.create(env.node().baseUrl());
    attacker = http.login(env.account().adminEmail(), env.account().password());
    Seed.Account other = Seed.account(db, "Bystander");
    bystanderToken = http.login(other.adminEmail(), other.password());
    bystander = http.as(bystanderToken);
  }

  @Test
  @DisplayName("trickled uploads: the account's second waits and gets 429, another account lists and uploads at once, the quiet one is cut and nothing half-stored")
  void trickledUploads() throws Exception {
    try (Socket first = trickle(attacker, 1)) {
      await(() -> inUse() == 1, "the first upload holds the account's one slot");
      Socket second = trickle(attacker, 2);
      // the second waited its 500 ms for the account's share and was refused
      assertThat(status(second)).isEqualTo(429);
      second.close();

      long t0 = System.nanoTime();
      assertThat(bystander.get("/api/v1/conversations").status()).isEqualTo(200);
      assertThat((System.nanoTime() - t0) / 1_000_000).as("ms for another account's list").isLessThan(2_000);
      assertThat(upload(bystanderToken, Photos.jpeg(40_000, 3))).startsWith("HTTP/1.1 201");

      // the first brings no byte for 1.5 s: cut, its transaction rolled back, its slot given back
      await(() -> inUse() == 0, "the quiet upload is cut");
      assertThat(closedByServer(first)).isTrue();
      assertThat(Seed.scalar(db, "SELECT count(*) FROM media WHERE sha256 IS NULL")).isZero();
    }
    // the account uploads again at once
    assertThat(upload(attacker, Photos.jpeg(40_000, 4))).startsWith("HTTP/1.1 201");
  }

  @Test
  @DisplayName("an export left unread holds one slot while another account's list answers, and is cut once its client reads nothing")
  void unreadExport() throws Exception {
    long account = env.account().accountId();
    long channel = Seed.channel(db, account, "messenger", "fb-stream-admission");
    long contact = Seed.insert(db, "INSERT INTO contacts (account_id, channel_id, platform_user_id, display_name) VALUES (?, ?, 'psid-sa', 'Sam') RETURNING id",
        account, channel);
    long conv = Seed.insert(db, "INSERT INTO conversations (account_id, channel_id, contact_id, status, last_message_at) VALUES (?, ?, ?, 'open', now()) RETURNING id",
        account, channel, contact);
    // some 20 MB of CSV: far more than the socket buffers hold, so the cursor waits on the client
    Seed.exec(db, "INSERT INTO messages (account_id, conversation_id, channel_id, direction, type, content_type, text, sender_type, status, created_at) "
        + "SELECT ?, ?, ?, 'in', 'incoming', 'text', repeat('x', 2000), 'contact', 'received', now() - (g || ' seconds')::interval "
        + "FROM generate_series(1, 10000) g", account, conv, channel);
    try (Socket s = new Socket(base.getHost(), base.getPort())) {
      s.setReceiveBufferSize(4096);
      send(s, "POST /api/v1/conversations/export HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + attacker
          + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
      await(() -> inUse() == 1, "the export holds a slot");
      long t0 = System.nanoTime();
      assertThat(bystander.get("/api/v1/conversations").status()).isEqualTo(200);
      assertThat((System.nanoTime() - t0) / 1_000_000).as("ms for another account's list").isLessThan(2_000);
      // nothing read for 1.5 s: the export is cut and its connection given back
      await(() -> inUse() == 0, "the unread export is cut");
      byte[] all = s.getInputStream().readAllBytes();
      String text = new String(all, StandardCharsets.ISO_8859_1);
      assertThat(text).startsWith("HTTP/1.1 200");
      // a cut export never ends with the last chunk, so it cannot be taken for a whole file
      assertThat(text).doesNotEndWith("0\r\n\r\n");
    }
  }

  private static Socket trickle(String bearer, long seed) throws IOException {
    Socket s = new Socket(base.getHost(), base.getPort());
    s.setSoTimeout(20_000);
    String boundary = "trickle" + seed;
    send(s, "POST /api/v1/media?platform=messenger HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + bearer
        + "\r\nContent-Type: multipart/form-data; boundary=" + boundary + "\r\nContent-Length: 5000000\r\n\r\n--" + boundary
        + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n");
    s.getOutputStream().write(Photos.jpeg(2048, seed));
    s.getOutputStream().flush();
    return s;
  }

  /** A whole upload on a connection of its own; answers the response's status line and body. */
  private static String upload(String bearer, byte[] bytes) throws IOException {
    try (Socket s = new Socket(base.getHost(), base.getPort())) {
      s.setSoTimeout(20_000);
      String boundary = "whole";
      byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII);
      byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
      send(s, "POST /api/v1/media?platform=messenger HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + bearer
          + "\r\nConnection: close\r\nContent-Type: multipart/form-data; boundary=" + boundary + "\r\nContent-Length: "
          + (head.length + bytes.length + tail.length) + "\r\n\r\n");
      OutputStream out = s.getOutputStream();
      out.write(head);
      out.write(bytes);
      out.write(tail);
      out.flush();
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static int status(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    StringBuilder line = new StringBuilder();
    for (int c; (c = in.read()) != -1 && c != '\n'; ) {
      line.append((char) c);
    }
    Matcher m = Pattern.compile("HTTP/1.1 (\\d{3})").matcher(line);
    assertThat(m.find()).as(line.toString()).isTrue();
    return Integer.parseInt(m.group(1));
  }

  /** True when the server ended the connection (EOF or reset) rather than leaving it open. */
  private static boolean closedByServer(Socket s) throws IOException {
    s.setSoTimeout(5_000);
    try {
      while (s.getInputStream().read() != -1) {
        // an error answer may come first
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  private static void send(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
  }

  private static int inUse() {
    Matcher m = Pattern.compile("(?m)^switchboard_streams_in_use(?:\\{[^}]*\\})? ([0-9.]+)").matcher(http.metrics().text());
    return m.find() ? (int) Double.parseDouble(m.group(1)) : -1;
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting until " + what).isLessThan(deadline);
      Thread.sleep(50);
    }
  }
}
