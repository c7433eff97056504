package dev.switchboard.outbound;

import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.multipart.MultipartForm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static dev.switchboard.outbound.SendSupport.awaitStatus;
import static dev.switchboard.outbound.SendSupport.conversation;
import static dev.switchboard.outbound.SendSupport.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replies carrying an agent's upload: WhatsApp gets the file at its media endpoint and Messenger
 * at its attachment upload API, then a message naming it by id; Instagram gets a signed link
 * under PUBLIC_URL that serves the file without a token.
 */
@DisplayName("A reply with attachments [{mediaId}] hands the file to each platform as Graph takes it")
class SendMediaTest {

  static final String PHONE_ID = "118812345678901";
  static final String PUBLIC = "http://files.switchboard.test";

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().graph().settings(new JsonObject()
      .put("GRAPH_RETRY_BASE_MS", 20).put("GRAPH_MAX_ATTEMPTS", 3).put("OUTBOUND_POLL_MS", 100)
      .put("PUBLIC_URL", PUBLIC)).build();

  static TestDb db;
  static FakeGraph graph;
  static Http http;
  static Seed.Account account;
  static String token;
  static long whatsapp;
  static long messenger;
  static long instagram;
  static WebClient client;

  @BeforeAll
  static void start() {
    db = env.db();
    graph = env.graph();
    account = Seed.account(db, "Files Co");
    whatsapp = Seed.channel(db, account.accountId(), "whatsapp", PHONE_ID);
    messenger = Seed.channel(db, account.accountId(), "messenger", "361442187745120");
    instagram = Seed.channel(db, account.accountId(), "instagram", "17841400008460056");
    token = SendSupport.token(env.http(), account);
    http = env.http().as(token);
    client = WebClient.create(env.vertx());
    SendSupport.defaultAnswers(graph);
    graph.respond("POST", "/" + PHONE_ID + "/media", FakeGraph.Answer.ok("upload_response_whatsapp_media.json"));
    graph.respond("POST", "/me/message_attachments", FakeGraph.Answer.ok("upload_response_messenger_attachment.json"));
  }

  @AfterAll
  static void stop() {
    client.close();
  }

  static String upload(String platform, String filename, byte[] bytes, String bearer) {
    var r = client.postAbs(env.node().baseUrl() + "/api/v1/media?platform=" + platform).bearerTokenAuthentication(bearer)
        .sendMultipartForm(MultipartForm.create().binaryFileUpload("file", filename, Buffer.buffer(bytes), "application/octet-stream"))
        .await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject().getString("id");
  }

  static JsonObject reply(String text, String mediaId) {
    return new JsonObject().put("type", "reply").put("text", text)
        .put("attachments", new JsonArray().add(new JsonObject().put("mediaId", mediaId).put("filename", "invoice-1042.pdf")));
  }

  @Test
  @DisplayName("the PDF goes to POST /{phone-number-id}/media with the channel's token, then the document names its id, caption and file name")
  void whatsappDocument() {
    byte[] pdf = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".getBytes(StandardCharsets.US_ASCII);
    String mediaId = upload("whatsapp", "invoice.pdf", pdf, token);
    long conv = conversation(db, account.accountId(), whatsapp, uniqueUser(), Instant.now().minus(Duration.ofMinutes(5)));
    Http.Res r = http.post("/api/v1/conversations/" + conv + "/messages", reply("Your invoice", mediaId));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    long messageId = Long.parseLong(r.json().getString("id"));
    JsonObject stored = r.json().getJsonArray("attachments").getJsonObject(0);
    assertThat(stored.getString("mediaId")).isEqualTo(mediaId);
    assertThat(stored.getString("mimeType")).isEqualTo("application/pdf");
    assertThat(stored.getString("status")).isEqualTo("ready");
    awaitStatus(db, messageId, "sent");

    List<FakeGraph.Call> uploads = graph.calls("POST", "/" + PHONE_ID + "/media");
    assertThat(uploads).hasSize(1);
    FakeGraph.Call up = uploads.get(0);
    assertThat(up.headers().get("authorization")).isEqualTo("Bearer token-" + PHONE_ID);
    assertThat(up.headers().get("content-type")).startsWith("multipart/form-data");
    assertThat(up.body()).contains("name=\"messaging_product\"").contains("whatsapp").contains("application/pdf")
        .contains("%PDF-1.4").contains("%%EOF");
    JsonObject send = graph.calls("POST", "/" + PHONE_ID + "/messages").get(0).json();
    assertThat(send.getString("type")).isEqualTo("document");
    JsonObject doc = send.getJsonObject("document");
    assertThat(doc.getString("id")).isEqualTo("1402938475610293");
    assertThat(doc.containsKey("link")).isFalse();
    assertThat(doc.getString("filename")).isEqualTo("invoice-1042.pdf");
    assertThat(doc.getString("caption")).isEqualTo("Your invoice");
  }

