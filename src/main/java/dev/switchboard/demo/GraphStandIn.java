package dev.switchboard.demo;

import dev.switchboard.channel.whatsapp.WaIds;
import dev.switchboard.demo.Simulator.Customer;
import dev.switchboard.demo.Simulator.GraphAnswer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo's Graph API: answers the gateway's sends, template list and profile lookups as Graph
 * does, and hands every accepted send to {@link Outgoing}, which shows it to the customer. It also
 * answers the checks an admin's Connect and New access token make ({@code GET /{id}},
 * {@code GET /{wabaId}/phone_numbers}, {@code POST /{id}/subscribed_apps}) for the business
 * objects of the demo's Meta, whose rules {@code docs/demo.md} gives: WhatsApp numbers, WABAs
 * and Pages have 15-digit ids, Instagram accounts 17 digits starting 17841, a WABA holds the
 * numbers whose id differs from its own only in the last digit, and a Page's or Instagram
 * account's token reaches that object only.
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

  /** The tokens the seed stores on its channels. */
  static final Set<String> DEMO_TOKENS = Set.of("demo-whatsapp-token", "demo-messenger-token", "demo-instagram-token");
  /** Facebook Login tokens start EAA, Instagram Login tokens IG; anything else Graph cannot parse. */
  private static final Pattern META_TOKEN = Pattern.compile("(EAA|IG)[A-Za-z0-9_-]{1,4093}");
  /** WhatsApp phone numbers, WhatsApp Business Accounts and Facebook Pages. */
  private static final Pattern BUSINESS_ID = Pattern.compile("[1-9][0-9]{14}");
  /** Instagram professional accounts. */
  private static final Pattern INSTAGRAM_ID = Pattern.compile("17841[0-9]{12}");
  /** Fields a phone number has and a Page has not: asking for one says the id is read as a number. */
  private static final Set<String> PHONE_ONLY = Set.of("display_phone_number", "verified_name", "code_verification_status",
      "quality_rating", "platform_type");

  /**
   * The channel that already stores a token, as Meta sees whose token it is; null for a token no
   * channel holds (a new one, which reaches whatever the admin names).
   */
  record Holder(String platform, String externalId) {
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

  /**
   * Graph's refusal of a token, or null when it accepts it: the seed's tokens and well-formed
   * Meta tokens are accepted; a token containing "revoked" plays one whose session Meta ended
   * (the user changed their password, or removed the app).
   */
  static GraphAnswer refusedToken(String token) {
    if (token.toLowerCase(Locale.ROOT).contains("revoked")) {
      return error(400, "Error validating access token: The session has been invalidated because the user changed their "
          + "password or Facebook has changed the session for security reasons.", 190, 460);
    }
    if (!DEMO_TOKENS.contains(token) && !META_TOKEN.matcher(token).matches()) {
      return error(400, "Invalid OAuth access token - Cannot parse access token", 190);
    }
    return null;
  }

  /**
   * {@code GET /{id}?fields=...}: a customer's profile when the id is a customer's, else the
   * business object of that id (a phone number when a number's field is asked for, else a Page;
   * an Instagram account), else Graph's unknown-object error.
   */
  GraphAnswer lookup(String id, String fields, Holder holder, boolean contact, String nameFromDb) {
    if (contact || isCustomer(id)) {
      return profile(id, fields, nameFromDb);
    }
    List<String> asked = fields(fields);
    if (asked == null) {
      return error(400, "(#100) The parameter fields is too long.", 100);
    }
    String kind = INSTAGRAM_ID.matcher(id).matches() ? "instagram"
        : !BUSINESS_ID.matcher(id).matches() ? null
        : asked.stream().anyMatch(PHONE_ONLY::contains) ? "whatsapp" : "page";
    if (kind == null || !reaches(holder, kind, id)) {
      return unknownObject("get", id);
    }
    return selected(object(kind, id), asked, switch (kind) {
      case "whatsapp" -> "WhatsAppBusinessPhoneNumber";
      case "page" -> "Page";
      default -> "IGUser";
    });
  }

  /** The first run of digits in a token that is a Page's or an Instagram account's id. */
  private static final Pattern NAMED_ID = Pattern.compile("(?<![0-9])(17841[0-9]{12}|[1-9][0-9]{14})(?![0-9])");

  /**
   * {@code GET /me}: whose token it is, as Graph answers it. A Page's token is its Page; an
   * Instagram account is reached through the token of the Page linked to it, whose
   * {@code instagram_business_account} names it; a WhatsApp system user's token and any other
   * token are a user's. A channel's stored token is its object's; a new token names its object:
   * {@code EAA} and the Page's id ({@code EAA361442100000002}), or {@code EAA} and the Instagram
   * account's id for the Page linked to it; any other new token is a person's (Meta refuses to
   * take a person's token for a Page's).
   */
  GraphAnswer me(String token, String fields, Holder holder) {
    List<String> asked = fields(fields);
    if (asked == null) {
      return error(400, "(#100) The parameter fields is too long.", 100);
    }
    String named = null;
    if (holder != null && !"whatsapp".equals(holder.platform())) {
      named = holder.externalId();
    } else if (holder == null && token.startsWith("EAA")) {
      Matcher m = NAMED_ID.matcher(token);
      named = m.find() ? m.group(1) : null;
    }
    if (named == null) {
      JsonObject user = new JsonObject().put("id", "10" + MetaPayloads.digits(13)).put("name", "Demo Admin");
      return selected(user, asked, "User");
    }
    JsonObject page;
    if (INSTAGRAM_ID.matcher(named).matches()) {
      String linked = "7" + named.substring(3);
      page = object("page", linked).put("instagram_business_account", new JsonObject().put("id", named));
    } else {
      page = object("page", named);
    }
    // a Page without a linked account answers without the field, as Graph does
    List<String> known = asked.stream().filter(f -> page.containsKey(f) || !"instagram_business_account".equals(f)).toList();
    return selected(page, known, "Page");
  }

  /** {@code GET /{wabaId}/phone_numbers}: the WABA's nine numbers, those whose id differs from its own only in the last digit. */
  GraphAnswer phoneNumbers(String wabaId, String fields, Holder holder) {
    List<String> asked = fields(fields);
    if (asked == null) {
      return error(400, "(#100) The parameter fields is too long.", 100);
    }
    if (!BUSINESS_ID.matcher(wabaId).matches() || !reaches(holder, "whatsapp", wabaId)) {
      return unknownObject("get", wabaId);
    }
    JsonArray data = new JsonArray();
    String prefix = wabaId.substring(0, wabaId.length() - 1);
    for (char last = '0'; last <= '9'; last++) {
      String number = prefix + last;
      if (!number.equals(wabaId)) {
        GraphAnswer one = selected(object("whatsapp", number), asked, "WhatsAppBusinessPhoneNumber");
        if (one.status() != 200) {
          return one;
        }
        data.add(one.body());
      }
    }
    return new GraphAnswer(200, new JsonObject().put("data", data)
        .put("paging", new JsonObject().put("cursors", new JsonObject().put("before", "QVFIUjBZ").put("after", "QVFIUjlZ"))));
  }

  /** {@code POST /{id}/subscribed_apps}: a WABA, Page or Instagram account the token reaches subscribes the app. */
  GraphAnswer subscribe(String id, Holder holder) {
    String kind = INSTAGRAM_ID.matcher(id).matches() ? "instagram"
        : !BUSINESS_ID.matcher(id).matches() ? null
        : holder != null && "whatsapp".equals(holder.platform()) ? "whatsapp" : "page";
    if (kind == null || !reaches(holder, kind, id)) {
      return unknownObject("post", id);
    }
    return new GraphAnswer(200, new JsonObject().put("success", true));
  }

  /**
   * Whether a token reaches an object: one no channel holds reaches any; a WhatsApp system user's
   * reaches WhatsApp numbers and WABAs; a Page's or Instagram account's reaches only its own, so
   * {@code /me/messages} always knows which channel a token sends for.
   */
  private static boolean reaches(Holder holder, String kind, String id) {
    if (holder == null) {
      return true;
    }
    if ("whatsapp".equals(holder.platform())) {
      return "whatsapp".equals(kind);
    }
    String holderKind = "messenger".equals(holder.platform()) ? "page" : "instagram";
    return holderKind.equals(kind) && id.equals(holder.externalId());
  }

  private boolean isCustomer(String id) {
    for (Customer c : feed.customers()) {
      if (c.id().equals(id)) {
        return true;
      }
    }
    return false;
  }

  /** Every field of the object, with names that stay the same for an id. */
  private static JsonObject object(String kind, String id) {
    String last4 = id.substring(id.length() - 4);
    return switch (kind) {
      case "whatsapp" -> {
        String phone = MetaPayloads.businessPhone(id);
        yield new JsonObject().put("id", id)
            .put("display_phone_number", "+" + phone.charAt(0) + " " + phone.substring(1, 4) + "-" + phone.substring(4, 7)
                + "-" + phone.substring(7))
            .put("verified_name", DemoSeed.WHATSAPP_ID.equals(id) ? "Demo Shop" : "Demo Business " + last4)
            .put("code_verification_status", "VERIFIED").put("quality_rating", "GREEN").put("platform_type", "CLOUD_API");
      }
      case "page" -> new JsonObject().put("id", id).put("name", DemoSeed.PAGE_ID.equals(id) ? "Demo Shop" : "Demo Page " + last4);
      default -> new JsonObject().put("id", id)
          .put("name", DemoSeed.INSTAGRAM_ID.equals(id) ? "Demo Shop" : "Demo Account " + last4)
          .put("username", DemoSeed.INSTAGRAM_ID.equals(id) ? "demoshop" : "demo.account." + last4);
    };
  }

  /** The fields asked for (all when none is), and the id, as Graph answers; a field the node lacks is Graph's error. */
  private static GraphAnswer selected(JsonObject all, List<String> asked, String nodeType) {
    if (asked.isEmpty()) {
      return new GraphAnswer(200, all);
    }
    JsonObject out = new JsonObject();
    for (String f : asked) {
      if (!all.containsKey(f)) {
        return error(400, "(#100) Tried accessing nonexisting field (" + f + ") on node type (" + nodeType + ")", 100);
      }
      out.put(f, all.getValue(f));
    }
    return new GraphAnswer(200, out.put("id", all.getString("id")));
  }

  /** The {@code fields} parameter as a list (empty when absent), or null when it is longer than any real request. */
  private static List<String> fields(String fields) {
    if (fields == null || fields.isBlank()) {
      return List.of();
    }
    if (fields.length() > 1000) {
      return null;
    }
    List<String> out = new ArrayList<>();
    for (String f : fields.split(",")) {
      if (!f.isBlank()) {
        out.add(f.trim());
      }
    }
    return out;
  }

  /** Graph's answer for an id it has no object for, or whose object the token cannot see. */
  private static GraphAnswer unknownObject(String method, String id) {
    return error(400, "Unsupported " + method + " request. Object with ID '" + id + "' does not exist, cannot be loaded due "
        + "to missing permissions, or does not support this operation. Please read the Graph API documentation at "
        + "https://developers.facebook.com/docs/graph-api", 100, 33);
  }

  /** Graph's error body. */
  static GraphAnswer error(int status, String message, int code) {
    return error(status, message, code, null);
  }

  /** Graph's error body with its {@code error_subcode}. */
  static GraphAnswer error(int status, String message, int code, Integer subcode) {
    JsonObject error = new JsonObject()
        .put("message", message).put("type", code == 190 ? "OAuthException" : "GraphMethodException")
        .put("code", code);
    if (subcode != null) {
      error.put("error_subcode", subcode);
    }
    return new GraphAnswer(status, new JsonObject().put("error", error.put("fbtrace_id", "Demo" + MetaPayloads.digits(8))));
  }
}
