package dev.switchboard.scale;

import dev.switchboard.support.Fixtures;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;

/** Signed WhatsApp text webhooks with fresh ids and "now" timestamps. */
final class Webhooks {

  /** The phone number id of the whatsapp_text.json fixture: the channel's external id. */
  static final String PHONE_NUMBER_ID = "118812345678901";

  private Webhooks() {
  }

  /** One signed body: the bytes and their X-Hub-Signature-256 header. */
  record Signed(String wamid, byte[] body, String signature) {
  }

  static Signed whatsappText(String waId, String wamid, String text) {
    JsonObject body = Fixtures.json("whatsapp_text.json");
    JsonObject value = body.getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0).getJsonObject("value");
    value.getJsonArray("contacts").getJsonObject(0).put("wa_id", waId).getJsonObject("profile").put("name", "Customer " + waId);
    value.getJsonArray("messages").getJsonObject(0)
        .put("from", waId).put("id", wamid)
        .put("timestamp", String.valueOf(System.currentTimeMillis() / 1000))
        .getJsonObject("text").put("body", text);
    byte[] bytes = body.encode().getBytes(StandardCharsets.UTF_8);
    return new Signed(wamid, bytes, Fixtures.sign(bytes));
  }
}
