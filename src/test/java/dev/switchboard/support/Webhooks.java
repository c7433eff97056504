package dev.switchboard.web;

import dev.switchboard.support.Fixtures;
import dev.switchboard.support.Http;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Signed Meta webhooks with "now" timestamps (the fixtures are from January 2026) and fresh ids. */
final class Webhooks {

  static final String WA_PHONE_NUMBER_ID = "118812345678901";
  static final String PAGE_ID = "361442187745120";
  static final String IG_ID = "17841400112233445";

  private Webhooks() {
  }

  /** A WhatsApp text from {@code waId} named {@code name}; returns the wamid. */
  static String whatsappText(Http http, String waId, String name, String text) {
    JsonObject body = Fixtures.json("whatsapp_text.json");
    JsonObject value = body.getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0).getJsonObject("value");
    value.getJsonArray("contacts").getJsonObject(0).put("wa_id", waId).getJsonObject("profile").put("name", name);
    String wamid = "wamid.test-" + UUID.randomUUID();
    value.getJsonArray("messages").getJsonObject(0)
        .put("from", waId).put("id", wamid)
        .put("timestamp", String.valueOf(System.currentTimeMillis() / 1000))
        .getJsonObject("text").put("body", text);
    post(http, "whatsapp", body);
    return wamid;
  }

  /** A WhatsApp delivery status (sent, delivered, read) for one of our messages. */
  static void whatsappStatus(Http http, String wamid, String waId, String status) {
    JsonObject body = Fixtures.json("whatsapp_status_read.json");
    JsonObject value = body.getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0).getJsonObject("value");
    value.getJsonArray("statuses").getJsonObject(0).put("id", wamid).put("status", status).put("recipient_id", waId)
        .put("timestamp", String.valueOf(System.currentTimeMillis() / 1000));
    post(http, "whatsapp", body);
  }

  /** WhatsApp reports that one of our messages failed (131047, outside the window). */
  static void whatsappFailed(Http http, String wamid, String waId) {
    JsonObject body = Fixtures.json("whatsapp_status_failed_131047.json");
    JsonObject value = body.getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0).getJsonObject("value");
    value.getJsonArray("statuses").getJsonObject(0).put("id", wamid).put("recipient_id", waId)
        .put("timestamp", String.valueOf(System.currentTimeMillis() / 1000));
    post(http, "whatsapp", body);
  }

  /** A Messenger (or, with {@code instagram}, Instagram) text from {@code psid}. */
  static void socialText(Http http, String platform, String psid, String text) {
    boolean ig = platform.equals("instagram");
    JsonObject body = Fixtures.json(ig ? "instagram_text.json" : "messenger_text.json");
    JsonObject entry = body.getJsonArray("entry").getJsonObject(0);
    long now = System.currentTimeMillis();
    entry.put("time", now);
    JsonArray messaging = entry.getJsonArray("messaging");
    messaging.getJsonObject(0).put("timestamp", now).put("sender", new JsonObject().put("id", psid))
        .getJsonObject("message").put("mid", "m_test-" + UUID.randomUUID()).put("text", text);
    post(http, platform, body);
  }

  static void post(Http http, String platform, JsonObject body) {
    byte[] bytes = body.encode().getBytes(StandardCharsets.UTF_8);
    Http.Res r = http.webhook(platform, bytes, Fixtures.sign(bytes));
    assertThat(r.status()).as("webhook answer").isEqualTo(200);
  }
}
