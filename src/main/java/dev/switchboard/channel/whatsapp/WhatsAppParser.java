package dev.switchboard.channel.whatsapp;

import dev.switchboard.channel.Json;
import dev.switchboard.channel.ParsedEntry;
import dev.switchboard.channel.PlatformEvent;
import dev.switchboard.channel.WebhookParseException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
        events.add(isolated(echoes.getValue(k), "message_echoes", e -> {
          JsonObject asInbound = e.copy().put("from", e.getValue("to")).put("from_user_id", e.getValue("to_user_id"))
              .put("from_parent_user_id", e.getValue("to_parent_user_id"));
          PlatformEvent.Message m = (PlatformEvent.Message) message(asInbound, List.of());
          return new PlatformEvent.Message(m.customerId(), null, m.phone(), true, m.externalId(), m.timestamp(), m.contentType(),
              m.text(), m.attachments(), m.payload(), m.replyTo(), m.raw(), m.identity());
        }));
      }
      return new ParsedEntry(phoneNumberId, kept, events);
    }
    if (value != null && phoneNumberId != null && "user_id_update".equals(field)) {
      userIdUpdates(value, events);
      return new ParsedEntry(phoneNumberId, kept, events);
    }
    if (value == null || phoneNumberId == null || !"messages".equals(field)) {
      // e.g. template status or account updates: routable by the business account only, not stored here
      events.add(new PlatformEvent.Unhandled("unhandled WhatsApp change field '" + field + "'", kept));
      return new ParsedEntry(phoneNumberId == null ? Json.str(entry, "id") : phoneNumberId, kept, events);
    }
    List<JsonObject> contacts = new ArrayList<>();
    JsonArray contactArray = Json.arr(value, "contacts");
    for (int k = 0; k < contactArray.size(); k++) {
      // a malformed contact only costs its message the name; the message itself still arrives
      if (contactArray.getValue(k) instanceof JsonObject c) {
        contacts.add(c);
      }
    }
    JsonArray messages = Json.arr(value, "messages");
    for (int k = 0; k < messages.size(); k++) {
      PlatformEvent e = isolated(messages.getValue(k), "messages", m -> message(m, contacts));
      events.add(e);
      if (e instanceof PlatformEvent.Message m) {
        JsonObject item = (JsonObject) messages.getValue(k);
        PlatformEvent moved = isolated(item, "messages", x -> WhatsAppIdentityParts.identityChange(x, m.identity()));
        if (moved != null) {
          events.add(moved);
        }
      }
    }
    JsonArray statuses = Json.arr(value, "statuses");
    for (int k = 0; k < statuses.size(); k++) {
      PlatformEvent e = isolated(statuses.getValue(k), "statuses", WhatsAppParser::status);
      events.add(e);
      if (e instanceof PlatformEvent.Status) {
        PlatformEvent link = isolated(statuses.getValue(k), "statuses", WhatsAppIdentityParts::recipientLink);
        if (link != null) {
          events.add(link);
        }
      }
    }
    JsonArray errors = Json.arr(value, "errors");
    if (!errors.isEmpty() || events.isEmpty()) {
      // system errors (or anything else without messages/statuses): kept with the reason, never dropped
      events.add(new PlatformEvent.Unhandled(errors.isEmpty() ? "WhatsApp change without messages or statuses"
          : "WhatsApp error: " + errors.encode(), kept));
    }
    return new ParsedEntry(phoneNumberId, kept, events);
  }

  /**
   * One message or status parsed on its own: a malformed one becomes an unhandled event kept
   * whole with the reason, and its neighbours in the same change still arrive. Null when
   * {@code parse} finds nothing to say.
   */
  private static PlatformEvent isolated(Object item, String what, java.util.function.Function<JsonObject, PlatformEvent> parse) {
    if (!(item instanceof JsonObject o)) {
      return new PlatformEvent.Malformed("WhatsApp " + what + " item is not an object", new JsonObject().put(what, item));
    }
    try {
      return parse.apply(o);
    } catch (WebhookParseException | ClassCastException e) {
      return new PlatformEvent.Malformed("malformed WhatsApp " + what + " item: " + e.getMessage(), o);
    }
  }

  /**
   * {@code user_id_update}: each item moves a customer from {@code user_id.previous} to
   * {@code user_id.current}. Items come as {@code value.user_id_update[]} or as the value itself.
   */
  private static void userIdUpdates(JsonObject value, List<PlatformEvent> events) {
    JsonArray items = Json.arr(value, "user_id_update");
    List<Object> all = new ArrayList<>();
    if (items.isEmpty()) {
      all.add(value);
    } else {
      items.forEach(all::add);
    }
    for (Object item : all) {
      events.add(isolated(item, "user_id_update", u -> {
        JsonObject ids = Json.obj(u, "user_id");
        String previous = Json.str(ids, "previous");
        String current = Json.str(ids, "current");
        if (!WaIds.isBsuid(previous) || !WaIds.isBsuid(current)) {
          throw new WebhookParseException("user_id_update needs user_id.previous and user_id.current as BSUIDs");
        }
        String parent = Json.str(Json.obj(u, "parent_user_id"), "current");
        String phone = Json.str(u, "wa_id");
        return new PlatformEvent.IdentityChange(previous, WaIds.isPhone(phone) ? phone : null, current, null,
            WaIds.isBsuid(parent) ? parent : null);
      }));
    }
  }

  private static PlatformEvent message(JsonObject m, List<JsonObject> contacts) {
    String[] name = new String[1];
    PlatformEvent.WaIdentity who = WhatsAppIdentityParts.identity(m, contacts, name);
    String from = who.key();
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
      // newer webhooks carry a download url (valid briefly); kept for the media fetch
      putIf(a, "url", Json.str(media, "url"));
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
    } else if ("system".equals(type)) {
      // an identity change, shown in the thread in WhatsApp's words; applied by WhatsAppIdentityParts.identityChange()
      contentType = "system";
      text = Json.str(Json.obj(m, "system"), "body");
      raw = m;
    } else {
      // "unsupported", and any type Meta adds later: kept whole so nothing is lost
      contentType = "unsupported";
      raw = m;
    }
    return new PlatformEvent.Message(from, name[0], who.phone(), false, id, ts, contentType, text, attachments,
        payload, replyTo, raw, who);
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
    return new PlatformEvent.Status(id, status, Json.epoch(s, "timestamp", false), code, message, pricing(Json.obj(s, "pricing")));
  }

  private static final int PRICING_VALUE_MAX = 64;

  /**
   * The status's {@code pricing} ({@code billable}, {@code pricing_model}, {@code type},
   * {@code category}, and whatever Meta adds): flat values only, each bounded, so a new value is
   * kept as it comes and nothing unbounded reaches the database.
   */
  static JsonObject pricing(JsonObject p) {
    if (p == null) {
      return null;
    }
    JsonObject out = new JsonObject();
    for (String k : p.fieldNames()) {
      Object v = p.getValue(k);
      if (out.size() >= 16 || k.length() > PRICING_VALUE_MAX) {
        break;
      }
      if (v instanceof Boolean || v instanceof Number) {
        out.put(k, v);
      } else if (v instanceof String str) {
        out.put(k, str.length() > PRICING_VALUE_MAX ? str.substring(0, PRICING_VALUE_MAX) : str);
      }
    }
    return out.isEmpty() ? null : out;
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
