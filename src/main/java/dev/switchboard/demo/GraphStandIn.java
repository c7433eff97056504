package dev.switchboard.demo;

import dev.switchboard.channel.whatsapp.WaIds;
import dev.switchboard.demo.Simulator.Customer;
import dev.switchboard.demo.Simulator.GraphAnswer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's Graph API: answers the gateway's sends, template list and profile lookups as Graph
 * does, and hands every accepted send to {@link Outgoing}, which shows it to the customer.
 */
final class GraphStandIn {

  /** What happens to a send Graph accepted: it becomes an entry the customer receives. */
  interface Outgoing {
    JsonObject sent(String platform, String channelId, String customerId, String id, String kind, String text);
  }

  private static final Map<String, String[]> TEMPLATES = new LinkedHashMap<>();

  static {
    TEMPLATES.put("order_update", new String[] {"en_US", "APPROVED", "UTILITY",
        "Hi! Your order {{1}} has shipped. Reply here if you have any question."});
    TEMPLATES.put("follow_up", new String[] {"en_US", "APPROVED", "MARKETING",
        "Hello {{1}}, we have an update on your request. Reply to this message to continue the conversation."});
    TEMPLATES.put("recordatorio_cita", new String[] {"es", "APPROVED", "UTILITY",
        "Hola {{1}}, te recordamos tu cita del {{2}}."});
    TEMPLATES.put("spring_sale", new String[] {"en_US", "PENDING", "MARKETING",
        "Spring sale: 20% off everything until Sunday!"});
  }

  private final CustomerFeed feed;
  private final Outgoing outgoing;

  GraphStandIn(CustomerFeed feed, Outgoing outgoing) {
    this.feed = feed;
    this.outgoing = outgoing;
  }

  /**
   * A send to {@code POST /{phoneNumberId}/messages} (WhatsApp) or {@code POST /me/messages}
   * (Messenger, Instagram; {@code platform} says which, from the channel's token).
   */
  GraphAnswer send(String platform, String channelId, JsonObject body) {
    return "whatsapp".equals(platform) ? whatsappSend(channelId, body) : pageSend(platform, channelId, body);
  }

  private GraphAnswer whatsappSend(String phoneNumberId, JsonObject body) {
    String to = body.getString("to");
    String recipient = body.getString("recipient");
    // Graph: "to" is a phone, "recipient" a BSUID; with both, "to" wins
    if ((to == null || to.isBlank()) && !WaIds.isBsuid(recipient)) {
      return error(400, recipient == null ? "(#100) The parameter to is required."
          : "(#100) Invalid parameter: recipient must be a business-scoped user ID", 100);
    }
    if (to != null && WaIds.isBsuid(to)) {
      return error(400, "(#100) Invalid parameter: a business-scoped user ID goes in 'recipient'", 100);
    }
    boolean byBsuid = to == null || to.isBlank();
    String waId = byBsuid ? recipient : to.replaceAll("[^0-9]", "");
    String type = body.getString("type", "text");
    String text = switch (type) {
      case "text" -> body.getJsonObject("text", new JsonObject()).getString("body");
      case "template" -> renderTemplate(body.getJsonObject("template", new JsonObject()));
      case "image", "document", "video", "audio", "sticker" -> media(body.getJsonObject(type, new JsonObject()));
      case "interactive" -> body.getJsonObject("interactive", new JsonObject())
          .getJsonObject("body", new JsonObject()).getString("text", "[interactive]");
      default -> "[" + type + "]";
    };
    if (text == null) {
      return error(400, "(#100) The parameter text['body'] is required.", 100);
    }
    String id = MetaPayloads.newMessageId("whatsapp");
    feed.known("whatsapp", phoneNumberId, waId);
    JsonObject entry = outgoing.sent("whatsapp", phoneNumberId, waId, id, type, text);
    if ("interactive".equals(type)) {
      JsonObject interactive = body.getJsonObject("interactive", new JsonObject());
      if ("request_contact_info".equals(interactive.getString("type"))) {
        // the page offers "Share phone number" (Simulator.sharePhone)
        feed.update(entry.getString("id"), new JsonObject().put("requestsPhone", true));
      } else {
        choices(entry.getString("id"), whatsappChoices(interactive));
      }
    }
    JsonObject message = new JsonObject().put("id", id);
    if ("template".equals(type)) {
      message.put("message_status", "accepted");
    }
    return new GraphAnswer(200, new JsonObject()
        .put("messaging_product", "whatsapp")
        .put("contacts", new JsonArray().add(byBsuid ? new JsonObject().put("input", recipient).put("user_id", recipient)
            : new JsonObject().put("input", to).put("wa_id", waId)))
        .put("messages", new JsonArray().add(message)));
  }

  private GraphAnswer pageSend(String platform, String pageId, JsonObject body) {
    String recipient = body.getJsonObject("recipient", new JsonObject()).getString("id");
    if (recipient == null) {
      return error(400, "(#100) param recipient must be non-empty.", 100);
    }
    if (body.getString("sender_action") != null) {
      // typing indicators and mark_seen: acknowledged, nothing for the customer to read
      return new GraphAnswer(200, new JsonObject().put("recipient_id", recipient));
    }
    JsonObject message = body.getJsonObject("message", new JsonObject());
    String text = message.getString("text");
    String kind = "text";
    if (text == null && message.getJsonObject("attachment") != null) {
      JsonObject att = message.getJsonObject("attachment");
      kind = att.getString("type", "file");
      text = media(att.getJsonObject("payload", new JsonObject()));
    }
    if (text == null) {
      return error(400, "(#100) Must send either message or state", 100);
    }
    String id = MetaPayloads.newMessageId(platform);
    feed.known(platform, pageId, recipient);
    JsonObject entry = outgoing.sent(platform, pageId, recipient, id, kind, text);
    String tag = body.getString("tag");
    if (tag != null) {
      feed.update(entry.getString("id"), new JsonObject().put("tag", tag));
    }
    JsonArray quickReplies = message.getJsonArray("quick_replies");
    if (quickReplies != null && !quickReplies.isEmpty()) {
      JsonArray choices = new JsonArray();
      quickReplies.forEach(o -> {
        JsonObject q = (JsonObject) o;
        choices.add(new JsonObject().put("title", q.getString("title")).put("payload", q.getString("payload")));
      });
      choices(entry.getString("id"), new JsonObject().put("kind", "quick_replies").put("items", choices));
    }
    return new GraphAnswer(200, new JsonObject().put("recipient_id", recipient).put("message_id", id));
  }

