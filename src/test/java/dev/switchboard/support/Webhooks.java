package dev.switchboard.support;

import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Meta webhooks built from the samples under {@code src/test/resources/meta}, re-identified
 * (fresh ids, so the deduplication never swallows a test's message), re-stamped ("now": the
 * samples are from January 2026 and the windows run from the message time) and signed with
 * the test app secret. The one webhook builder of the tests.
 */
public final class Webhooks {

  /** The ids the samples' channels carry: a channel seeded with them receives these webhooks. */
  public static final String WA_PHONE_NUMBER_ID = "118812345678901";
  public static final String PAGE_ID = "361442187745120";
  public static final String IG_ID = "17841400112233445";

  private Webhooks() {
  }

  /** A body ready to post: its bytes and their X-Hub-Signature-256 header. */
  public record Signed(String wamid, byte[] body, String signature) {
  }

  // --- bodies -----------------------------------------------------------------------------------

  /** The {@code value} of a WhatsApp body's first change, where messages, contacts and statuses are. */
  public static JsonObject whatsappValue(JsonObject body) {
    return body.getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0).getJsonObject("value");
  }

  /**
   * A customer's WhatsApp message from a sample: from {@code from} (and, unless null, named
   * {@code name}), with id {@code wamid}, sent at {@code at}; {@code edit} gets the message.
   */
  public static JsonObject whatsappMessage(String fixture, String from, String name, String wamid, Instant at, Consumer<JsonObject> edit) {
    JsonObject body = Fixtures.json(fixture);
    JsonObject value = whatsappValue(body);
    JsonObject contact = value.getJsonArray("contacts").getJsonObject(0).put("wa_id", from);
    if (name != null) {
      contact.getJsonObject("profile").put("name", name);
    }
    JsonObject m = value.getJsonArray("messages").getJsonObject(0)
        .put("from", from).put("id", wamid).put("timestamp", String.valueOf(at.getEpochSecond()));
    edit.accept(m);
    return body;
  }

  /** A WhatsApp text. */
  public static JsonObject whatsappTextBody(String from, String name, String wamid, String text) {
    return whatsappMessage("whatsapp_text.json", from, name, wamid, Instant.now(), m -> m.getJsonObject("text").put("body", text));
  }

  /** A WhatsApp status sample for our message {@code wamid}; {@code status} and {@code recipient} replace the sample's unless null. */
  public static JsonObject whatsappStatus(String fixture, String wamid, String recipient, String status) {
    JsonObject body = Fixtures.json(fixture);
    JsonObject s = whatsappValue(body).getJsonArray("statuses").getJsonObject(0)
        .put("id", wamid).put("timestamp", String.valueOf(Instant.now().getEpochSecond()));
    if (recipient != null) {
      s.put("recipient_id", recipient);
    }
    if (status != null) {
      s.put("status", status);
    }
    return body;
  }

  /**
   * A Messenger or Instagram sample stamped now, for {@code user}: the sender, or with
   * {@code echo} (our own message coming back) the recipient. {@code mid} goes on the message
   * or postback, which {@code edit} then gets.
   */
  public static JsonObject messaging(String fixture, String user, String mid, boolean echo, Consumer<JsonObject> edit) {
    JsonObject body = Fixtures.json(fixture);
    JsonObject entry = body.getJsonArray("entry").getJsonObject(0);
    long now = Instant.now().toEpochMilli();
    entry.put("time", now);
    JsonObject m = entry.getJsonArray("messaging").getJsonObject(0);
    m.getJsonObject(echo ? "recipient" : "sender").put("id", user);
    m.put("timestamp", now);
    JsonObject inner = m.containsKey("postback") ? m.getJsonObject("postback") : m.getJsonObject("message");
    inner.put("mid", mid);
    edit.accept(inner);
    return body;
  }

  /** A fresh WhatsApp message id. */
  public static String wamid() {
    return "wamid.test-" + UUID.randomUUID();
  }

  /** A fresh Messenger/Instagram message id. */
  public static String mid() {
    return "m_test-" + UUID.randomUUID();
  }

  // --- signing and posting -----------------------------------------------------------------------

  public static Signed signed(String wamid, JsonObject body) {
    byte[] bytes = body.encode().getBytes(StandardCharsets.UTF_8);
    return new Signed(wamid, bytes, Fixtures.sign(bytes));
  }

  /** Posts the body signed; the ingress must answer 200. */
  public static void post(Http http, String platform, JsonObject body) {
    byte[] bytes = body.encode().getBytes(StandardCharsets.UTF_8);
    Http.Res r = http.webhook(platform, bytes, Fixtures.sign(bytes));
    assertThat(r.status()).as("webhook answer: " + r.text()).isEqualTo(200);
  }

  // --- shortcuts ---------------------------------------------------------------------------------

  /** Posts a WhatsApp text from {@code waId} named {@code name}; returns the wamid. */
  public static String whatsappText(Http http, String waId, String name, String text) {
    String wamid = wamid();
    post(http, "whatsapp", whatsappTextBody(waId, name, wamid, text));
    return wamid;
  }

  /** A signed WhatsApp text from {@code waId} (named "Customer waId"), for tests that post it themselves. */
  public static Signed whatsappText(String waId, String wamid, String text) {
    return signed(wamid, whatsappTextBody(waId, "Customer " + waId, wamid, text));
  }

  /** Posts a WhatsApp delivery status (sent, delivered, read) for one of our messages. */
  public static void whatsappStatus(Http http, String wamid, String waId, String status) {
    post(http, "whatsapp", whatsappStatus("whatsapp_status_read.json", wamid, waId, status));
  }

  /** Posts WhatsApp's report that one of our messages failed (131047, outside the window). */
  public static void whatsappFailed(Http http, String wamid, String waId) {
    post(http, "whatsapp", whatsappStatus("whatsapp_status_failed_131047.json", wamid, waId, null));
  }

  /** Posts a Messenger (or, with {@code instagram}, Instagram) text from {@code psid}. */
  public static void socialText(Http http, String platform, String psid, String text) {
    String fixture = platform.equals("instagram") ? "instagram_text.json" : "messenger_text.json";
    post(http, platform, messaging(fixture, psid, mid(), false, m -> m.put("text", text)));
  }
}