  @Test
  @DisplayName("Messenger: the file goes to POST /me/message_attachments with the page token, then the message names its attachment_id")
  void messengerAttachment() {
    byte[] png = png(2_000);
    String mediaId = sendUpload("messenger", "label.png", png, messenger);

    List<FakeGraph.Call> uploads = graph.calls("POST", "/me/message_attachments");
    assertThat(uploads).hasSize(1);
    FakeGraph.Call up = uploads.get(0);
    assertThat(up.headers().get("authorization")).isEqualTo("Bearer token-361442187745120");
    assertThat(up.headers().get("content-type")).startsWith("multipart/form-data");
    assertThat(up.body()).contains("name=\"message\"").contains("{\"attachment\":{\"type\":\"image\",\"payload\":{\"is_reusable\":true}}}")
        .contains("name=\"filedata\"").contains("image/png");
    JsonObject sent = graph.calls("POST", "/me/messages").stream().map(FakeGraph.Call::json)
        .filter(j -> j.getJsonObject("message").containsKey("attachment")).reduce((a, b) -> b).orElseThrow();
    JsonObject attachment = sent.getJsonObject("message").getJsonObject("attachment");
    assertThat(attachment.getString("type")).isEqualTo("image");
    assertThat(attachment.getJsonObject("payload")).isEqualTo(new JsonObject().put("attachment_id", "1857777774821032"));
  }

  @Test
  @DisplayName("Instagram: the message carries a signed, expiring link under PUBLIC_URL that serves the file without a token")
  void instagramSignedLink() {
    byte[] png = png(3_000);
    String mediaId = sendUpload("instagram", "photo.png", png, instagram);

    JsonObject sent = graph.calls("POST", "/me/messages").stream().map(FakeGraph.Call::json)
        .filter(j -> j.getJsonObject("message").containsKey("attachment")
            && j.getJsonObject("message").getJsonObject("attachment").getJsonObject("payload").containsKey("url"))
        .reduce((a, b) -> b).orElseThrow();
    String url = sent.getJsonObject("message").getJsonObject("attachment").getJsonObject("payload").getString("url");
    assertThat(url).startsWith(PUBLIC + "/media/" + mediaId + "?a=" + account.accountId() + "&e=").contains("&s=");
    assertThat(graph.calls("POST", "/me/message_attachments").stream().noneMatch(c -> c.body().contains("photo.png"))).isTrue();
    // what Meta's fetch of the link gets (PUBLIC_URL is this node): the bytes, no token needed
    Http.Res file = env.http().get(url.substring(PUBLIC.length()));
    assertThat(file.status()).isEqualTo(200);
    assertThat(file.body().getBytes()).isEqualTo(png);
    assertThat(file.header("Content-Type")).isEqualTo("image/png");
    // a link with its signature changed serves nothing
    assertThat(env.http().get(url.substring(PUBLIC.length()).replace("&s=", "&s=x")).status()).isEqualTo(403);
  }

  /** Uploads the file for {@code platform}, replies with it on a new conversation of {@code channel}, waits until sent. */
  static String sendUpload(String platform, String filename, byte[] bytes, long channel) {
    String mediaId = upload(platform, filename, bytes, token);
    long conv = conversation(db, account.accountId(), channel, uniqueUser(), Instant.now().minus(Duration.ofMinutes(5)));
    Http.Res r = http.post("/api/v1/conversations/" + conv + "/messages", reply("", mediaId));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    awaitStatus(db, Long.parseLong(r.json().getString("id")), "sent");
    return mediaId;
  }

  static byte[] png(int size) {
    byte[] b = new byte[size];
    new java.util.Random(size).nextBytes(b);
    byte[] sig = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    System.arraycopy(sig, 0, b, 0, sig.length);
    return b;
  }

  @Test
  @DisplayName("another account's media id is 422 unknown_media; nothing is queued")
  void refusals() {
    Seed.Account other = Seed.account(db, "Other Co");
    String theirs = upload("whatsapp", "a.pdf", "%PDF-1.4\nother\n".getBytes(StandardCharsets.US_ASCII),
        SendSupport.token(env.http(), other));
    long conv = conversation(db, account.accountId(), whatsapp, uniqueUser(), Instant.now().minus(Duration.ofMinutes(5)));
    Http.Res r = http.post("/api/v1/conversations/" + conv + "/messages", reply("x", theirs));
    assertThat(r.status()).isEqualTo(422);
    assertThat(r.errorCode()).isEqualTo("unknown_media");
    long fb = conversation(db, account.accountId(), messenger, uniqueUser(), Instant.now().minus(Duration.ofMinutes(5)));
    assertThat(http.post("/api/v1/conversations/" + fb + "/messages", reply("y", theirs)).errorCode()).isEqualTo("unknown_media");
    assertThat(Seed.scalar(db, "SELECT count(*) FROM messages WHERE conversation_id IN (?, ?)", conv, fb)).isZero();
    assertThat(http.post("/api/v1/conversations/" + conv + "/messages", reply("z", "abc")).status()).isEqualTo(400);
  }
}
