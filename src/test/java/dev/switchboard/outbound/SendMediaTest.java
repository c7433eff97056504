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

/** Replies carrying an agent's upload: WhatsApp gets the file at its media endpoint, then a message naming it by id. */
@DisplayName("A reply with attachments [{mediaId}] uploads the file to WhatsApp and sends it by id")
class SendMediaTest {

  static final String PHONE_ID = "118812345678901";

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().graph().settings(new JsonObject()
      .put("GRAPH_RETRY_BASE_MS", 20).put("GRAPH_MAX_ATTEMPTS", 3).put("OUTBOUND_POLL_MS", 100)).build();

  static TestDb db;
  static FakeGraph graph;
  static Http http;
  static Seed.Account account;
  static String token;
  static long whatsapp;
  static long messenger;
  static WebClient client;

  @BeforeAll
  static void start() {
    db = env.db();
    graph = env.graph();
    account = Seed.account(db, "Files Co");
    whatsapp = Seed.channel(db, account.accountId(), "whatsapp", PHONE_ID);
    messenger = Seed.channel(db, account.accountId(), "messenger", "361442187745120");
    token = SendSupport.token(env.http(), account);
    http = env.http().as(token);
    client = WebClient.create(env.vertx());
    SendSupport.defaultAnswers(graph);
    graph.respond("POST", "/" + PHONE_ID + "/media", FakeGraph.Answer.ok("upload_response_whatsapp_media.json"));
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
  @DisplayName("another account's media id is 422 unknown_media; Messenger is asked for a URL (422 unsupported_media); nothing is queued")
  void refusals() {
    Seed.Account other = Seed.account(db, "Other Co");
    String theirs = upload("whatsapp", "a.pdf", "%PDF-1.4\nother\n".getBytes(StandardCharsets.US_ASCII),
        SendSupport.token(env.http(), other));
    long conv = conversation(db, account.accountId(), whatsapp, uniqueUser(), Instant.now().minus(Duration.ofMinutes(5)));
    Http.Res r = http.post("/api/v1/conversations/" + conv + "/messages", reply("x", theirs));
    assertThat(r.status()).isEqualTo(422);
    assertThat(r.errorCode()).isEqualTo("unknown_media");

    String mine = upload("messenger", "b.pdf", "%PDF-1.4\nmine\n".getBytes(StandardCharsets.US_ASCII), token);
    long fb = conversation(db, account.accountId(), messenger, uniqueUser(), Instant.now().minus(Duration.ofMinutes(5)));
    Http.Res m = http.post("/api/v1/conversations/" + fb + "/messages", reply("y", mine));
    assertThat(m.status()).isEqualTo(422);
    assertThat(m.errorCode()).isEqualTo("unsupported_media");
    assertThat(Seed.scalar(db, "SELECT count(*) FROM messages WHERE conversation_id IN (?, ?)", conv, fb)).isZero();
    assertThat(http.post("/api/v1/conversations/" + conv + "/messages", reply("z", "abc")).status()).isEqualTo(400);
  }
}
