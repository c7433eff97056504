package dev.switchboard.channel.whatsapp;

import dev.switchboard.channel.Json;
import dev.switchboard.channel.ParsedEntry;
import dev.switchboard.channel.PlatformEvent;
import dev.switchboard.channel.WebhookParseException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * WhatsApp Cloud API webhooks ({@code object: whatsapp_business_account}) into platform events.
 * Each {@code changes[].value} routes by {@code metadata.phone_number_id}.
 */
public final class WhatsAppParser {

  private static final Set<String> MEDIA = Set.of("image", "video", "audio", "document", "sticker");
  private static final Set<String> STATUSES = Set.of("sent", "delivered", "read", "failed");

  private WhatsAppParser() {
  }

  public static List<ParsedEntry> parse(JsonObject body) {
    String object = Json.str(body, "object");
    if (!"whatsapp_business_account".equals(object)) {
      throw new WebhookParseException("expected object 'whatsapp_business_account', got " + (object == null ? "none" : "'" + object + "'"));
    }
    JsonArray entries = Json.arr(body, "entry");
    if (entries.isEmpty()) {
      throw new WebhookParseException("no entry[]");
    }
    List<ParsedEntry> out = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      JsonObject entry = Json.objAt(entries, i, "entry");
      JsonArray changes = Json.arr(entry, "changes");
      for (int j = 0; j < changes.size(); j++) {
        JsonObject change = Json.objAt(changes, j, "changes");
        out.add(change(entry, change));
      }
    }
    return out;
  }

  private static ParsedEntry change(JsonObject entry, JsonObject change) {
    JsonObject value = Json.obj(change, "value");
    String field = Json.str(change, "field");
    JsonObject metadata = Json.obj(value, "metadata");
    String phoneNumberId = Json.str(metadata, "phone_number_id");
    JsonObject kept = new JsonObject().put("id", Json.str(entry, "id")).put("changes", new JsonArray().add(change));
    List<PlatformEvent> events = new ArrayList<>();
    if (value != null && phoneNumberId != null && "smb_message_echoes".equals(field)) {
      // coexistence: what the business sent from the WhatsApp Business app on its phone
      JsonArray echoes = Json.arr(value, "message_echoes");
      for (int k = 0; k < echoes.size(); k++) {
        JsonObject e = Json.objAt(echoes, k, "message_echoes");
        PlatformEvent.Message m = (PlatformEvent.Message) message(e.copy().put("from", Json.required(e, "to", "message echo")), Map.of());
        events.add(new PlatformEvent.Message(m.customerId(), null, m.phone(), true, m.externalId(), m.timestamp(), m.contentType(),
            m.text(), m.attachments(), m.payload(), m.replyTo(), m.raw()));
      }
      return new ParsedEntry(phoneNumberId, kept, events);
    }
    if (value == null || phoneNumberId == null || !"messages".equals(field)) {
      // e.g. template status or account updates: routable by the business account only, not stored here
      events.add(new PlatformEvent.Unhandled("unhandled WhatsApp change field '" + field + "'", kept));
      return new ParsedEntry(phoneNumberId == null ? Json.str(entry, "id") : phoneNumberId, kept, events);
    }
    Map<String, String> names = new HashMap<>();
    JsonArray contacts = Json.arr(value, "contacts");
    for (int k = 0; k < contacts.size(); k++) {
      JsonObject c = Json.objAt(contacts, k, "contacts");
      String waId = Json.str(c, "wa_id");
      String name = Json.str(Json.obj(c, "profile"), "name");
      if (waId != null && name != null && !name.isBlank()) {
        names.put(waId, name);
      }
    }
    JsonArray messages = Json.arr(value, "messages");
    for (int k = 0; k < messages.size(); k++) {
      events.add(message(Json.objAt(messages, k, "messages"), names));
    }
    JsonArray statuses = Json.arr(value, "statuses");
    for (int k = 0; k < statuses.size(); k++) {
      events.add(status(Json.objAt(statuses, k, "statuses")));
    }
    JsonArray errors = Json.arr(value, "errors");
    if (!errors.isEmpty() || events.isEmpty()) {
      // system errors (or anything else without messages/statuses): kept with the reason, never dropped
      events.add(new PlatformEvent.Unhandled(errors.isEmpty() ? "WhatsApp change without messages or statuses"
          : "WhatsApp error: " + errors.encode(), kept));
    }
    return new ParsedEntry(phoneNumberId, kept, events);
  }

  private static PlatformEvent message(JsonObject m, Map<String, String> names) {
    String from = Json.required(m, "from", "message");
    String id = Json.required(m, "id", "message");
    Instant ts = Json.epoch(m, "timestamp", false);
    String type = Json.str(m, "type");
    String replyTo = Json.str(Json.obj(m, "context"), "id");
    String contentType;
    String text = null;
    String payload = null;
    JsonArray attachments = new JsonArray();
    JsonObject raw = null;
    if ("text".equals(type)) {
      contentType = "text";
      text = Json.str(Json.obj(m, "text"), "body");
    } else if (type != null && MEDIA.contains(type)) {
      JsonObject media = Json.obj(m, type);
      contentType = type;
      text = Json.str(media, "caption");
      JsonObject a = new JsonObject().put("type", type)
          .put("mediaId", Json.str(media, "id"))
          .put("mimeType", Json.str(media, "mime_type"));
      putIf(a, "sha256", Json.str(media, "sha256"));
      putIf(a, "caption", text);
      putIf(a, "filename", Json.str(media, "filename"));
      if (media != null && media.containsKey("voice")) {
        a.put("voice", Json.truthy(media, "voice"));
      }
      attachments.add(a);
    } else if ("interactive".equals(type)) {
      JsonObject interactive = Json.obj(m, "interactive");
      String kind = Json.str(interactive, "type");
      JsonObject reply = kind == null ? null : Json.obj(interactive, kind);
      if (("button_reply".equals(kind) || "list_reply".equals(kind)) && reply != null) {
        contentType = "interactive";
        text = Json.str(reply, "title");
        payload = Json.str(reply, "id");
      } else {
        contentType = "unsupported";
        raw = m;
      }
    } else if ("button".equals(type)) {
      JsonObject button = Json.obj(m, "button");
      contentType = "button";
      text = Json.str(button, "text");
      payload = Json.str(button, "payload");
    } else if ("reaction".equals(type)) {
      JsonObject reaction = Json.obj(m, "reaction");
      String reacted = Json.str(reaction, "message_id");
      String emoji = Json.str(reaction, "emoji");
      if (emoji == null || emoji.isEmpty()) {
        // WhatsApp signals a removed reaction as a reaction with an empty emoji
        return new PlatformEvent.Unreact(from, reacted);
      }
      contentType = "reaction";
      text = emoji;
      replyTo = reacted;
    } else if ("location".equals(type)) {
      JsonObject loc = Json.obj(m, "location");
      contentType = "location";
      text = firstNonNull(Json.str(loc, "name"), Json.str(loc, "address"));
      attachments.add(new JsonObject().put("type", "location")
          .put("latitude", loc == null ? null : loc.getValue("latitude"))
          .put("longitude", loc == null ? null : loc.getValue("longitude"))
          .put("name", Json.str(loc, "name"))
          .put("address", Json.str(loc, "address")));
    } else if ("contacts".equals(type)) {
      contentType = "contacts";
      JsonArray shared = Json.arr(m, "contacts");
      attachments.add(new JsonObject().put("type", "contacts").put("contacts", shared));
      List<String> sharedNames = new ArrayList<>();
      for (int i = 0; i < shared.size(); i++) {
        Object c = shared.getValue(i);
        if (c instanceof JsonObject o) {
          String n = Json.str(Json.obj(o, "name"), "formatted_name");
          if (n != null) {
            sharedNames.add(n);
          }
        }
      }
      text = sharedNames.isEmpty() ? null : String.join(", ", sharedNames);
    } else {
      // "unsupported", and any type Meta adds later: kept whole so nothing is lost
      contentType = "unsupported";
      raw = m;
    }
    return new PlatformEvent.Message(from, names.get(from), from, false, id, ts, contentType, text, attachments,
        payload, replyTo, raw);
  }

  private static PlatformEvent status(JsonObject s) {
    String id = Json.required(s, "id", "status");
    String status = Json.str(s, "status");
    if (status == null || !STATUSES.contains(status)) {
      return new PlatformEvent.Unhandled("unhandled WhatsApp status '" + status + "'", s);
    }
    String code = null;
    String message = null;
    JsonArray errors = Json.arr(s, "errors");
    if (!errors.isEmpty() && errors.getValue(0) instanceof JsonObject e) {
      code = Json.str(e, "code");
      message = firstNonNull(Json.str(e, "message"), Json.str(e, "title"));
    }
    return new PlatformEvent.Status(id, status, Json.epoch(s, "timestamp", false), code, message);
  }

  private static void putIf(JsonObject o, String key, String value) {
    if (value != null) {
      o.put(key, value);
    }
  }

  private static String firstNonNull(String a, String b) {
    return a != null ? a : b;
  }
}
