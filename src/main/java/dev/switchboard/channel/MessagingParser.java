package dev.switchboard.channel;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The Messenger Platform webhook shape, shared by Messenger ({@code object: page}) and Instagram
 * messaging ({@code object: instagram}): {@code entry[].messaging[]} routed by {@code entry[].id}.
 */
public final class MessagingParser {

  private MessagingParser() {
  }

  public static List<ParsedEntry> parse(JsonObject body, String expectedObject, String platformLabel) {
    String object = Json.str(body, "object");
    if (!expectedObject.equals(object)) {
      throw new WebhookParseException("expected object '" + expectedObject + "', got " + (object == null ? "none" : "'" + object + "'"));
    }
    JsonArray entries = Json.arr(body, "entry");
    if (entries.isEmpty()) {
      throw new WebhookParseException("no entry[]");
    }
    List<ParsedEntry> out = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      JsonObject entry = Json.objAt(entries, i, "entry");
      String channelId = Json.required(entry, "id", "entry");
      List<PlatformEvent> events = new ArrayList<>();
      JsonArray messaging = Json.arr(entry, "messaging");
      for (int j = 0; j < messaging.size(); j++) {
        JsonObject item = Json.objAt(messaging, j, "messaging");
        PlatformEvent e = item(channelId, item, platformLabel);
        events.add(e);
        PlatformEvent.AdReferral ad = e instanceof PlatformEvent.Message m && !m.echo() ? adReferral(item, m.customerId(), m.timestamp()) : null;
        if (ad != null) {
          events.add(ad);
        }
      }
      JsonArray changes = Json.arr(entry, "changes");
      for (int j = 0; j < changes.size(); j++) {
        JsonObject change = Json.objAt(changes, j, "changes");
        events.add(new PlatformEvent.Unhandled("unhandled " + platformLabel + " change field '" + Json.str(change, "field") + "'", change));
      }
      if (messaging.isEmpty() && changes.isEmpty()) {
        events.add(new PlatformEvent.Unhandled("entry without messaging[]", entry));
      }
      out.add(new ParsedEntry(channelId, entry, events));
    }
    return out;
  }

  private static PlatformEvent item(String channelId, JsonObject item, String platformLabel) {
    String sender = Json.str(Json.obj(item, "sender"), "id");
    String recipient = Json.str(Json.obj(item, "recipient"), "id");
    Instant ts = Json.epoch(item, "timestamp", true);
    JsonObject message = Json.obj(item, "message");
    if (message != null) {
      return message(channelId, sender, recipient, ts, message, item);
    }
    JsonObject postback = Json.obj(item, "postback");
    if (postback != null) {
      String mid = Json.str(postback, "mid");
      if (mid == null) {
        // older postbacks carry no mid: the sender and the moment identify it for redeliveries
        mid = "postback:" + sender + ":" + (ts == null ? "" : ts.toEpochMilli());
      }
      return new PlatformEvent.Message(customer(sender), null, null, false, mid, ts, "button",
          Json.str(postback, "title"), new JsonArray(), Json.str(postback, "payload"), null, null);
    }
    JsonObject delivery = Json.obj(item, "delivery");
    if (delivery != null) {
      Instant wm = Json.epoch(delivery, "watermark", true);
      return new PlatformEvent.Watermark(customer(sender), "delivered", wm != null ? wm : ts);
    }
    JsonObject read = Json.obj(item, "read");
    if (read != null) {
      // Messenger gives a watermark; Instagram's "seen" names a message and is timed by the event
      Instant wm = Json.epoch(read, "watermark", true);
      return new PlatformEvent.Watermark(customer(sender), "read", wm != null ? wm : ts);
    }
    JsonObject reaction = Json.obj(item, "reaction");
    if (reaction != null) {
      String reacted = Json.required(reaction, "mid", "reaction");
      if ("unreact".equals(Json.str(reaction, "action"))) {
        return new PlatformEvent.Unreact(customer(sender), reacted);
      }
      String emoji = Json.str(reaction, "emoji");
      String text = emoji != null ? emoji : Json.str(reaction, "reaction");
      // a reaction has no id of its own: who reacted to what, when, identifies it for redeliveries
      String id = "reaction:" + reacted + ":" + sender + ":" + (ts == null ? "" : ts.toEpochMilli());
      return new PlatformEvent.Message(customer(sender), null, null, false, id, ts, "reaction", text,
          new JsonArray(), null, reacted, null);
    }
    if (Json.obj(item, "referral") != null) {
      // the customer opened the thread from an ad or a link, before writing
      PlatformEvent.AdReferral ad = adReferral(item, customer(sender), ts);
      if (ad != null) {
        return ad;
      }
    }
    List<String> keys = new ArrayList<>(item.fieldNames());
    keys.removeAll(List.of("sender", "recipient", "timestamp"));
    return new PlatformEvent.Unhandled("unhandled " + platformLabel + " event " + keys, item);
  }

  private static PlatformEvent message(String channelId, String sender, String recipient, Instant ts,
                                       JsonObject m, JsonObject item) {
    boolean echo = Json.truthy(m, "is_echo") || (channelId.equals(sender) && recipient != null);
    // an echo is the business writing: the customer is the recipient, and the page never becomes a contact
    String customer = echo ? recipient : sender;
    String mid = Json.required(m, "mid", "message");
    if (Json.truthy(m, "is_deleted")) {
      return new PlatformEvent.Deletion(customer(customer), mid);
    }
    String text = Json.str(m, "text");
    String payload = Json.str(Json.obj(m, "quick_reply"), "payload");
    String replyTo = Json.str(Json.obj(m, "reply_to"), "mid");
    JsonArray attachments = new JsonArray();
    String contentType = text != null ? "text" : null;
    JsonObject raw = null;
    if (Json.truthy(m, "is_unsupported")) {
      contentType = "unsupported";
      raw = item;
    }
    JsonObject story = Json.obj(Json.obj(m, "reply_to"), "story");
    if (story != null) {
      contentType = "story";
      replyTo = Json.str(story, "id");
      attachments.add(new JsonObject().put("type", "story").put("url", Json.str(story, "url")).put("id", Json.str(story, "id")));
    }
    JsonArray list = Json.arr(m, "attachments");
    for (int i = 0; i < list.size(); i++) {
      JsonObject a = Json.objAt(list, i, "attachments");
      String type = Json.str(a, "type");
      JsonObject p = Json.obj(a, "payload");
      String kind = attachmentKind(type);
      if (contentType == null || "text".equals(contentType)) {
        contentType = kind;
      }
      JsonObject att = new JsonObject().put("type", type).put("url", Json.str(p, "url"));
      String title = Json.str(a, "title");
      if (title != null) {
        att.put("title", title);
      }
      if ("unsupported".equals(kind)) {
        raw = item;
        att.put("payload", p);
      }
      attachments.add(att);
    }
    if (contentType == null) {
      contentType = "unsupported";
      raw = item;
    }
    return new PlatformEvent.Message(customer(customer), null, null, echo, mid, ts, contentType, text, attachments,
        payload, replyTo, raw);
  }

  /** An ad referral ({@code source: ADS}) on the event itself, its message or its postback; null for other referrals. */
  static PlatformEvent.AdReferral adReferral(JsonObject item, String customer, Instant ts) {
    JsonObject referral = Json.obj(item, "referral");
    if (referral == null) {
      referral = Json.obj(Json.obj(item, "message"), "referral");
    }
    if (referral == null) {
      referral = Json.obj(Json.obj(item, "postback"), "referral");
    }
    return referral != null && "ADS".equalsIgnoreCase(Json.str(referral, "source")) && ts != null
        ? new PlatformEvent.AdReferral(customer, ts) : null;
  }

  private static String attachmentKind(String type) {
    if (type == null) {
      return "unsupported";
    }
    return switch (type) {
      case "image", "video", "audio", "location" -> type;
      case "file" -> "document";
      case "story_mention" -> "story";
      case "sticker", "animated_image" -> "sticker";
      default -> "unsupported";
    };
  }

  private static String customer(String id) {
    if (id == null || id.isEmpty()) {
      throw new WebhookParseException("event without a sender/recipient id");
    }
    return id;
  }
}
