package dev.switchboard.conversation;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * Which attachments of an inbound message Switchboard downloads and keeps: each one gets
 * {@code status: pending} when the message is stored, then {@code ready} (with {@code mediaId},
 * Switchboard's id of the kept bytes, {@code mimeType} and {@code size}) or {@code failed} (with
 * {@code reason}) from the media fetcher. WhatsApp's own media id moves to {@code metaMediaId},
 * so {@code mediaId} always names media the API serves, in messages received and sent alike.
 * Pure: the processor calls it on the parsed attachments before inserting them.
 */
public final class MediaMarks {

  /** WhatsApp's media messages carry a media id to look up at Graph. */
  private static final Set<String> WHATSAPP = Set.of("image", "video", "audio", "document", "sticker");
  /** Messenger's and Instagram's carry a CDN URL that expires. */
  private static final Set<String> MESSAGING = Set.of("image", "video", "audio", "file", "story", "story_mention",
      "sticker", "animated_image", "share");

  private MediaMarks() {
  }

  /** A copy of {@code attachments} with the fetchable ones of a customer's message marked pending. */
  public static JsonArray pending(String platform, boolean echo, JsonArray attachments) {
    if (echo || attachments == null || attachments.isEmpty()) {
      return attachments == null ? new JsonArray() : attachments;
    }
    JsonArray out = new JsonArray();
    for (int i = 0; i < attachments.size(); i++) {
      Object o = attachments.getValue(i);
      if (o instanceof JsonObject a && fetchable(platform, a)) {
        JsonObject marked = a.copy().put("status", "pending");
        Object meta = marked.remove("mediaId");
        if (meta != null) {
          marked.put("metaMediaId", meta);
        }
        out.add(marked);
      } else {
        out.add(o);
      }
    }
    return out;
  }

  static boolean fetchable(String platform, JsonObject a) {
    String type = a.getValue("type") instanceof String t ? t : null;
    if ("whatsapp".equals(platform)) {
      return type != null && WHATSAPP.contains(type) && a.getValue("mediaId") instanceof String id && !id.isBlank();
    }
    return type != null && MESSAGING.contains(type) && a.getValue("url") instanceof String url
        && (url.startsWith("https://") || url.startsWith("http://"));
  }

  /** Whether any attachment waits for its download. */
  public static boolean hasPending(JsonArray attachments) {
    if (attachments == null) {
      return false;
    }
    for (int i = 0; i < attachments.size(); i++) {
      if (attachments.getValue(i) instanceof JsonObject a && "pending".equals(a.getValue("status"))) {
        return true;
      }
    }
    return false;
  }
}
