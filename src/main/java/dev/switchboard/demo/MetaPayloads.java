package dev.switchboard.demo;

import dev.switchboard.channel.whatsapp.WaIds;
import dev.switchboard.demo.Simulator.Customer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Webhooks as Meta sends them, built from what a simulated customer does: WhatsApp Cloud API
 * {@code messages} and {@code statuses}, Messenger and Instagram {@code messaging} events; their
 * signature; and ids in each platform's style. Pure functions: no state, no I/O.
 */
final class MetaPayloads {

  /** The business number the demo's WhatsApp channel shows customers. */
  static final String DISPLAY_PHONE = "15550100200";
  private static final SecureRandom RANDOM = new SecureRandom();

  private MetaPayloads() {
  }

  // ---- customers' messages ----

  /** A typed text, or ({@code choice} non-null) a tap on a reply button or list row of message {@code replyTo}. */
  static JsonObject whatsappMessage(Customer c, String id, String text, String choice, String replyTo, boolean fromList,
                                    Instant at) {
    JsonObject message = whatsappFrom(c, id, at);
    if (choice == null) {
      message.put("type", "text").put("text", new JsonObject().put("body", text));
    } else {
      String kind = fromList ? "list_reply" : "button_reply";
      message.put("context", new JsonObject().put("from", businessPhone(c.channelId())).put("id", replyTo))
          .put("type", "interactive")
          .put("interactive", new JsonObject().put("type", kind)
              .put(kind, new JsonObject().put("id", choice).put("title", text)));
    }
    return whatsappValue(c, message);
  }

  /** "Share phone number" answering a {@code request_contact_info}: a contact card with {@code origin: contact_request}. */
  static JsonObject whatsappSharedPhone(Customer c, String id, String phone, Instant at) {
    JsonObject card = new JsonObject()
        .put("name", new JsonObject().put("formatted_name", c.name()).put("first_name", c.name()))
        .put("phones", new JsonArray().add(new JsonObject().put("phone", "+" + phone).put("wa_id", phone).put("type", "MOBILE")))
        .put("origin", "contact_request");
    return whatsappValue(c, whatsappFrom(c, id, at).put("type", "contacts").put("contacts", new JsonArray().add(card)));
  }

  /** A Messenger ({@code object} "page") or Instagram ("instagram") message, with the quick reply's payload if any. */
  static JsonObject pageMessage(String object, Customer c, String id, String text, String choice, Instant at, long nowMillis) {
    JsonObject message = new JsonObject().put("mid", id).put("text", text);
    if (choice != null) {
      message.put("quick_reply", new JsonObject().put("payload", choice));
    }
    return pageEnvelope(object, c.channelId(), nowMillis, new JsonObject()
        .put("sender", new JsonObject().put("id", c.id()))
        .put("recipient", new JsonObject().put("id", c.channelId()))
        .put("timestamp", at.toEpochMilli())
        .put("message", message));
  }

  // ---- receipts ----

  /** The customer's phone reports message {@code id} as {@code delivered} or {@code read}. */
  static JsonObject receipt(String platform, String channelId, String customerId, String id, String status, long nowMillis) {
    return switch (platform) {
      case "whatsapp" -> whatsappEnvelope(new JsonObject()
          .put("messaging_product", "whatsapp")
          .put("metadata", metadata(channelId))
          .put("statuses", new JsonArray().add(new JsonObject()
              .put("id", id).put("status", status).put("timestamp", String.valueOf(nowMillis / 1000))
              // a username user's statuses name only the BSUID
              .put(WaIds.isBsuid(customerId) ? "recipient_user_id" : "recipient_id", customerId))));
      case "messenger" -> pageEnvelope("page", channelId, nowMillis, new JsonObject()
          .put("sender", new JsonObject().put("id", customerId))
          .put("recipient", new JsonObject().put("id", channelId))
          .put("timestamp", nowMillis)
          .put(status.equals("delivered") ? "delivery" : "read", status.equals("delivered")
              ? new JsonObject().put("mids", new JsonArray().add(id)).put("watermark", nowMillis)
              : new JsonObject().put("watermark", nowMillis)));
      default -> pageEnvelope("instagram", channelId, nowMillis, new JsonObject()
          .put("sender", new JsonObject().put("id", customerId))
          .put("recipient", new JsonObject().put("id", channelId))
          .put("timestamp", nowMillis)
          .put("read", new JsonObject().put("mid", id)));
    };
  }

