package dev.switchboard.channel;

import dev.switchboard.channel.whatsapp.WaIds;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** WhatsApp Cloud API: {@code POST /{phoneNumberId}/messages}. */
public final class WhatsAppSender implements Sender {

  static final WhatsAppSender INSTANCE = new WhatsAppSender();

  /** WhatsApp caps a reply button title at 20 characters and a button message at 3 buttons. */
  private static final int MAX_BUTTONS = 3;
  private static final int MAX_TITLE = 20;

  private WhatsAppSender() {
  }

  @Override
  public String path(String phoneNumberId) {
    return "/" + phoneNumberId + "/messages";
  }

  @Override
  public JsonObject body(Outgoing m) {
    JsonObject body = new JsonObject()
        .put("messaging_product", "whatsapp")
        .put("recipient_type", "individual");
    // the phone when we know it (Meta's advice); a customer known only by username gets the BSUID
    if (WaIds.isBsuid(m.recipient())) {
      body.put("recipient", m.recipient());
    } else {
      body.put("to", m.recipient());
    }
    if (m.replyTo() != null) {
      body.put("context", new JsonObject().put("message_id", m.replyTo()));
    }
    if (m.template() != null) {
      return body.put("type", "template").put("template", template(m.template()));
    }
    if (m.requestContactInfo()) {
      return body.put("type", "interactive").put("interactive", new JsonObject()
          .put("type", "request_contact_info")
          .put("body", new JsonObject().put("text", m.text()))
          .put("action", new JsonObject().put("name", "request_contact_info")));
    }
    if (m.attachment() != null) {
      String kind = m.attachment().kind();
      // an uploaded file goes by the id WhatsApp gave it, a public one by its link
      JsonObject media = m.attachment().platformMediaId() != null
          ? new JsonObject().put("id", m.attachment().platformMediaId())
          : new JsonObject().put("link", m.attachment().url());
      if ("document".equals(kind) && m.attachment().filename() != null) {
        media.put("filename", m.attachment().filename());
      }
      // audio has no caption on WhatsApp; the pipeline sends such text as its own message
      if (m.text() != null && !m.text().isBlank() && !"audio".equals(kind)) {
        media.put("caption", m.text());
      }
      return body.put("type", kind).put(kind, media);
    }
    if (!m.quickReplies().isEmpty()) {
      return body.put("type", "interactive").put("interactive", interactive(m));
    }
    return body.put("type", "text").put("text", new JsonObject().put("preview_url", false).put("body", m.text()));
  }

  @Override
  public String messageId(JsonObject response) {
    JsonArray messages = response == null ? null : response.getJsonArray("messages");
    return messages == null || messages.isEmpty() ? null : messages.getJsonObject(0).getString("id");
  }

  /**
   * The customer's BSUID from a send response to the phone {@code phone}: Meta answers
   * {@code contacts[]} with the {@code input} we sent (or its {@code wa_id}) and, once the
   * customer has one, their {@code user_id}. Null when absent or not a plausible BSUID.
   */
  public static String bsuidOf(JsonObject response, String phone) {
    JsonArray contacts = response == null || !(response.getValue("contacts") instanceof JsonArray a) ? null : a;
    if (contacts == null || phone == null) {
      return null;
    }
    for (int i = 0; i < Math.min(contacts.size(), 10); i++) {
      if (contacts.getValue(i) instanceof JsonObject c && (phone.equals(c.getValue("input")) || phone.equals(c.getValue("wa_id")))
          && c.getValue("user_id") instanceof String userId && WaIds.isBsuid(userId)) {
        return userId;
      }
    }
    return null;
  }

  private static JsonObject template(Template t) {
    JsonObject template = new JsonObject()
        .put("name", t.name())
        .put("language", new JsonObject().put("code", t.language()));
    if (!t.parameters().isEmpty()) {
      JsonArray params = new JsonArray();
      t.parameters().forEach(p -> params.add(new JsonObject().put("type", "text").put("text", p)));
      template.put("components", new JsonArray().add(new JsonObject().put("type", "body").put("parameters", params)));
    }
    return template;
  }

  // Up to 3 choices as reply buttons; more as a list (up to 10 rows), as WhatsApp requires.
  private static JsonObject interactive(Outgoing m) {
    JsonObject body = new JsonObject().put("text", m.text());
    if (m.quickReplies().size() <= MAX_BUTTONS) {
      JsonArray buttons = new JsonArray();
      m.quickReplies().forEach(q -> buttons.add(new JsonObject().put("type", "reply")
          .put("reply", new JsonObject().put("id", q.payload()).put("title", cut(q.title(), MAX_TITLE)))));
      return new JsonObject().put("type", "button").put("body", body).put("action", new JsonObject().put("buttons", buttons));
    }
    JsonArray rows = new JsonArray();
    m.quickReplies().stream().limit(10).forEach(q -> rows.add(new JsonObject().put("id", q.payload()).put("title", cut(q.title(), 24))));
    return new JsonObject().put("type", "list").put("body", body).put("action", new JsonObject()
        .put("button", "Choose")
        .put("sections", new JsonArray().add(new JsonObject().put("title", "Options").put("rows", rows))));
  }

  static String cut(String s, int max) {
    return s == null || s.length() <= max ? s : s.substring(0, max);
  }
}
