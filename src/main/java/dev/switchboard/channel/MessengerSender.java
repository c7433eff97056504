package dev.switchboard.channel;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Messenger and Instagram Send API: {@code POST /me/messages} with {@code recipient.id}. */
public final class MessengerSender implements Sender {

  static final MessengerSender MESSENGER = new MessengerSender(false);
  static final MessengerSender INSTAGRAM = new MessengerSender(true);

  private static final int MAX_QUICK_REPLIES = 13;

  private final boolean instagram;

  private MessengerSender(boolean instagram) {
    this.instagram = instagram;
  }

  @Override
  public String path(String channelExternalId) {
    return "/me/messages";
  }

  @Override
  public JsonObject body(Outgoing m) {
    JsonObject body = new JsonObject().put("recipient", new JsonObject().put("id", m.recipient()));
    if (m.messagingTag() != null) {
      body.put("messaging_type", "MESSAGE_TAG").put("tag", m.messagingTag());
    } else if (!instagram) {
      // Instagram's send API takes no messaging_type for a standard reply (fixture send_request_instagram_text.json)
      body.put("messaging_type", "RESPONSE");
    }
    JsonObject message = new JsonObject();
    if (m.attachment() != null) {
      String kind = m.attachment().kind();
      message.put("attachment", new JsonObject()
          .put("type", "document".equals(kind) ? "file" : kind)
          .put("payload", m.attachment().platformMediaId() != null
              ? new JsonObject().put("attachment_id", m.attachment().platformMediaId())
              : new JsonObject().put("url", m.attachment().url()).put("is_reusable", true)));
    } else {
      message.put("text", m.text());
    }
    if (!m.quickReplies().isEmpty()) {
      JsonArray qrs = new JsonArray();
      m.quickReplies().stream().limit(MAX_QUICK_REPLIES).forEach(q -> qrs.add(new JsonObject()
          .put("content_type", "text").put("title", WhatsAppSender.cut(q.title(), 20)).put("payload", q.payload())));
      message.put("quick_replies", qrs);
    }
    // metadata comes back in the echo webhook: it ties an echo to the outbox row that caused it
    if (!instagram && m.metadata() != null) {
      message.put("metadata", m.metadata());
    }
    return body.put("message", message);
  }

  @Override
  public String messageId(JsonObject response) {
    return response == null ? null : response.getString("message_id");
  }
}