  /** Reply buttons or list rows of a WhatsApp interactive message, as {kind, items: [{title, payload}]}. */
  private static JsonObject whatsappChoices(JsonObject interactive) {
    JsonArray items = new JsonArray();
    JsonObject action = interactive.getJsonObject("action", new JsonObject());
    String kind = interactive.getString("type", "button");
    if ("list".equals(kind)) {
      action.getJsonArray("sections", new JsonArray()).forEach(sec -> ((JsonObject) sec).getJsonArray("rows", new JsonArray())
          .forEach(r -> items.add(new JsonObject().put("title", ((JsonObject) r).getString("title"))
              .put("payload", ((JsonObject) r).getString("id")))));
    } else {
      action.getJsonArray("buttons", new JsonArray()).forEach(b -> {
        JsonObject reply = ((JsonObject) b).getJsonObject("reply", new JsonObject());
        items.add(new JsonObject().put("title", reply.getString("title")).put("payload", reply.getString("id")));
      });
    }
    return new JsonObject().put("kind", kind).put("items", items);
  }

  private void choices(String entryId, JsonObject choices) {
    if (!choices.getJsonArray("items").isEmpty()) {
      feed.update(entryId, new JsonObject().put("choiceKind", choices.getString("kind")).put("choices", choices.getJsonArray("items")));
    }
  }

  private static String media(JsonObject m) {
    String caption = m.getString("caption");
    String name = m.getString("filename", m.getString("link", m.getString("url", m.getString("id", "attachment"))));
    return caption == null ? "[" + name + "]" : "[" + name + "] " + caption;
  }

  /** {@code GET /{wabaId}/message_templates}: a few templates in Graph's shape. */
  GraphAnswer templates() {
    JsonArray data = new JsonArray();
    int n = 0;
    for (Map.Entry<String, String[]> t : TEMPLATES.entrySet()) {
      String[] v = t.getValue();
      data.add(new JsonObject()
          .put("name", t.getKey()).put("language", v[0]).put("status", v[1]).put("category", v[2])
          .put("id", "94000000000000" + (++n))
          .put("components", new JsonArray().add(new JsonObject().put("type", "BODY").put("text", v[3]))));
    }
    return new GraphAnswer(200, new JsonObject().put("data", data)
        .put("paging", new JsonObject().put("cursors", new JsonObject().put("before", "MAZDZD").put("after", "MgZDZD"))));
  }

  private static String renderTemplate(JsonObject template) {
    String name = template.getString("name", "?");
    String[] known = TEMPLATES.get(name);
    String body = known == null ? "[template " + name + "]" : known[3];
    List<String> params = new ArrayList<>();
    JsonArray components = template.getJsonArray("components", new JsonArray());
    for (int i = 0; i < components.size(); i++) {
      JsonObject comp = components.getJsonObject(i);
      if ("body".equalsIgnoreCase(comp.getString("type"))) {
        JsonArray ps = comp.getJsonArray("parameters", new JsonArray());
        for (int j = 0; j < ps.size(); j++) {
          params.add(ps.getJsonObject(j).getString("text", ""));
        }
      }
    }
    for (int i = 0; i < params.size(); i++) {
      body = body.replace("{{" + (i + 1) + "}}", params.get(i));
    }
    return body;
  }

  /**
   * {@code GET /{psid}?fields=first_name,last_name,profile_pic} (Messenger) or
   * {@code GET /{igsid}?fields=name,username,profile_pic} (Instagram), from the customer's name.
   */
  GraphAnswer profile(String userId, String fields, String nameFromDb) {
    Customer c = null;
    for (Customer x : feed.customers()) {
      if (x.id().equals(userId) && !"whatsapp".equals(x.platform())) {
        c = x;
      }
    }
    String name = c != null && !c.name().equals(c.id()) ? c.name() : nameFromDb;
    if (name == null) {
      return error(400, "(#100) No profile available for that user.", 100);
    }
    String pic = "https://example.invalid/profile/" + userId + ".jpg";
    boolean instagram = (fields != null && fields.contains("username")) || (c != null && "instagram".equals(c.platform()));
    if (instagram) {
      return new GraphAnswer(200, new JsonObject().put("name", name)
          .put("username", name.toLowerCase().replaceAll("[^a-z0-9]+", ".")).put("profile_pic", pic).put("id", userId));
    }
    int space = name.indexOf(' ');
    return new GraphAnswer(200, new JsonObject()
        .put("first_name", space < 0 ? name : name.substring(0, space))
        .put("last_name", space < 0 ? "" : name.substring(space + 1))
        .put("profile_pic", pic).put("id", userId));
  }

  /** Graph's error body. */
  static GraphAnswer error(int status, String message, int code) {
    return new GraphAnswer(status, new JsonObject().put("error", new JsonObject()
        .put("message", message).put("type", code == 190 ? "OAuthException" : "GraphMethodException")
        .put("code", code).put("fbtrace_id", "Demo" + MetaPayloads.digits(8))));
  }
}
