package dev.switchboard.channel;

import io.vertx.core.json.JsonObject;

import java.util.List;

/** Builds the Graph API request body of one outgoing message for one platform (pure, no Vert.x I/O). */
public interface Sender {

  /** The Graph path (after GRAPH_API_URL) this platform sends to for a channel. */
  String path(String channelExternalId);

  /** The exact JSON body for the Graph API (shapes of fixtures/meta/send_request_*.json). */
  JsonObject body(Outgoing message);

  /** Reads the platform's message id (wamid / mid) from a successful send response. */
  String messageId(JsonObject response);

  /** The sender for a platform name. */
  static Sender of(String platform) {
    return switch (platform) {
      case "whatsapp" -> WhatsAppSender.INSTANCE;
      case "messenger" -> MessengerSender.MESSENGER;
      case "instagram" -> MessengerSender.INSTAGRAM;
      default -> throw new IllegalArgumentException("unknown platform " + platform);
    };
  }

  /** The most characters a text may have on a platform (Instagram 1000, Messenger 2000, WhatsApp 4096). */
  static int textLimit(String platform) {
    return switch (platform) {
      case "instagram" -> 1000;
      case "messenger" -> 2000;
      default -> 4096;
    };
  }

  /**
   * One message to send: exactly one of text-only, attachment (text becomes the caption where
   * the platform has one), or template. {@code metadata} travels back in Messenger echoes.
   * {@code requestContactInfo}: WhatsApp's interactive request for the customer's phone number,
   * with {@code text} as its body.
   */
  record Outgoing(String recipient, String text, Attachment attachment, Template template,
                  List<QuickReply> quickReplies, String messagingTag, String replyTo, String metadata,
                  boolean requestContactInfo) {
    public Outgoing {
      quickReplies = quickReplies == null ? List.of() : List.copyOf(quickReplies);
    }

    public Outgoing(String recipient, String text, Attachment attachment, Template template, List<QuickReply> quickReplies,
                    String messagingTag, String replyTo, String metadata) {
      this(recipient, text, attachment, template, quickReplies, messagingTag, replyTo, metadata, false);
    }

    public static Outgoing text(String recipient, String text) {
      return new Outgoing(recipient, text, null, null, List.of(), null, null, null);
    }
  }

  /**
   * A file by URL, or by {@code mediaId}: media kept by Switchboard (an agent's upload), which
   * the pipeline uploads to the platform at send time, answering {@code platformMediaId} (the id
   * the send names). {@code kind} is image, video, audio or document.
   */
  record Attachment(String url, String mimeType, String filename, String mediaId, String platformMediaId) {
    public Attachment(String url, String mimeType, String filename) {
      this(url, mimeType, filename, null, null);
    }

    /** The same file, uploaded to the platform as {@code id}. */
    public Attachment uploaded(String id) {
      return new Attachment(url, mimeType, filename, mediaId, id);
    }

    public String kind() {
      return kindOf(mimeType);
    }

    public static String kindOf(String mimeType) {
      String m = mimeType == null ? "" : mimeType.toLowerCase();
      if (m.startsWith("image/")) {
        return "image";
      }
      if (m.startsWith("video/")) {
        return "video";
      }
      if (m.startsWith("audio/")) {
        return "audio";
      }
      return "document";
    }

    public JsonObject toJson() {
      JsonObject j = new JsonObject().put("url", url).put("mimeType", mimeType).put("filename", filename);
      if (mediaId != null) {
        j.put("mediaId", mediaId).put("status", "ready");
      }
      return j;
    }

    public static Attachment fromJson(JsonObject j) {
      return new Attachment(j.getString("url"), j.getString("mimeType"), j.getString("filename"), j.getString("mediaId"), null);
    }
  }

  /** An approved WhatsApp template with its body parameters in order ({{1}}, {{2}}, ...). */
  record Template(String name, String language, List<String> parameters) {
    public Template {
      parameters = parameters == null ? List.of() : List.copyOf(parameters);
    }
  }

  /** A button / quick reply: what the customer sees and the payload that comes back. */
  record QuickReply(String title, String payload) {
  }
}