  // ---- envelopes ----

  /** A message of customer {@code c}: a username customer's carries only the BSUID. */
  private static JsonObject whatsappFrom(Customer c, String id, Instant at) {
    return new JsonObject()
        .put(c.usernameOnly() ? "from_user_id" : "from", c.id()).put("id", id).put("timestamp", String.valueOf(at.getEpochSecond()));
  }

  private static JsonObject whatsappValue(Customer c, JsonObject message) {
    return whatsappEnvelope(new JsonObject()
        .put("messaging_product", "whatsapp")
        .put("metadata", metadata(c.channelId()))
        .put("contacts", new JsonArray().add(contact(c)))
        .put("messages", new JsonArray().add(message)));
  }

  private static JsonObject metadata(String phoneNumberId) {
    return new JsonObject().put("display_phone_number", businessPhone(phoneNumberId)).put("phone_number_id", phoneNumberId);
  }

  /**
   * The business number behind a phone-number id, digits only: the seeded channel's
   * {@link #DISPLAY_PHONE}, else 1555 and the id's last seven digits, so each number the demo's
   * Meta answers for keeps one phone in its webhooks and its Graph object.
   */
  static String businessPhone(String phoneNumberId) {
    if (phoneNumberId == null || DemoSeed.WHATSAPP_ID.equals(phoneNumberId)) {
      return DISPLAY_PHONE;
    }
    String padded = "0000000" + phoneNumberId;
    return "1555" + padded.substring(padded.length() - 7);
  }

  /** The webhook's contacts[] entry: the phone, or (username user) the BSUID and the username. */
  private static JsonObject contact(Customer c) {
    JsonObject profile = new JsonObject().put("name", c.name());
    if (!c.usernameOnly()) {
      return new JsonObject().put("profile", profile).put("wa_id", c.id());
    }
    if (c.username() != null) {
      profile.put("username", "@" + c.username());
    }
    return new JsonObject().put("profile", profile).put("user_id", c.id());
  }

  private static JsonObject whatsappEnvelope(JsonObject value) {
    return new JsonObject()
        .put("object", "whatsapp_business_account")
        .put("entry", new JsonArray().add(new JsonObject()
            .put("id", "2" + value.getJsonObject("metadata").getString("phone_number_id"))
            .put("changes", new JsonArray().add(new JsonObject().put("value", value).put("field", "messages")))));
  }

  private static JsonObject pageEnvelope(String object, String pageId, long nowMillis, JsonObject messaging) {
    return new JsonObject()
        .put("object", object)
        .put("entry", new JsonArray().add(new JsonObject()
            .put("id", pageId)
            .put("time", nowMillis)
            .put("messaging", new JsonArray().add(messaging))));
  }

  // ---- signature and ids ----

  /** {@code sha256=<hex>} of HMAC-SHA256 over the exact bytes, as Meta signs. */
  static String sign(byte[] body, String secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A fresh, unique platform message id (wamid / mid) in the platform's style. */
  static String newMessageId(String platform) {
    byte[] b = new byte[30];
    RANDOM.nextBytes(b);
    String r = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    return switch (platform) {
      case "whatsapp" -> "wamid.HBgL" + Base64.getEncoder().encodeToString(b);
      case "messenger" -> "m_" + r;
      default -> "aWdfZAG1faXRlbToxOklHTWVzc2FnZA" + r;
    };
  }

  static String digits(int n) {
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      sb.append((char) ('0' + RANDOM.nextInt(10)));
    }
    return sb.toString();
  }
}
